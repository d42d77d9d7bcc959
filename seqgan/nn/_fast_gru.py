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
  ``z`` pre-activations and the hidden part of ``n``, filled with the biases up front. A
  layer's input (the layer below; for layer 0 the sequence itself, zero-padded to the hidden
  size) and its previous state sit in adjacent rows, so one product per wave adds both. (An
  input wider than the hidden size is projected for all steps in one product up front.)
* Forward, per wave: that product, ``sigmoid`` on ``r, z``, ``a = n_in + r gh_n``,
  ``n = tanh(a)``, ``h = n + z (h - n)`` (PyTorch's GRU equations). ``tanh`` is slow on the
  CPU, so ``n = 2 sigmoid(2a) - 1`` with the doubling folded into the weights (exact).
* Backward: the per-step factors (``(1 - z)(1 - n^2)``, ...) are computed for all steps at
  once; then per wave one product turns the gradients of the states into those of the four
  gate blocks, and one product carries these back to the previous states, of the same layer
  (``W_hh``) and of the layer below (``W_ih``) at once (their rows are adjacent too). Weight
  gradients are products batched over all steps, after the loop.

* Memory: each shape's buffers and the per-wave views of them live in a workspace that is
  reused: fresh multi-megabyte buffers were page-faulted in on every call (~9,000 minor
  faults per TimeGAN joint iteration) and making the views cost as much as the maths. A
  forward pass that records a graph keeps its workspace until its backward pass; a second
  backward (``retain_graph``) recomputes it. Free workspaces are pooled per ``nn.GRU`` (at
  most ``POOL_BYTES`` each) and live as long as that module: the pool goes when the module is
  garbage-collected, and :class:`seqgan.nn.RNNStack` empties it when it leaves training mode
  (``eval()``, as a fitted model does), so nothing outside needs to free it.
* Switch: the environment variable ``SEQGAN_FUSED_GRU=0`` (read at every call) turns the
  fused path off; :class:`seqgan.nn.RNNStack` then runs ``nn.GRU`` itself.

(PyTorch's own C++ GRU loop was measured slower than a Python loop over time on the CPU.
Splitting the batch over two threads did not pay either: Python threads fight over the GIL at
these op sizes, and TorchScript forks, which avoid it, lost to the OpenMP threads.)

The weights are those of an ``nn.GRU`` (same names, same state dict), so models, checkpoints
and files do not change. Results equal ``nn.GRU``'s up to float rounding.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict

import torch

#: Bytes of free workspaces kept for reuse, per ``nn.GRU``.
POOL_BYTES = 256 * 2**20
#: The environment variable that turns the fused GRU off ("0", "false", "no" or "off").
SWITCH = "SEQGAN_FUSED_GRU"
_ON, _OFF = ("", "1", "true", "yes", "on"), ("0", "false", "no", "off")


def enabled() -> bool:
    """Whether the fused GRU may run: ``SEQGAN_FUSED_GRU`` (read at every call) unset or one of
    "1", "true", "yes", "on"; "0", "false", "no" or "off" turn it off."""
    value = os.environ.get(SWITCH)
    if value is None:
        return True
    flag = value.strip().lower()
    if flag in _ON or flag in _OFF:
        return flag in _ON
    raise ValueError(f"The environment variable {SWITCH} must be 1 (the fused GRU, the "
                     f"default) or 0 (torch.nn.GRU); got {value!r}.")


def _per_wave(t: torch.Tensor, ranges: list[tuple[int, int]]) -> list[torch.Tensor]:
    """``t[k, a:b]`` for every wave k and its ``(a, b)``: one ``unbind``, and a slice only where
    the range is not all of the second dimension."""
    full = t.shape[1]
    return [v if a == 0 and b == full else v[a:b]
            for v, (a, b) in zip(t.unbind(0), ranges, strict=True)]


def _per_range(t: torch.Tensor, ranges: list[tuple[int, int]]) -> list[torch.Tensor]:
    """``t[a:b]`` for every ``(a, b)``, one view per distinct range."""
    views: dict[tuple[int, int], torch.Tensor] = {}
    return [views.setdefault(ab, t[ab[0]: ab[1]]) for ab in ranges]


class _Workspace:
    """The buffers of one call (forward and backward) for one shape, and the views of them
    every wave uses, made once: making views costs as much as the maths at these sizes, and
    fresh buffers of several megabytes are page-faulted in by the operating system on every
    call (the allocator gives large blocks back on free). Workspaces are reused through the
    pool of their ``nn.GRU`` (:func:`_take`, :func:`_give`).

    Forward: ``g[k, l]`` holds the gate rows of layer l at wave k (after the wave:
    ``[n, r, z, gh_n]``), ``h[k, 1 + l]`` the state of layer l before wave k (zero until the
    layer starts; ``h[k, 0]`` is "below" layer 0: step k of the input, zero-padded, or zero
    for a wide input), so that [below, own state] of every layer is two adjacent blocks, both
    (rows, batch). Backward: ``f`` (like ``g``) the per-step factors, then the gate gradients;
    ``d[k, l]`` the gradient of the state of layer l after wave k.
    """

    def __init__(self, like: torch.Tensor, batch: int, steps: int, n_layers: int, hid: int,
                 in_dim: int, pool: _Pool | None = None) -> None:
        n_waves = steps + n_layers - 1
        self.key = _key(like, batch, steps, n_layers, hid, in_dim)
        self.pool = pool  # where it goes back to (None: nowhere)
        self.fold_input = in_dim <= hid  # the input sits in h[:, 0] (see _GRUStack.run)
        self.w = like.new_zeros(n_layers, 4 * hid, 2 * hid)  # zero blocks stay zero
        self.bias = like.new_zeros(n_layers, 4 * hid)
        g = self.g = like.new_empty(n_waves, n_layers, 4 * hid, batch)
        # zero once: the states before a layer starts and the input's padding are never written
        h = self.h = like.new_zeros(n_waves + 1, n_layers + 1, hid, batch)
        self.layer0 = None if self.fold_input else g[:steps, 0, : 3 * hid]  # (wide inputs)
        self.top = h[n_layers:, -1].permute(2, 0, 1)
        self.minus_one = like.new_full((), -1.0)
        windows = h.as_strided((n_waves, n_layers, 2 * hid, batch),
                               (h.stride(0), h.stride(1), batch, 1))
        act = [(max(0, k - steps + 1), min(n_layers, k + 1)) for k in range(n_waves)]
        n_in, r, z, gh_n = (_per_wave(g[:, :, j * hid: (j + 1) * hid], act) for j in range(4))
        self.forward_plan = list(zip(
            _per_wave(g, act), _per_range(self.w, act), _per_wave(windows, act),
            _per_wave(g[:, :, hid: 3 * hid], act), n_in, r, z, gh_n,
            _per_wave(h[:-1, 1:], act), _per_wave(h[1:, 1:], act), strict=True))
        self.has_backward = False
        self.nbytes = sum(t.numel() * t.element_size() for t in (self.w, self.bias, g, h))

    def add_backward(self) -> None:
        """The backward buffers and views, made at the first backward pass (forward passes
        without gradients, such as sampling, never need them)."""
        batch, steps, n_layers, hid, _ = self.key[2:]
        g, h = self.g, self.h
        n_waves = g.shape[0]
        # a zero tail after f lets the top layer's window run off the end
        size = g.numel()
        flat = g.new_empty(size + 3 * hid * batch)
        flat[size:].zero_()
        f = self.f = flat[:size].view_as(g)
        self.d = d = g.new_empty(n_waves, n_layers, hid, batch)
        self.zero = g.new_zeros(())
        self.gates = tuple(g[:, :, j * hid: (j + 1) * hid] for j in range(4))
        self.factors = tuple(f[:, :, j * hid: (j + 1) * hid] for j in range(4))
        self.h_after = h[1:, 1:]
        self.d_top = d[n_layers - 1:, -1]
        self.w_back = g.new_zeros(n_layers, hid, 6 * hid if n_layers > 1 else 3 * hid)
        s_wave, s_layer = f.stride(0), f.stride(1)
        windows = flat.as_strided((n_waves, n_layers, self.w_back.shape[2], batch),
                                  (s_wave, s_layer, batch, 1), hid * batch)
        # Wave k turns dh into dg for its layers and for the finished layer below them,
        # whose dh is zero: the window of the wave before reads its (zero) gradient.
        mul = [(max(0, k - steps), min(n_layers, k + 1)) for k in range(n_waves)]
        back = [(max(0, k - steps), min(n_layers, k)) for k in range(1, n_waves)]
        self.backward_plan = list(reversed(list(zip(
            _per_wave(f.view(n_waves, n_layers, 4, hid, batch)[1:], mul[1:]),
            _per_wave(d.unsqueeze(2)[1:], mul[1:]), _per_wave(d[:-1], back),
            _per_range(self.w_back, back), _per_wave(windows[1:], back),
            _per_wave(d[1:], back), _per_wave(self.gates[2][1:], back), strict=True))))
        self.first = f[0, :1].view(4, hid, batch), d[0, :1]
        # weight gradients: per layer the gate gradients over the steps, (T, rows, batch)
        self.dg = [f[layer: layer + steps, layer] for layer in range(n_layers)]
        self.below = [h[layer: layer + steps, layer] for layer in range(n_layers)]
        self.own = [h[layer: layer + steps, layer + 1] for layer in range(n_layers)]
        self.per_step = f.as_strided((n_layers, steps, 4 * hid, batch),
                                     (s_wave + s_layer, s_wave, batch, 1))
        self.nbytes += sum(t.numel() * t.element_size() for t in (flat, d, self.w_back))
        self.has_backward = True


def _key(like: torch.Tensor, *shape: int) -> tuple:
    return (like.dtype, like.device, *shape)


class _Pool:
    """The free workspaces of one ``nn.GRU`` by key (least recently used first) and their
    bytes; a closed pool (:func:`release_workspaces`) keeps nothing given back to it."""

    def __init__(self) -> None:
        self.free: OrderedDict[tuple, list[_Workspace]] = OrderedDict()
        self.bytes = 0
        self.closed = False
        self.lock = threading.Lock()  # (a module may run in several threads at once)


#: The pool of every ``nn.GRU`` that has run fused; an entry goes with its module.
_POOLS: weakref.WeakKeyDictionary[torch.nn.GRU, _Pool] = weakref.WeakKeyDictionary()


def _pool_of(gru: torch.nn.GRU) -> _Pool:
    pool = _POOLS.get(gru)
    if pool is None:
        pool = _POOLS.setdefault(gru, _Pool())
    return pool


def _take(pool: _Pool, like: torch.Tensor, batch: int, steps: int, n_layers: int, hid: int,
          in_dim: int) -> _Workspace:
    """A workspace of this shape from ``pool``, or a new one that goes back there."""
    key = _key(like, batch, steps, n_layers, hid, in_dim)
    with pool.lock:
        free = pool.free.get(key)
        if free:
            ws = free.pop()
            if not free:
                del pool.free[key]
            pool.bytes -= ws.nbytes
            return ws
    return _Workspace(like, batch, steps, n_layers, hid, in_dim, pool)


def _give(ws: _Workspace) -> None:
    """Return a workspace that nothing reads any more to its pool; the least recently used
    shapes are dropped beyond ``POOL_BYTES``."""
    pool = ws.pool
    if pool is None or pool.closed:
        return
    with pool.lock:
        free = pool.free
        free.setdefault(ws.key, []).append(ws)
        free.move_to_end(ws.key)
        pool.bytes += ws.nbytes
        while pool.bytes > POOL_BYTES:
            key, oldest = next(iter(free.items()))
            pool.bytes -= oldest.pop(0).nbytes
            if not oldest:
                del free[key]


def release_workspaces(gru: torch.nn.GRU) -> None:
    """Free the workspaces ``gru`` keeps for reuse (those of graphs still alive are dropped
    after their backward pass); its next fused call starts a new pool."""
    pool = _POOLS.pop(gru, None)
    if pool is not None:
        with pool.lock:
            pool.closed = True
            pool.free.clear()
            pool.bytes = 0


def _pooled_bytes(gru: torch.nn.GRU) -> int:
    """Bytes of the free workspaces ``gru`` keeps (for tests)."""
    pool = _POOLS.get(gru)
    return 0 if pool is None else pool.bytes


class _GRUStack(torch.autograd.Function):
    """A stack of GRU layers over a whole batch-first sequence, with a zero initial state.

    Inputs: the module's pool (not a tensor), x (B, T, I) and, per layer,
    ``w_ih, w_hh, b_ih, b_hh``.
    """

    @staticmethod
    def forward(ctx, pool, x, *weights):
        out, ws = _GRUStack.run(pool, x, weights)
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(x, *weights)
            ctx.pool = pool
            ctx.workspace = ws  # (not an input or output: kept on ctx, back to the pool after
            # the backward pass)
        else:
            _give(ws)
        return out

    @staticmethod
    def run(pool: _Pool, x: torch.Tensor, weights: tuple[torch.Tensor, ...]
            ) -> tuple[torch.Tensor, _Workspace]:
        """The forward pass: output (B, T, H) and the workspace holding its state."""
        n_layers = len(weights) // 4
        w_ih, w_hh, b_ih, b_hh = (weights[j::4] for j in range(4))
        batch, steps, in_dim = x.shape
        hid = w_hh[0].shape[1]
        ws = _take(pool, x, batch, steps, n_layers, hid, in_dim)
        # Gate rows [n_in, r, z, gh_n] from the layer below (input rows n, r, z: w_ih rolled by
        # one block) and the layer's own state (rows r, z, n): one product with weights
        # [[w_in, 0], [w_ir, w_hr], [w_iz, w_hz], [0, w_hn]]; the n rows are doubled for
        # n = 2 sigmoid(2a) - 1. Layer 0's "below" is the input, zero-padded to the hidden
        # size; a wider input is multiplied for all steps up front instead.
        w = ws.w
        if n_layers > 1:
            w[1:, : 3 * hid, :hid] = torch.stack(w_ih[1:]).roll(hid, 1)
        if ws.fold_input:
            w[0, : 3 * hid, :in_dim] = w_ih[0].roll(hid, 0)
        w[:, hid:, hid:] = torch.stack(w_hh)
        w.view(n_layers, 4, hid, 2 * hid)[:, 0::3] *= 2
        bias = ws.bias
        bias[:, : 3 * hid] = torch.stack(b_ih).roll(hid, 1)
        bias[:, 3 * hid:] = 0
        bias[:, hid:] += torch.stack(b_hh)
        bias.view(n_layers, 4, hid)[:, 0::3] *= 2
        g, h = ws.g, ws.h
        g.copy_(bias[None, :, :, None].expand_as(g))
        if ws.fold_input:
            h[:steps, 0, :in_dim] = x.permute(1, 2, 0)
        else:
            w_ih0 = w_ih[0].roll(hid, 0)
            w_ih0[:hid] *= 2
            # (a contiguous product then a sum: a product into strided rows runs step by step)
            ws.layer0 += torch.bmm(w_ih0.expand(steps, -1, -1), x.permute(1, 2, 0))
        minus_one = ws.minus_one
        for g_k, w_k, win_k, rz_k, n_k, r_k, z_k, ghn_k, h_k, out_k in ws.forward_plan:
            g_k.baddbmm_(w_k, win_k)
            rz_k.sigmoid_()
            n_k.addcmul_(r_k, ghn_k).sigmoid_()
            torch.add(minus_one, n_k, alpha=2, out=n_k)
            torch.lerp(n_k, h_k, z_k, out=out_k)
        out = x.new_empty(batch, steps, hid)
        out.copy_(ws.top)
        return out, ws

    @staticmethod
    def backward(ctx, grad_out):
        x, *weights = ctx.saved_tensors
        ws = ctx.workspace
        if ws is None:  # a second backward (retain_graph): the workspace was given back
            _, ws = _GRUStack.run(ctx.pool, x, tuple(weights))
        ctx.workspace = None
        if not ws.has_backward:
            ws.add_backward()
        n_layers = len(weights) // 4
        w_ih, w_hh = weights[0::4], weights[1::4]
        hid = w_hh[0].shape[1]
        steps = x.shape[1]
        # f[k, l]: per-step factors, then (in place, wave by wave) the gate gradients
        # dg = dh * f, block by block: [d n_in, d r, d z, d gh_n].
        n, r, z, gh_n = ws.gates
        f_n, f_r, f_z, f_hn = ws.factors
        # (f_r and f_hn double as scratch before they are written)
        torch.sub(ws.h_after, n, out=f_r)                          # h - n = z (h_prev - n)
        torch.sub(1, z, out=f_hn)
        torch.mul(f_r, f_hn, out=f_z)                              # (h_prev - n) z (1 - z)
        torch.mul(f_hn, n, out=f_r)
        torch.addcmul(f_hn, f_r, n, value=-1, out=f_n)             # (1 - z)(1 - n^2)
        torch.mul(f_n, r, out=f_hn)                                # (1 - z)(1 - n^2) r
        torch.addcmul(ws.zero, f_hn, gh_n, value=0.5, out=f_r)     # gh_n was doubled
        f_r.addcmul_(f_r, r, value=-1)                             # ... gh_n r (1 - r)
        d = ws.d
        d.zero_()
        ws.d_top.copy_(grad_out.permute(1, 2, 0))
        # Back one wave: the previous state of layer l gets
        # [W_hh(l)^T, W_ih(l + 1)^T] @ [dg(l)[r, z, gh_n], dg(l + 1)[n_in, r, z]] (adjacent
        # rows of f; W_ih rolled like the rows, zero above the top layer) + dh z.
        w_back = ws.w_back
        w_back[:, :, : 3 * hid] = torch.stack(w_hh).transpose(1, 2)
        if n_layers > 1:
            w_back[:-1, :, 3 * hid:] = torch.stack(w_ih[1:]).roll(hid, 1).transpose(1, 2)
        for f_k, d_k, prev_k, w_k, win_k, carry_k, z_k in ws.backward_plan:
            f_k.mul_(d_k)
            prev_k.baddbmm_(w_k, win_k).addcmul_(carry_k, z_k)
        ws.first[0].mul_(ws.first[1])
        # Weight gradients: per layer, one product batched over the steps, then a sum. (The
        # products are written (T, small, large): a small last dimension is several times
        # slower.)
        need = ctx.needs_input_grad[1:]  # (not the pool)
        grads: list[torch.Tensor | None] = [None] * len(need)
        for layer in range(n_layers):
            dg = ws.dg[layer]
            if need[1 + 4 * layer]:
                below = x.permute(1, 2, 0) if layer == 0 else ws.below[layer]
                grads[1 + 4 * layer] = torch.bmm(below, dg[:, : 3 * hid].transpose(1, 2)
                                                 ).sum(0).t().roll(-hid, 0)
            if need[2 + 4 * layer]:
                grads[2 + 4 * layer] = torch.bmm(ws.own[layer], dg[:, hid:].transpose(1, 2)
                                                 ).sum(0).t()
        if any(need[3::4]) or any(need[4::4]):
            sums = ws.per_step.sum((1, 3))
            for layer in range(n_layers):
                if need[3 + 4 * layer]:
                    grads[3 + 4 * layer] = sums[layer, : 3 * hid].roll(-hid, 0)
                if need[4 + 4 * layer]:
                    grads[4 + 4 * layer] = sums[layer, hid:]
        if need[0]:
            w_ih0_t = w_ih[0].roll(hid, 0).t()
            grads[0] = torch.bmm(w_ih0_t.expand(steps, -1, -1), ws.dg[0][:, : 3 * hid]
                                 ).permute(2, 0, 1)
        _give(ws)  # (no gradient is a view of the workspace)
        return (None, *grads)


def fused_gru(gru: torch.nn.GRU, x: torch.Tensor) -> torch.Tensor:
    """Run a unidirectional, batch-first ``nn.GRU`` with a zero initial state through the fused
    stack; (batch, seq_len, input) -> (batch, seq_len, hidden). Dropout between layers is
    not supported (use the module itself then). Workspaces are reused from the pool of
    ``gru``."""
    weights = [getattr(gru, f"{name}_l{layer}") for layer in range(gru.num_layers)
               for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    pool, x = _pool_of(gru), x.contiguous()
    if torch.is_grad_enabled() and (x.requires_grad or any(w.requires_grad for w in weights)):
        return _GRUStack.apply(pool, x, *weights)
    # no graph (sampling under no_grad): the workspace goes back at once (inside apply, the
    # context would hold it, as if a backward pass were to come)
    out, ws = _GRUStack.run(pool, x, tuple(weights))
    _give(ws)
    return out


def can_fuse(gru: torch.nn.Module, x: torch.Tensor) -> bool:
    """Whether :func:`fused_gru` applies: a CPU, unidirectional GRU with biases and without
    dropout (on CUDA, cuDNN's fused kernel is faster)."""
    return (isinstance(gru, torch.nn.GRU) and x.device.type == "cpu" and gru.batch_first
            and not gru.bidirectional and gru.bias and (gru.dropout == 0 or not gru.training)
            and x.dtype in (torch.float32, torch.float64))
