"""A GRU layer with a hand-written backward pass, for small recurrent networks on the CPU.

PyTorch runs a GRU on the CPU as a dozen small operations per time step, each recorded by
autograd, and its backward as many more; with the small hidden sizes of time-series GANs that
dispatch overhead, not arithmetic, is the cost (LSTMs get a fused oneDNN kernel, GRUs do not).
Here one layer is one autograd node:

* forward: the input projection of every step in one matrix product, then per step
  ``gh = h W_hh^T + b_hh``, ``r, z = sigmoid(gi_rz + gh_rz)``, ``n = tanh(gi_n + r * gh_n)``,
  ``h = n + z (h - n)`` (PyTorch's GRU equations);
* backward: the per-step factors (``(1 - z)(1 - n^2)``, ...) are computed for all steps at
  once, the recurrence then needs six small operations per step (the three gate gradients
  are written side by side so one matrix product carries them back), and the weight
  gradients are single matrix products over all steps.

(PyTorch's own C++ GRU loop was measured slower than this forward loop on the CPU.)

The weights are those of an ``nn.GRU`` (same names, same state dict), so models, checkpoints
and files do not change. Results equal ``nn.GRU``'s up to float rounding.
"""

from __future__ import annotations

import torch


class _GRULayer(torch.autograd.Function):
    """One GRU layer over a whole batch-first sequence, with a zero initial state."""

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh):
        batch, steps, _ = x.shape
        hidden = w_hh.shape[1]
        gi = torch.addmm(b_ih, x.reshape(batch * steps, -1), w_ih.t())
        gi = gi.view(batch, steps, 3 * hidden).transpose(0, 1)  # (T, B, 3H) view
        w_hh_t = w_hh.t()
        h = x.new_zeros(batch, hidden)
        out = x.new_empty(steps, batch, hidden)
        rz = x.new_empty(steps, batch, 2 * hidden)
        n = x.new_empty(steps, batch, hidden)
        gh = x.new_empty(steps, batch, 3 * hidden)
        gh_n = gh[..., 2 * hidden:]
        # Per-step views made once (indexing inside the loop costs as much as the maths).
        gi_rz, gi_n = gi[..., : 2 * hidden].unbind(0), gi[..., 2 * hidden:].unbind(0)
        rz_t, r_t, z_t = rz.unbind(0), rz[..., :hidden].unbind(0), rz[..., hidden:].unbind(0)
        n_t, out_t = n.unbind(0), out.unbind(0)
        gh_t, gh_rz_t, gh_n_t = gh.unbind(0), gh[..., : 2 * hidden].unbind(0), gh_n.unbind(0)
        for t in range(steps):
            torch.addmm(b_hh, h, w_hh_t, out=gh_t[t])
            torch.add(gi_rz[t], gh_rz_t[t], out=rz_t[t])
            rz_t[t].sigmoid_()
            torch.addcmul(gi_n[t], r_t[t], gh_n_t[t], out=n_t[t])
            n_t[t].tanh_()
            torch.lerp(n_t[t], h, z_t[t], out=out_t[t])
            h = out_t[t]
        ctx.save_for_backward(x, w_ih, w_hh, out, rz, n, gh_n)
        return out.transpose(0, 1)  # (B, T, H) view of a (T, B, H) buffer

    @staticmethod
    def backward(ctx, grad_out):
        x, w_ih, w_hh, out, rz, n, gh_n = ctx.saved_tensors
        steps, batch, hidden = out.shape
        r, z = rz[..., :hidden], rz[..., hidden:]
        h_prev = torch.cat([out.new_zeros(1, batch, hidden), out[:-1]])
        # Per-step factors for all steps at once.
        dn_factor = (1 - z) * (1 - n * n)          # dL/da_n = dh * this
        dz_factor = (h_prev - n) * z * (1 - z)     # dL/da_z = dh * this
        dr_factor = gh_n * r * (1 - r)             # dL/da_r = da_n * this
        r, z = r.contiguous(), z.contiguous()
        # d_gh[t] = [da_r, da_z, da_n * r]: the gradient of h W_hh^T + b_hh at step t
        d_gh = out.new_empty(steps, batch, 3 * hidden)
        da_n = out.new_empty(steps, batch, hidden)
        grad_out = grad_out.transpose(0, 1).contiguous()  # (T, B, H)
        # Per-step views made once (indexing inside the loop costs as much as the maths).
        g_t, dn_t, dz_t, dr_t = (a.unbind(0) for a in (grad_out, dn_factor, dz_factor,
                                                        dr_factor))
        r_t, z_t, da_n_t = r.unbind(0), z.unbind(0), da_n.unbind(0)
        d_r_t, d_z_t, d_n_t = (d_gh[..., k * hidden: (k + 1) * hidden].unbind(0)
                               for k in range(3))
        d_gh_t = d_gh.unbind(0)
        dh = g_t[steps - 1]
        for t in range(steps - 1, -1, -1):
            torch.mul(dh, dn_t[t], out=da_n_t[t])
            torch.mul(da_n_t[t], dr_t[t], out=d_r_t[t])
            torch.mul(dh, dz_t[t], out=d_z_t[t])
            torch.mul(da_n_t[t], r_t[t], out=d_n_t[t])
            if t:  # dh_{t-1} = grad_out_{t-1} + dh_t z_t + d_gh_t W_hh
                dh = torch.addcmul(g_t[t - 1], dh, z_t[t]).addmm_(d_gh_t[t], w_hh)
        d_gates = torch.cat([d_gh[..., : 2 * hidden], da_n], dim=-1)  # grads of gi (T, B, 3H)
        flat_gi = d_gates.view(steps * batch, 3 * hidden)
        flat_gh = d_gh.view(steps * batch, 3 * hidden)
        grad_x = grad_w_ih = grad_w_hh = grad_b_ih = grad_b_hh = None
        if ctx.needs_input_grad[0]:
            grad_x = (flat_gi @ w_ih).view(steps, batch, -1).transpose(0, 1)
        if ctx.needs_input_grad[1]:
            x_t = x.transpose(0, 1).reshape(steps * batch, -1)
            grad_w_ih = flat_gi.t() @ x_t
        if ctx.needs_input_grad[2]:
            grad_w_hh = flat_gh.t() @ h_prev.reshape(steps * batch, hidden)
        if ctx.needs_input_grad[3]:
            grad_b_ih = flat_gi.sum(0)
        if ctx.needs_input_grad[4]:
            grad_b_hh = flat_gh.sum(0)
        return grad_x, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh


def fused_gru(gru: torch.nn.GRU, x: torch.Tensor) -> torch.Tensor:
    """Run a unidirectional, batch-first ``nn.GRU`` with a zero initial state through the fused
    layers; (batch, seq_len, input) -> (batch, seq_len, hidden). Dropout between layers is
    not supported (use the module itself then)."""
    for layer in range(gru.num_layers):
        x = _GRULayer.apply(x.contiguous(), getattr(gru, f"weight_ih_l{layer}"),
                            getattr(gru, f"weight_hh_l{layer}"),
                            getattr(gru, f"bias_ih_l{layer}"), getattr(gru, f"bias_hh_l{layer}"))
    return x


def can_fuse(gru: torch.nn.Module, x: torch.Tensor) -> bool:
    """Whether :func:`fused_gru` applies: a CPU, unidirectional GRU with biases and without
    dropout (on CUDA, cuDNN's fused kernel is faster)."""
    return (isinstance(gru, torch.nn.GRU) and x.device.type == "cpu" and gru.batch_first
            and not gru.bidirectional and gru.bias and (gru.dropout == 0 or not gru.training)
            and x.dtype in (torch.float32, torch.float64))
