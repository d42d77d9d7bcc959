"""A GRU stack with a hand-written backward pass, for small recurrent networks on the CPU.

PyTorch runs a GRU on the CPU as a dozen small operations per time step and layer, each
recorded by autograd, and its backward as many more; with the small hidden sizes of
time-series GANs the overhead of each operation is much of the cost (LSTMs get a fused oneDNN
kernel, GRUs do not). Here a whole stack is one autograd node, run as a wavefront: layer l at
step t needs only layer l - 1 at step t and layer l at step t - 1, so wave k computes step
k - l of every layer l at once, with operations batched over the layers. An L-layer stack over
T steps takes T + L - 1 waves instead of L * T steps (26 instead of 72 for TimeGAN's 3 x 24).

* Layout: hidden-major (features x batch), so that each gate of each layer is one contiguous
  block (elementwise operations on short strided rows are several times slower). The gate
  rows of a (layer, step) are ``[n_in, r, z, gh_n]``: the input part of ``n``, the ``r`` and
  ``z`` pre-activations and the hidden part of ``n``, filled with the biases up front (and
  layer 0's input projection, for all steps in one product). A layer's input (the layer
  below) and its previous state sit in adjacent rows, so one product per wave adds both.
* Forward, per wave: that product, ``sigmoid`` on ``r, z``, ``a = n_in + r gh_n``,
  ``n = tanh(a)``, ``h = n + z (h - n)`` (PyTorch's GRU equations). ``tanh`` is slow on the
  CPU, so ``n = 2 sigmoid(2a) - 1`` with the doubling folded into the weights (exact).
* Backward: the per-step factors (``(1 - z)(1 - n^2)``, ...) are computed for all steps at
  once; then per wave one product turns the gradients of the states into those of the four
  gate blocks, and one product carries these back to the previous states, of the same layer
  (``W_hh``) and of the layer below (``W_ih``) at once (their rows are adjacent too). Weight
  gradients are products batched over all steps, after the loop.

(PyTorch's own C++ GRU loop was measured slower than a Python loop over time on the CPU.)

The weights are those of an ``nn.GRU`` (same names, same state dict), so models, checkpoints
and files do not change. Results equal ``nn.GRU``'s up to float rounding.
"""

from __future__ import annotations

import threading

import torch

_POOL = threading.local()
#: Buffers kept per shape, and shapes kept (least recently used dropped), per thread.
_POOL_PER_SHAPE, _POOL_SHAPES = 4, 16


def _take(like: torch.Tensor, *shape: int) -> torch.Tensor:
    """An uninitialised buffer of ``shape``: a returned one if there is one, else new.

    Every call needs several megabytes of buffers; fresh ones are page-faulted in by the
    operating system each time (the allocator gives large blocks back on free), which cost
    ~15% of a TimeGAN joint iteration here. Buffers go back with :func:`_give` once nothing
    reads them any more (at the end of the call, or of the backward pass).
    """
    pool = getattr(_POOL, "buffers", None)
    free = None if pool is None else pool.get((shape, like.dtype, like.device))
    return free.pop() if free else like.new_empty(shape)


def _give(*buffers: torch.Tensor) -> None:
    pool = getattr(_POOL, "buffers", None)
    if pool is None:
        pool = _POOL.buffers = {}
    for buffer in buffers:
        key = (tuple(buffer.shape), buffer.dtype, buffer.device)
        free = pool.pop(key, [])
        if len(free) < _POOL_PER_SHAPE:
            free.append(buffer)
        pool[key] = free  # most recently used last
        if len(pool) > _POOL_SHAPES:
            del pool[next(iter(pool))]


def _per_wave(t: torch.Tensor, ranges: list[tuple[int, int]]) -> list[torch.Tensor]:
    """``t[k, a:b]`` for every wave k and its ``(a, b)``: one ``unbind``, and a slice only where
    the range is not all of the second dimension. Views made once: indexing inside the loop
    costs as much as the maths."""
    full = t.shape[1]
    return [v if a == 0 and b == full else v[a:b]
            for v, (a, b) in zip(t.unbind(0), ranges, strict=True)]


def _per_range(t: torch.Tensor, ranges: list[tuple[int, int]]) -> list[torch.Tensor]:
    """``t[a:b]`` for every ``(a, b)``, one view per distinct range."""
    views: dict[tuple[int, int], torch.Tensor] = {}
    return [views.setdefault(ab, t[ab[0]: ab[1]]) for ab in ranges]


class _GRUStack(torch.autograd.Function):
    """A stack of GRU layers over a whole batch-first sequence, with a zero initial state.

    Inputs: x (B, T, I) and, per layer, ``w_ih, w_hh, b_ih, b_hh``. Buffers: ``g[k, l]`` holds
    the gate rows of layer l at wave k (after the wave: ``[n, r, z, gh_n]``), ``h[k, 1 + l]``
    the state of layer l before wave k (zero until the layer starts), both (rows, batch).
    """

    @staticmethod
    def forward(ctx, x, *weights):
        out, h, g = _GRUStack.run(x, weights)
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(x, *weights)
            # (internal buffers, not inputs or outputs: kept on ctx, returned to the pool
            # after the backward pass)
            ctx.buffers = h, g
        else:
            _give(h, g)
        return out

    @staticmethod
    def run(x: torch.Tensor, weights: tuple[torch.Tensor, ...]
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The forward pass: output (B, T, H) and the buffers ``h``, ``g`` (from the pool)."""
        n_layers = len(weights) // 4
        w_ih, w_hh, b_ih, b_hh = (weights[j::4] for j in range(4))
        batch, steps, _ = x.shape
        hid = w_hh[0].shape[1]
        n_waves = steps + n_layers - 1
        # Gate rows [n_in, r, z, gh_n] from the layer below (input rows n, r, z: w_ih rolled by
        # one block) and the layer's own state (rows r, z, n): one product with weights
        # [[w_in, 0], [w_ir, w_hr], [w_iz, w_hz], [0, w_hn]]; the n rows are doubled for
        # n = 2 sigmoid(2a) - 1. Layer 0's input rows are filled for all steps up front.
        w = x.new_zeros(n_layers, 4 * hid, 2 * hid)
        if n_layers > 1:
            w[1:, : 3 * hid, :hid] = torch.stack(w_ih[1:]).roll(hid, 1)
        w[:, hid:, hid:] = torch.stack(w_hh)
        w.view(n_layers, 4, hid, 2 * hid)[:, 0::3] *= 2
        bias = x.new_zeros(n_layers, 4 * hid)
        bias[:, : 3 * hid] = torch.stack(b_ih).roll(hid, 1)
        bias[:, hid:] += torch.stack(b_hh)
        bias.view(n_layers, 4, hid)[:, 0::3] *= 2
        w_ih0 = w_ih[0].roll(hid, 0)
        w_ih0[:hid] *= 2
        g = _take(x, n_waves, n_layers, 4 * hid, batch)
        g.copy_(bias[None, :, :, None].expand_as(g))
        # (a contiguous product then a sum: a product into strided rows runs step by step)
        g[:steps, 0, : 3 * hid] += torch.bmm(w_ih0.expand(steps, -1, -1), x.permute(1, 2, 0))
        # h[k, 1 + l]: the state of layer l before wave k; h[:, 0] = 0 is "below" layer 0, so
        # that [below, own state] of every layer is two adjacent blocks.
        h = _take(x, n_waves + 1, n_layers + 1, hid, batch).zero_()
        windows = h.as_strided((n_waves, n_layers, 2 * hid, batch),
                               (h.stride(0), h.stride(1), batch, 1))
        act = [(max(0, k - steps + 1), min(n_layers, k + 1)) for k in range(n_waves)]
        n_in, r, z, gh_n = (_per_wave(g[:, :, j * hid: (j + 1) * hid], act) for j in range(4))
        plan = zip(_per_wave(g, act), _per_range(w, act), _per_wave(windows, act),
                   _per_wave(g[:, :, hid: 3 * hid], act), n_in, r, z, gh_n,
                   _per_wave(h[:-1, 1:], act), _per_wave(h[1:, 1:], act), strict=True)
        minus_one = x.new_full((), -1.0)
        for g_k, w_k, win_k, rz_k, n_k, r_k, z_k, ghn_k, h_k, out_k in plan:
            g_k.baddbmm_(w_k, win_k)
            rz_k.sigmoid_()
            n_k.addcmul_(r_k, ghn_k).sigmoid_()
            torch.add(minus_one, n_k, alpha=2, out=n_k)
            torch.lerp(n_k, h_k, z_k, out=out_k)
        out = x.new_empty(batch, steps, hid)
        out.copy_(h[n_layers:, -1].permute(2, 0, 1))
        return out, h, g

    @staticmethod
    def backward(ctx, grad_out):
        x, *weights = ctx.saved_tensors
        if ctx.buffers is None:  # a second backward (retain_graph): they were given back
            _, h, g = _GRUStack.run(x, tuple(weights))
        else:
            h, g = ctx.buffers
        n_layers = len(weights) // 4
        w_ih, w_hh = weights[0::4], weights[1::4]
        n_waves, _, rows, batch = g.shape
        hid = rows // 4
        steps = x.shape[1]
        # f[k, l]: per-step factors, then (in place, wave by wave) the gate gradients
        # dg = dh * f, block by block: [d n_in, d r, d z, d gh_n]. A zero tail lets the
        # top layer's window (below) run off the end.
        size = g.numel()
        flat = _take(g, size + 3 * hid * batch)
        flat[size:].zero_()
        f = flat[:size].view_as(g)
        n, r, z, gh_n = (g[:, :, j * hid: (j + 1) * hid] for j in range(4))
        f_n, f_r, f_z, f_hn = (f[:, :, j * hid: (j + 1) * hid] for j in range(4))
        # (f_r and f_hn double as scratch before they are written)
        torch.sub(h[1:, 1:], n, out=f_r)                             # h - n = z (h_prev - n)
        torch.sub(1, z, out=f_hn)
        torch.mul(f_r, f_hn, out=f_z)                              # (h_prev - n) z (1 - z)
        torch.mul(f_hn, n, out=f_r)
        torch.addcmul(f_hn, f_r, n, value=-1, out=f_n)             # (1 - z)(1 - n^2)
        torch.mul(f_n, r, out=f_hn)                                # (1 - z)(1 - n^2) r
        torch.addcmul(g.new_zeros(()), f_hn, gh_n, value=0.5, out=f_r)  # gh_n was doubled
        f_r.addcmul_(f_r, r, value=-1)                             # ... gh_n r (1 - r)
        # d[k, l]: the gradient of the state of layer l after wave k.
        d = _take(g, n_waves, n_layers, hid, batch).zero_()
        d[n_layers - 1:, -1].copy_(grad_out.permute(1, 2, 0))
        # Back one wave: the previous state of layer l gets
        # [W_hh(l)^T, W_ih(l + 1)^T] @ [dg(l)[r, z, gh_n], dg(l + 1)[n_in, r, z]] (adjacent
        # rows of f; W_ih rolled like the rows, zero above the top layer) + dh z.
        width = 6 * hid if n_layers > 1 else 3 * hid
        w_back = g.new_zeros(n_layers, hid, width)
        w_back[:, :, : 3 * hid] = torch.stack(w_hh).transpose(1, 2)
        if n_layers > 1:
            w_back[:-1, :, 3 * hid:] = torch.stack(w_ih[1:]).roll(hid, 1).transpose(1, 2)
        s_wave, s_layer = f.stride(0), f.stride(1)
        windows = flat.as_strided((n_waves, n_layers, width, batch),
                                  (s_wave, s_layer, batch, 1), hid * batch)
        # Wave k turns dh into dg for its layers and for the finished layer below them, whose
        # dh is zero: the window of the wave before reads its (zero) gradient.
        mul = [(max(0, k - steps), min(n_layers, k + 1)) for k in range(n_waves)]
        back = [(max(0, k - steps), min(n_layers, k)) for k in range(1, n_waves)]
        plan = list(zip(_per_wave(f.view(n_waves, n_layers, 4, hid, batch)[1:], mul[1:]),
                        _per_wave(d.unsqueeze(2)[1:], mul[1:]), _per_wave(d[:-1], back),
                        _per_range(w_back, back), _per_wave(windows[1:], back),
                        _per_wave(d[1:], back), _per_wave(z[1:], back), strict=True))
        for f_k, d_k, prev_k, w_k, win_k, carry_k, z_k in reversed(plan):
            f_k.mul_(d_k)
            prev_k.baddbmm_(w_k, win_k).addcmul_(carry_k, z_k)
        f[0, :1].view(4, hid, batch).mul_(d[0, :1])
        # Weight gradients: per layer, one product batched over the steps, then a sum. (The
        # products are written (T, small, large): a small last dimension is several times
        # slower.)
        need = ctx.needs_input_grad
        grads: list[torch.Tensor | None] = [None] * len(need)
        x_t = x.permute(1, 2, 0)
        for layer in range(n_layers):
            dg = f[layer: layer + steps, layer]
            if need[1 + 4 * layer]:
                below = x_t if layer == 0 else h[layer: layer + steps, layer]
                grads[1 + 4 * layer] = torch.bmm(below, dg[:, : 3 * hid].transpose(1, 2)
                                                 ).sum(0).t().roll(-hid, 0)
            if need[2 + 4 * layer]:
                grads[2 + 4 * layer] = torch.bmm(h[layer: layer + steps, layer + 1],
                                                 dg[:, hid:].transpose(1, 2)).sum(0).t()
        if any(need[3::4]) or any(need[4::4]):
            sums = f.as_strided((n_layers, steps, 4 * hid, batch),
                                (s_wave + s_layer, s_wave, batch, 1)).sum((1, 3))
            for layer in range(n_layers):
                if need[3 + 4 * layer]:
                    grads[3 + 4 * layer] = sums[layer, : 3 * hid].roll(-hid, 0)
                if need[4 + 4 * layer]:
                    grads[4 + 4 * layer] = sums[layer, hid:]
        if need[0]:
            w_ih0_t = w_ih[0].roll(hid, 0).t()
            grads[0] = torch.bmm(w_ih0_t.expand(steps, -1, -1), f[:steps, 0, : 3 * hid]
                                 ).permute(2, 0, 1)
        _give(flat, d, h, g)  # (no gradient is a view of these)
        ctx.buffers = None
        return tuple(grads)


def fused_gru(gru: torch.nn.GRU, x: torch.Tensor) -> torch.Tensor:
    """Run a unidirectional, batch-first ``nn.GRU`` with a zero initial state through the fused
    stack; (batch, seq_len, input) -> (batch, seq_len, hidden). Dropout between layers is
    not supported (use the module itself then)."""
    weights = [getattr(gru, f"{name}_l{layer}") for layer in range(gru.num_layers)
               for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    return _GRUStack.apply(x.contiguous(), *weights)


def can_fuse(gru: torch.nn.Module, x: torch.Tensor) -> bool:
    """Whether :func:`fused_gru` applies: a CPU, unidirectional GRU with biases and without
    dropout (on CUDA, cuDNN's fused kernel is faster)."""
    return (isinstance(gru, torch.nn.GRU) and x.device.type == "cpu" and gru.batch_first
            and not gru.bidirectional and gru.bias and (gru.dropout == 0 or not gru.training)
            and x.dtype in (torch.float32, torch.float64))
