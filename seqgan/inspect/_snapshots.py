"""Fixed-noise snapshots during training, assembled into an animated GIF."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from seqgan._validation import check_int
from seqgan.plots import _finish, plot_images
from seqgan.training import Callback

logger = logging.getLogger(__name__)

SNAPSHOT_PATTERN = "snapshot_*.png"


def _plot_series(fake: np.ndarray, title: str, path: Path, features: int = 3) -> Figure:
    """Fixed-noise sequences (n, T, d): one panel per feature (at most ``features``)."""
    k = min(features, fake.shape[2])
    fig = Figure(figsize=(7, 1.8 * k))
    axes = fig.subplots(k, 1, squeeze=False, sharex=True)[:, 0]
    for f, ax in enumerate(axes):
        for seq in fake[:, :, f]:
            ax.plot(seq, lw=0.8, alpha=0.7)
        ax.set_ylabel(f"feature {f}", fontsize=8)
    axes[0].set_title(title, fontsize=9)
    axes[-1].set_xlabel("step")
    return _finish(fig, path)


def _plot_points(fake: np.ndarray, real: np.ndarray, title: str, path: Path) -> Figure:
    """Fixed-noise points (n, d) over real points (grey): the first two features, axes fixed
    by the real points so that frames line up in the GIF."""
    fake = fake.reshape(len(fake), -1)
    real = real.reshape(len(real), -1)
    if fake.shape[1] == 1:  # one feature: against the sample index
        fake = np.column_stack([np.arange(len(fake)), fake[:, 0]])
        real = np.column_stack([np.arange(len(real)), real[:, 0]])
    fig = Figure(figsize=(4, 4))
    ax = fig.subplots()
    ax.scatter(real[:, 0], real[:, 1], s=4, c="0.75", label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=6, c="tab:red", alpha=0.7, label="generated")
    low, high = real[:, :2].min(0), real[:, :2].max(0)
    pad = 0.25 * (high - low) + 1e-6
    ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
    ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper right", fontsize=7)
    return _finish(fig, path)


def make_gif(frames: Sequence[str | Path], path: str | Path, *, duration: float = 0.4,
             loop: int = 0, width: int | None = None) -> Path:
    """Assemble PNG ``frames`` (in order) into an animated GIF at ``path``; every frame is
    resized to the first one's size, or to ``width`` pixels wide (smaller files).
    ``duration`` is seconds per frame."""
    from PIL import Image

    frames = [Path(f) for f in frames]
    if not frames:
        raise ValueError("make_gif needs at least one frame.")
    images = []
    for frame in frames:
        with Image.open(frame) as img:
            rgb = img.convert("RGB")
            if width is not None and rgb.width != width:
                rgb = rgb.resize((width, round(rgb.height * width / rgb.width)),
                                 Image.Resampling.LANCZOS)
            images.append(rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=64))
    size = images[0].size
    images = [im if im.size == size else im.resize(size) for im in images]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:],
                   duration=int(duration * 1000), loop=loop)
    return path


class Snapshots(Callback):
    """Every ``every`` iterations of the adversarial phase, save what the generator makes of
    one fixed noise batch (and, optionally, a latent class map), then an animated GIF.

    Images become a grid, sequences a plot of ``n`` series, points (MLPGAN) a scatter over
    real points (scaled values). Frames are
    ``snapshot_<iteration>.png`` in ``directory``; at the end they are assembled into
    ``training.gif`` (and ``latent_map.gif`` for the maps). The noise is the same at every
    snapshot (``seed``) and drawn apart from the training random stream, so snapshots do not
    change training. Works with every model; a resumed run continues the series of frames.

    Parameters
    ----------
    directory : path
    every : int
        Iterations between snapshots (and at the first iteration).
    n : int
        Samples per snapshot (64 images make an 8 x 8 grid).
    seed : int
        Seed of the fixed noise.
    gif : bool
        Assemble the GIF(s) when training ends.
    latent_map : dict or None
        Keyword arguments of :func:`seqgan.inspect.latent_class_map` (at least
        ``classifier``) to also save a latent class map per snapshot (image models only).
    phase : str or None
        Phase to snapshot; None: the last (adversarial) one.

    Attributes
    ----------
    frames_ : list of Path
        Snapshot PNGs written (this run).
    gif_path_ : Path or None
    """

    def __init__(self, directory: str | Path, *, every: int = 100, n: int = 64, seed: int = 0,
                 gif: bool = True, latent_map: dict[str, Any] | None = None,
                 phase: str | None = None) -> None:
        self.directory = Path(directory)
        self.every = check_int("every", every, low=1, owner="Snapshots")
        self.n = check_int("n", n, low=1, owner="Snapshots")
        self.seed = seed
        self.gif = gif
        if latent_map is not None and "classifier" not in latent_map:
            raise ValueError("`latent_map` must be a dict of latent_class_map arguments with "
                             "at least a 'classifier', e.g. {'classifier': clf}.")
        self.latent_map = latent_map
        self.phase = phase
        self.frames_: list[Path] = []
        self.gif_path_: Path | None = None

    def _active(self, trainer: Any, phase: Any) -> bool:
        target = self.phase or trainer.phases[-1].name
        return phase.name == target

    def on_train_begin(self, trainer: Any) -> None:
        if trainer.sampler is None:
            raise ValueError("Snapshots needs a model's trainer (trainer.sampler is not set).")
        if self.latent_map is not None and trainer.decoder is None:
            raise ValueError("Latent class maps need an image model (one latent vector per "
                             "sample); drop `latent_map` for this model.")
        self.directory.mkdir(parents=True, exist_ok=True)

    def on_iteration_end(self, trainer: Any, phase: Any, iteration: int, logs: Any) -> None:
        if not self._active(trainer, phase) or (iteration % self.every and iteration != 1):
            return
        self.snapshot(trainer, iteration)

    def snapshot(self, trainer: Any, iteration: int) -> Path:
        """Write the frame of ``iteration`` now; return its path."""
        fake, real = trainer.sampler(self.n, seed=self.seed)
        fake = fake.float().cpu().numpy()
        path = self.directory / f"snapshot_{iteration:06d}.png"
        title = f"iteration {iteration}"
        if fake.ndim == 4:
            plot_images(fake, title=title, path=path)
        elif fake.ndim == 2:
            _plot_points(fake, real.real.float().cpu().numpy(), title, path)
        else:
            _plot_series(fake, title, path)
        self.frames_.append(path)
        if self.latent_map is not None:
            from seqgan.inspect._latent import latent_class_map, plot_latent_map

            found = latent_class_map(trainer.decoder, **self.latent_map)
            plot_latent_map(found, title=title,
                            path=self.directory / f"latent_map_{iteration:06d}.png")
        return path

    def on_train_end(self, trainer: Any) -> None:
        if not self.gif:
            return
        frames = sorted(self.directory.glob(SNAPSHOT_PATTERN))
        if frames:
            self.gif_path_ = make_gif(frames, self.directory / "training.gif")
            logger.info("Wrote %s (%d frames).", self.gif_path_, len(frames))
        maps = sorted(self.directory.glob("latent_map_*.png"))
        if maps:
            make_gif(maps, self.directory / "latent_map.gif")
