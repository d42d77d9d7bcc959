"""What the image GANs and the point GAN share on top of every model's estimator: one array per
sample in and out (no lengths, no static features), latent vectors from a prior, and generation
from given latents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from seqgan._validation import (
    NONE,
    Interval,
    Options,
    check_int,
    check_random_state,
    seed_from,
)
from seqgan.data import ImageEncoder
from seqgan.losses import R1, GradientPenalty
from seqgan.models._adversarial import prior_latent
from seqgan.models._base import DataSpec, evaluating
from seqgan.models._gan import GANEstimator
from seqgan.training import Trainer

PRIORS = ("normal", "uniform")
D_NORMS = ("auto", "batch", "layer", "none")


class LatentVectorGANEstimator(GANEstimator):
    """Base of the models whose samples are single arrays made from one latent vector (image
    GANs, :class:`seqgan.MLPGAN` for points): ``fit(X)``, ``sample(n)`` in the training range
    and dtype, ``generate(z)`` from given latents. No lengths, no static features.

    Subclasses have ``latent_dim``, ``prior``, ``d_norm`` and ``scaling`` parameters and say
    which encoder reads their data (``_encoder_class``).
    """

    _abstract: ClassVar[bool] = True  # a base, not a model: not registered for load/CLI
    _encoder_class: ClassVar[type[ImageEncoder]] = ImageEncoder

    _param_rules: ClassVar[dict[str, list]] = {
        "latent_dim": [Interval(int, 1, None)],
        "prior": [Options(PRIORS)],
        "d_norm": [Options(D_NORMS)],
        "scaling": [Options(("minmax",)), NONE],
    }

    # ------------------------------------------------------------------ data
    def _encode_training_data(self, X: Any, *, condition: Any, static: Any,
                              id_column: str | None, time_column: str | None,
                              categorical: Sequence[str] | None, stride: int
                              ) -> tuple[ImageEncoder, Any, DataSpec]:
        name, noun = type(self).__name__, self._encoder_class._noun
        for arg, value in (("id_column", id_column), ("time_column", time_column),
                           ("categorical", categorical)):
            if value is not None:
                raise ValueError(f"{name} trains on {noun}; `{arg}` is for sequence data.")
        if stride != 1:
            raise ValueError(f"{name} trains on {noun}; `stride` is for sequence data.")
        encoder = self._encoder_class(scaling=self.scaling, owner=name)
        data = encoder.fit_transform(X, condition=condition)
        return encoder, data, self._data_spec(data.values.shape[1:], encoder)

    def _data_spec(self, shape: tuple[int, ...], encoder: ImageEncoder) -> DataSpec:
        """The DataSpec of training samples of ``shape`` (without the batch axis)."""
        return DataSpec(shape[0], 0, encoder.condition_dim_, 0)

    @classmethod
    def _encoder_from_dict(cls, state: dict[str, Any]) -> ImageEncoder:
        return cls._encoder_class.from_dict(state, owner=cls.__name__)

    def _set_fitted(self, module: nn.Module, encoder: Any, spec: DataSpec,
                    device: torch.device, trainer: Trainer | None) -> None:
        module.eval()
        self.module_, self.encoder_, self.spec_, self.device_ = module, encoder, spec, device
        self.condition_classes_ = _label_classes(encoder)
        self.n_features_in_ = int(np.prod(encoder.shape_))
        if trainer is not None:
            self.history_ = trainer.history_frame
            self.stopped_early_ = trainer.stopped_early

    def _training_decoder(self, encoder: Any) -> Any:
        return lambda trainer: _TrainingDecoder(self, trainer, encoder)

    # ------------------------------------------------------------------ latents
    def _d_norm(self) -> str:
        """The critic's normalisation: ``d_norm``, or for "auto" batch norm (DCGAN) unless a
        penalty takes input gradients (then layer norm, as WGAN-GP) or spectral norm is on
        (then none, as SNGAN): with batch norm a sample's input gradient depends on the rest
        of its batch (Gulrajani et al. 2017)."""
        if self.d_norm != "auto":
            return self.d_norm
        if getattr(self, "spectral_norm", False):
            return "none"
        if any(isinstance(r, (GradientPenalty, R1))  # R2 is an R1
               for r in self._adversary().regularizers or ()):
            return "layer"
        return "batch"

    def _draw_latent(self, spec, n, seq_len, generator=None, device="cpu"):
        """One latent vector per image: (n, latent_dim) from the prior."""
        return (prior_latent(self.prior, n, self.latent_dim, generator, device),)

    def _latent_kinds(self, spec):
        return ("symmetric",) if self.prior == "uniform" else ("normal",)

    # ------------------------------------------------------------------ training
    # The default two-player recipe with G(z[, c]) and D(x[, c]) -> (logits, features); a
    # conditional critic sees (image, condition) pairs (penalties differentiate both).
    def _generate(self, module, latent, condition, seq_len):
        return module["generator"](latent[0], condition)

    def _latent_logits(self, module, latent, condition, seq_len):
        return module["discriminator"](module["generator"](latent[0], condition), condition)[0]

    def _fake_inputs(self, module, batch, latent):
        fake = self._generate(module, latent, batch.condition, 0)
        return fake if batch.condition is None else (fake, batch.condition)

    def _real_inputs(self, module, batch):
        return batch.real if batch.condition is None else (batch.real, batch.condition)

    def _critic(self, module, batch):
        discriminator = module["discriminator"]
        if batch.condition is None:
            return lambda x: discriminator(x, None)
        return discriminator

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, *, condition: Any = None, random_state: Any = None,
               batch_size: int = 1024, from_proposal: bool = False) -> np.ndarray:
        """Generate ``n`` samples, shaped like the training samples (images (n, C, H, W),
        points (n, d)), in the training range and dtype.

        Parameters
        ----------
        n : int
        condition : array-like (n,) or (n, c), optional
            For conditional models: the class (or vector) of each sample; one label is
            repeated.
        random_state : int, numpy Generator or None
            Same seed, same images (on the same machine and device).
        batch_size : int
            Samples generated per forward pass.
        from_proposal : bool
            For models trained with ``generator_update=AISUpdate(...)``: latents from the
            learned proposal instead of the prior.
        """
        self._check_fitted()
        n = check_int("n", n, low=1)
        cond = self._encode_condition(condition, n)
        generator = torch.Generator().manual_seed(seed_from(check_random_state(random_state)))
        if from_proposal:
            latent = self._proposal_latent(n, 0, generator)
        else:
            latent = self._draw_latent(self.spec_, n, 0, generator)
        return self._generate_batches(latent[0], cond, batch_size)

    def generate(self, latent: Any, *, condition: Any = None,
                 batch_size: int = 1024) -> np.ndarray:
        """Samples G(z) of given latent vectors ``latent`` (n, latent_dim), in the training
        range: for latent-space maps, interpolations and inspection."""
        self._check_fitted()
        z = torch.as_tensor(np.asarray(latent, dtype=np.float32))
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"`latent` must have shape (n, {self.latent_dim}) (latent_dim of "
                             f"this {type(self).__name__}); got {tuple(z.shape)}.")
        if not torch.isfinite(z).all():
            raise ValueError("`latent` contains NaN or inf values.")
        cond = self._encode_condition(condition, z.shape[0])
        return self._generate_batches(z, cond, check_int("batch_size", batch_size, low=1))

    def _generate_batches(self, z: torch.Tensor, cond: torch.Tensor | None,
                          batch_size: int) -> np.ndarray:
        module = self._sampling_module()
        self.module_.eval()
        chunks = []
        with torch.no_grad():
            for start in range(0, z.shape[0], batch_size):
                part = slice(start, start + batch_size)
                c = None if cond is None else cond[part].to(self.device_)
                out = self._generate(module, (z[part].to(self.device_),), c, 0)
                chunks.append(out.float().cpu().numpy())
        return self._values_to_user(np.concatenate(chunks, axis=0))

    def _values_to_user(self, values: np.ndarray) -> np.ndarray:
        return self.encoder_.inverse_transform(values)

    def _user_to_scaled(self, X: Any) -> tuple[torch.Tensor, torch.Tensor]:
        x = self._scaled_images(X)
        return x, torch.ones_like(x)

    def _scaled_images(self, X: Any) -> torch.Tensor:
        """User samples -> scaled tensor on the model's device."""
        self._check_fitted()
        return torch.as_tensor(self.encoder_.transform(X), device=self.device_)


class ImageGANEstimator(LatentVectorGANEstimator):
    """Base of the image models: ``fit(X)`` with X (n, C, H, W) or (n, H, W), ``sample(n)``
    returning images in the training pixel range and dtype, ``generate(z)`` from given latents.

    Subclasses have ``latent_dim``, ``prior``, ``image_size`` and ``d_norm`` parameters.
    """

    _abstract: ClassVar[bool] = True
    _param_rules: ClassVar[dict[str, list]] = {
        "image_size": [Interval(int, 1, None), NONE],
    }

    def _encode_training_data(self, X: Any, **kwargs: Any) -> tuple[ImageEncoder, Any, DataSpec]:
        if self.supports_condition and kwargs.get("condition") is None:
            raise ValueError(f"{type(self).__name__} is conditional: pass one label (or vector) "
                             "per image as `condition` (or `y`), e.g. fit(X, y). For "
                             "unconditional images use DCGAN.")
        return super()._encode_training_data(X, **kwargs)

    def _data_spec(self, shape: tuple[int, ...], encoder: ImageEncoder) -> DataSpec:
        channels, height, width = shape
        size = getattr(self, "image_size", None)
        if size is not None and (height, width) != (size, size):
            raise ValueError(f"{type(self).__name__}(image_size={size}) got images of {height} x "
                             f"{width} pixels; pass image_size="
                             f"{height if height == width else None} (None: the size of the "
                             "data).")
        return DataSpec(channels, 0, encoder.condition_dim_, 0, height, width)

    def _set_fitted(self, module: nn.Module, encoder: Any, spec: DataSpec,
                    device: torch.device, trainer: Trainer | None) -> None:
        super()._set_fitted(module, encoder, spec, device, trainer)
        self.image_shape_ = (spec.n_channels, spec.height, spec.width)


def _label_classes(encoder: Any) -> list[Any] | None:
    """The class labels of a categorical condition (None otherwise)."""
    cond = encoder.condition_encoder_
    return list(cond.classes_) if cond is not None and cond.kind_ == "categorical" else None


class _TrainingDecoder:
    """The networks being trained, seen like a fitted image model by the inspection tools:
    ``generate(latent, condition=None)`` in the user's units, ``latent_dim``, ``prior`` and
    ``condition_classes_``."""

    def __init__(self, model: LatentVectorGANEstimator, trainer: Trainer, encoder: Any) -> None:
        self.model, self.trainer, self.encoder = model, trainer, encoder
        self.latent_dim, self.prior = model.latent_dim, model.prior
        self.condition_classes_ = _label_classes(encoder)

    def generate(self, latent: Any, *, condition: Any = None) -> np.ndarray:
        z = torch.as_tensor(np.asarray(latent, dtype=np.float32), device=self.trainer.device)
        cond = None
        if self.encoder.condition_encoder_ is not None:
            cond = torch.as_tensor(self.encoder.condition_encoder_.transform(condition, len(z)),
                                   device=self.trainer.device)
        with evaluating(self.trainer.module):
            out = self.model._generate(self.trainer.module, (z,), cond, 0)
        return self.encoder.inverse_transform(out.float().cpu().numpy())
