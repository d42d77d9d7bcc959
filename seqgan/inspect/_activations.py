"""What each layer of a generator computes for one latent point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from seqgan._validation import check_random_state, seed_from
from seqgan.plots import _finish


def _layers(generator: nn.Module) -> list[tuple[str, nn.Module]]:
    """The generator's layers in order: ``generator.layers`` when it has them (the image
    generators), else its direct submodules."""
    if isinstance(getattr(generator, "layers", None), nn.ModuleList):
        return [(f"layers.{i}", m) for i, m in enumerate(generator.layers)]
    return list(generator.named_children())


def generator_activations(model: Any, *, random_state: Any = 0, condition: Any = None,
                          latent: Any = None) -> dict[str, np.ndarray]:
    """Output of every generator layer for one sample: ``{layer name: array}`` without the
    batch axis (images: (channels, height, width) maps or (units,) vectors; sequence models:
    (seq_len, units) when a layer runs once over the sequence, calls at every step stacked on
    a first axis).

    ``latent``: the latent vector (image models, (latent_dim,)); default drawn from the prior
    with ``random_state``. Works with every fitted model (its ``generator`` network).
    """
    view = model.latent_view()
    generator = view.generator
    cond = view.condition(condition, 1)  # checks conditional vs unconditional
    if latent is not None:
        z = torch.as_tensor(np.asarray(latent, dtype=np.float32)).reshape(1, -1)
        latents = (z,)
        expected = view.prior(1, torch.Generator())
        if len(expected) != 1 or tuple(expected[0].shape) != tuple(z.shape):
            raise ValueError(f"`latent` must have {expected[0][0].numel()} values for this "
                             "model; or leave it None.")
    else:
        gen = torch.Generator().manual_seed(seed_from(check_random_state(random_state)))
        latents = view.prior(1, gen)
    outputs: dict[str, list[torch.Tensor]] = {}
    hooks = []
    for name, layer in _layers(generator):
        def hook(_module: nn.Module, _inputs: Any, output: Any, name: str = name) -> None:
            out = output[0] if isinstance(output, tuple) else output
            if isinstance(out, torch.Tensor):
                outputs.setdefault(name, []).append(out.detach()[0].float().cpu())
        hooks.append(layer.register_forward_hook(hook))
    model.module_.eval()
    try:
        with torch.no_grad():
            view.generate_from(latents, cond)
    finally:
        for h in hooks:
            h.remove()
    return {name: (calls[0] if len(calls) == 1 else torch.stack(calls)).numpy()
            for name, calls in outputs.items()}


def _as_map(values: np.ndarray) -> np.ndarray:
    """A 2-D picture of one layer's output: mean over channels of (C, H, W) maps, (T, units)
    as units x time, a vector as a near-square tile."""
    if values.ndim == 3:
        return values.mean(0)
    if values.ndim == 2:
        return values.T
    n = values.size
    side = int(np.ceil(np.sqrt(n)))
    tile = np.full(side * side, np.nan)
    tile[:n] = values.ravel()
    return tile.reshape(side, side)


def plot_activations(model: Any, *, random_state: Any = 0, condition: Any = None,
                     latent: Any = None, path: str | Path | None = None) -> Figure:
    """One panel per generator layer: the mean activation map over channels (conv layers),
    units x time (recurrent layers) or the units as a tile (dense layers), for one sample."""
    acts = generator_activations(model, random_state=random_state, condition=condition,
                                 latent=latent)
    n = len(acts)
    if n == 0:
        raise ValueError("The generator has no layers to hook.")
    fig = Figure(figsize=(2.4 * n, 2.6))
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, (name, values) in zip(axes, acts.items(), strict=True):
        image = ax.imshow(_as_map(values), cmap="viridis", interpolation="nearest",
                          aspect="auto")
        ax.set_title(f"{name}\n{tuple(values.shape)}", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04).ax.tick_params(labelsize=6)
    return _finish(fig, path)
