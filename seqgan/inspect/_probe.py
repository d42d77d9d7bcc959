"""Independent classifiers that tell real from generated during and after training."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from seqgan._validation import check_int
from seqgan.training import Callback

logger = logging.getLogger(__name__)


def _holdout_accuracy(real: np.ndarray, fake: np.ndarray, seed: int) -> float:
    """Held-out accuracy of a logistic regression on flattened samples, trained on half of
    each set and tested on the other half."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([real.reshape(len(real), -1), fake.reshape(len(fake), -1)])
    y = np.r_[np.ones(len(real)), np.zeros(len(fake))]
    order = rng.permutation(len(X))
    X, y = X[order], y[order]
    half = len(X) // 2
    clf = LogisticRegression(C=1.0, max_iter=300)
    clf.fit(X[:half], y[:half])
    return float(clf.score(X[half:], y[half:]))


class ClassifierProbe(Callback):
    """A classifier apart from the discriminator, trained to tell real from generated.

    Every ``every`` iterations of the adversarial phase a weak classifier (logistic
    regression on the raw values) is retrained on ``n`` generated and ``n`` real samples
    (half of each) and its accuracy on the other halves is logged as ``probe/accuracy``.
    When training ends a strong classifier is trained on ``n_final`` of each: a small CNN for
    images of at least 8 x 8 pixels (:class:`seqgan.metrics.ImageClassifier`; smaller images
    keep the logistic regression), TimeGAN's post-hoc GRU for sequences
    (:func:`seqgan.metrics.discriminative_score`); its held-out accuracy is logged as
    ``probe/final_accuracy`` in the last history row and kept in ``final_accuracy_``.

    0.5 is a generator the probe cannot tell apart; 1.0 a generator it always catches.
    Generated samples come from fresh noise at each probe, apart from the training random
    stream (probing does not change training).

    Attributes
    ----------
    accuracies_ : list of (iteration, accuracy)
    final_accuracy_ : float or None
    """

    def __init__(self, *, every: int = 200, n: int = 256, final: bool = True,
                 n_final: int = 1000, seed: int = 0) -> None:
        self.every = check_int("every", every, low=1, owner="ClassifierProbe")
        self.n = check_int("n", n, low=4, owner="ClassifierProbe")
        self.final = final
        self.n_final = check_int("n_final", n_final, low=10, owner="ClassifierProbe")
        self.seed = seed
        self.accuracies_: list[tuple[int, float]] = []
        self.final_accuracy_: float | None = None

    def on_train_begin(self, trainer: Any) -> None:
        if trainer.sampler is None:
            raise ValueError("ClassifierProbe needs a model's trainer (trainer.sampler is not "
                             "set).")

    def _samples(self, trainer: Any, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        fake, real = trainer.sampler(n, seed=seed)
        return real.real.float().cpu().numpy(), fake.float().cpu().numpy()

    def on_iteration_end(self, trainer: Any, phase: Any, iteration: int, logs: Any) -> None:
        if phase.name != trainer.phases[-1].name or iteration % self.every:
            return
        real, fake = self._samples(trainer, self.n, self.seed + iteration)
        accuracy = _holdout_accuracy(real, fake, self.seed + iteration)
        logs["probe/accuracy"] = accuracy
        self.accuracies_.append((iteration, accuracy))

    def on_train_end(self, trainer: Any) -> None:
        if not self.final or trainer.stopped_early or not trainer.history:
            return
        real, fake = self._samples(trainer, self.n_final, self.seed + 1_000_003)
        if real.ndim == 4 and min(real.shape[2:]) < 8:
            logger.warning("Images below 8 x 8 pixels: the final probe is the logistic "
                           "regression, not the CNN.")
            accuracy = _holdout_accuracy(real, fake, self.seed)
        elif real.ndim == 4:
            from seqgan.metrics import ImageClassifier

            X = np.concatenate([real, fake])
            y = np.r_[np.ones(len(real), dtype=np.int64), np.zeros(len(fake), dtype=np.int64)]
            order = np.random.default_rng(self.seed).permutation(len(X))
            X, y = X[order], y[order]
            half = len(X) // 2
            clf = ImageClassifier(n_epochs=5, random_state=self.seed).fit(X[:half], y[:half])
            accuracy = clf.score(X[half:], y[half:])
        else:
            from seqgan.metrics import discriminative_score

            score = discriminative_score(real, fake, n_runs=1, random_state=self.seed,
                                         device=trainer.device)
            accuracy = 0.5 + score.mean
        self.final_accuracy_ = float(accuracy)
        trainer.history[-1]["probe/final_accuracy"] = self.final_accuracy_
        logger.info("Classifier probe: final held-out accuracy %.3f.", self.final_accuracy_)
