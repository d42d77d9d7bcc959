"""The latent space of an image generator: class maps over a grid, and interpolation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from seqgan._validation import check_float, check_int, check_option, check_random_state
from seqgan.plots import _finish, image_grid

INTERPOLATIONS = ("linear", "slerp")


def _check_source(model: Any) -> None:
    """A fitted image model (or a trainer's decoder): ``generate``, ``latent_dim``, ``prior``."""
    if not all(hasattr(model, a) for a in ("generate", "latent_dim", "prior")):
        raise TypeError("Latent-space tools need an image model (DCGAN, CGAN, ImageBiGAN) with "
                        f"one latent vector per sample; got {type(model).__name__}.")
    if hasattr(model, "latent_view"):
        model.latent_view()  # a fitted estimator (raises NotFittedError otherwise)


def _default_radius(model: Any) -> float:
    return 1.0 if model.prior == "uniform" else 3.0


@dataclass
class LatentMap:
    """Classes of generated outputs over a latent grid.

    Attributes
    ----------
    labels : ndarray (n_panels, resolution, resolution)
        The classifier's label of the output at each grid point; ``labels[p, i, j]`` is at
        ``z[dims[0]] = axis[j]``, ``z[dims[1]] = axis[i]``.
    axis : ndarray (resolution,)
        Grid values along each plotted latent dimension.
    panels : list of str
        Title of each panel (the slice value, or the class of a conditional model).
    dims : (int, int)
        The latent dimensions on the x and y axes.
    """

    labels: np.ndarray
    axis: np.ndarray
    panels: list[str]
    dims: tuple[int, int]
    #: Every class the classifier knows, in order (fixes each class's colour across maps).
    class_order: list[Any] | None = None

    @property
    def classes(self) -> list[Any]:
        """The labels present on the map, sorted."""
        return sorted(np.unique(self.labels).tolist())


def latent_class_map(model: Any, classifier: Any, *, radius: float | None = None,
                     resolution: int = 40, dims: tuple[int, int] = (0, 1), slices: int = 5,
                     condition: Sequence[Any] | None = None) -> LatentMap:
    """Generate on a grid over ``[-radius, radius]^2`` of two latent dimensions and label each
    output with ``classifier`` (e.g. a :class:`seqgan.metrics.ImageClassifier` trained on the
    real labelled data).

    - 2-D latent: one panel.
    - 3-D or more: ``slices`` panels, the next latent dimension fixed at evenly spaced values
      in ``[-radius, radius]`` (slices of the cube); the remaining dimensions are 0.
    - Conditional models: one panel per class (``condition``: the classes, default all), the
      other latent dimensions at 0.

    ``radius`` defaults to 3 for a normal prior and 1 for a uniform one.
    """
    _check_source(model)
    if not hasattr(classifier, "predict"):
        raise TypeError("`classifier` must have predict(images) -> labels (e.g. a fitted "
                        "seqgan.metrics.ImageClassifier).")
    k = int(model.latent_dim)
    if k < 2:
        raise ValueError("A latent class map needs a latent of at least 2 dimensions; this "
                         f"model has latent_dim={k}.")
    resolution = check_int("resolution", resolution, low=2, owner="latent_class_map")
    slices = check_int("slices", slices, low=1, owner="latent_class_map")
    radius = _default_radius(model) if radius is None else check_float(
        "radius", radius, low=0.0, owner="latent_class_map")
    dims = tuple(int(d) for d in dims)
    if len(dims) != 2 or dims[0] == dims[1] or not all(0 <= d < k for d in dims):
        raise ValueError(f"`dims` must be two different latent dimensions in [0, {k}); got "
                         f"{dims}.")
    axis = np.linspace(-radius, radius, resolution)
    gx, gy = np.meshgrid(axis, axis)
    base = np.zeros((resolution * resolution, k), dtype=np.float32)
    base[:, dims[0]], base[:, dims[1]] = gx.ravel(), gy.ravel()
    classes = getattr(model, "condition_classes_", None)
    panels: list[tuple[str, np.ndarray, Any]] = []
    if classes is not None:
        for c in (classes if condition is None else list(condition)):
            panels.append((f"class {c}", base, [c] * len(base)))
    else:
        if condition is not None:
            raise ValueError("`condition` is for conditional models (CGAN); this model is "
                             "unconditional.")
        rest = [d for d in range(k) if d not in dims]
        if not rest:
            panels.append(("", base, None))
        else:
            for value in np.linspace(-radius, radius, slices):
                z = base.copy()
                z[:, rest[0]] = value
                panels.append((f"z{rest[0]} = {value:.2g}", z, None))
    labels = []
    for _, z, cond in panels:
        images = model.generate(z, condition=cond)
        labels.append(np.asarray(classifier.predict(images)).reshape(resolution, resolution))
    known = getattr(classifier, "classes_", None)
    return LatentMap(np.stack(labels), axis, [p[0] for p in panels], dims,
                     None if known is None else list(np.asarray(known).tolist()))


def plot_latent_map(latent_map: LatentMap, *, title: str | None = None,
                    path: str | Path | None = None) -> Figure:
    """The panels of a :class:`LatentMap`, the plane coloured by class (one colour per class
    present, with a legend)."""
    present = latent_map.classes
    classes = list(latent_map.class_order or present)
    classes += [c for c in present if c not in classes]
    index = {c: i for i, c in enumerate(classes)}
    table = colormaps["tab10" if len(classes) <= 10 else "tab20"]
    palette = [table(i % table.N) for i in range(len(classes))]
    cmap = ListedColormap(palette)
    n = len(latent_map.panels)
    ncol = min(n, 5)
    nrow = int(np.ceil(n / ncol))
    fig = Figure(figsize=(2.4 * ncol + 1.2, 2.4 * nrow + (0.3 if title else 0)))
    axes = fig.subplots(nrow, ncol, squeeze=False)
    lo, hi = latent_map.axis[0], latent_map.axis[-1]
    for p, ax in enumerate(axes.ravel()):
        if p >= n:
            ax.set_axis_off()
            continue
        codes = np.vectorize(index.__getitem__)(latent_map.labels[p])
        ax.imshow(codes, origin="lower", extent=(lo, hi, lo, hi), cmap=cmap, vmin=-0.5,
                  vmax=len(classes) - 0.5, interpolation="nearest")
        ax.set_title(latent_map.panels[p], fontsize=8)
        ax.set_xlabel(f"z{latent_map.dims[0]}", fontsize=8)
        ax.set_ylabel(f"z{latent_map.dims[1]}", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.legend(handles=[Patch(color=palette[index[c]], label=str(c)) for c in present],
               loc="center right", fontsize=8, title="class", title_fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1 - 1.0 / (2.4 * ncol + 1.2), 1))
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    return fig


def _slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation (White 2016); linear when a and b are (anti)parallel."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    cos = np.clip(a @ b / max(na * nb, 1e-12), -1.0, 1.0)
    omega = np.arccos(cos)
    if np.sin(omega) < 1e-6:
        return (1 - t)[:, None] * a + t[:, None] * b
    return (np.sin((1 - t) * omega)[:, None] * a + np.sin(t * omega)[:, None] * b) / np.sin(omega)


def interpolation_path(a: Any, b: Any, *, steps: int = 8, method: str = "linear") -> np.ndarray:
    """``steps`` latent points (steps, latent_dim) from ``a`` to ``b`` (both included),
    along a line or a great circle ("slerp", which keeps Gaussian latents at typical norms)."""
    method = check_option("method", method, INTERPOLATIONS, owner="interpolation_path")
    steps = check_int("steps", steps, low=2, owner="interpolation_path")
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"`a` and `b` must have the same size; got {a.size} and {b.size}.")
    t = np.linspace(0.0, 1.0, steps)
    if method == "linear":
        return ((1 - t)[:, None] * a + t[:, None] * b).astype(np.float32)
    return _slerp(a, b, t).astype(np.float32)


def interpolate(model: Any, a: Any = None, b: Any = None, *, steps: int = 8,
                method: str = "linear", condition: Any = None,
                random_state: Any = None) -> np.ndarray:
    """Outputs (steps, C, H, W) of the generator along a path from latent ``a`` to ``b``;
    missing end points are drawn from the prior with ``random_state``."""
    _check_source(model)
    rng = check_random_state(random_state)
    ends = []
    for point in (a, b):
        if point is None:
            point = (rng.uniform(-1, 1, model.latent_dim) if model.prior == "uniform"
                     else rng.standard_normal(model.latent_dim))
        point = np.asarray(point, dtype=np.float64).ravel()
        if point.size != model.latent_dim:
            raise ValueError(f"Latent end points must have {model.latent_dim} values "
                             f"(latent_dim); got {point.size}.")
        ends.append(point)
    path = interpolation_path(*ends, steps=steps, method=method)
    if condition is not None:
        return model.generate(path, condition=[condition] * steps)
    return model.generate(path)


def plot_interpolation(model: Any, a: Any = None, b: Any = None, *, steps: int = 10,
                       methods: Sequence[str] = INTERPOLATIONS, condition: Any = None,
                       random_state: Any = 0, path: str | Path | None = None) -> Figure:
    """One strip of ``steps`` images per method (linear and spherical by default) between the
    same two latent points."""
    rng = check_random_state(random_state)
    if a is None or b is None:
        draw = (lambda: rng.uniform(-1, 1, model.latent_dim)) if model.prior == "uniform" \
            else (lambda: rng.standard_normal(model.latent_dim))
        a = draw() if a is None else a
        b = draw() if b is None else b
    rows = [interpolate(model, a, b, steps=steps, method=m, condition=condition)
            for m in methods]
    fig = Figure(figsize=(1.0 * steps, 1.15 * len(rows)))
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, images, method in zip(axes, rows, methods, strict=True):
        grid = image_grid(images, ncol=steps)
        ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1,
                  interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(method, fontsize=8)
    return _finish(fig, path)
