"""A GRU layer with a hand-written backward pass, for small recurrent networks on the CPU.

PyTorch runs a GRU on the CPU as a dozen small operations per time step, each recorded by
autograd, and its backward as many more; with the small hidden sizes of time-series GANs that
dispatch overhead, not arithmetic, is the cost (LSTMs get a fused oneDNN kernel, GRUs do not).
Here one layer is one autograd node:

* forward: the input projection of every step in one matrix product, then per step
  ``gh = h W_hh^T + b_hh``, ``r, z = sigmoid(gi_rz + gh_rz)``, ``n = tanh(gi_n + r * gh_n)``,
  ``h = n + z (h - n)`` (PyTorch's GRU equations);
* backward: the per-step factors (``1 - z``, ``1 - n^2``, ...) are computed for all steps at
  once, the recurrence then needs about seven small operations per step, and the weight
  gradients are single matrix products over all steps.

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
        gh_n = x.new_empty(steps, batch, hidden)
        for t in range(steps):
            gh = torch.addmm(b_hh, h, w_hh_t)
            torch.add(gi[t, :, : 2 * hidden], gh[:, : 2 * hidden], out=rz[t])
            rz[t].sigmoid_()
            gh_n[t].copy_(gh[:, 2 * hidden:])
            torch.addcmul(gi[t, :, 2 * hidden:], rz[t, :, :hidden], gh_n[t], out=n[t])
            n[t].tanh_()
            torch.lerp(n[t], h, rz[t, :, hidden:], out=out[t])
            h = out[t]
        ctx.save_for_backward(x, w_ih, w_hh, out, rz, n, gh_n)
        return out.transpose(0, 1)  # (B, T, H) view of a (T, B, H) buffer

    @staticmethod
    def backward(ctx, grad_out):
        x, w_ih, w_hh, out, rz, n, gh_n = ctx.saved_tensors
        steps, batch, hidden = out.shape
        grad_out = grad_out.transpose(0, 1)  # (T, B, H)
        r, z = rz[..., :hidden], rz[..., hidden:]
        h_prev = torch.cat([out.new_zeros(1, batch, hidden), out[:-1]])
        # Per-step factors for all steps at once.
        one_minus_z = (1 - z).contiguous()
        d_tanh = 1 - n * n
        dz_factor = (h_prev - n) * z * one_minus_z  # dL/da_z = dh * this
        dr_factor = gh_n * r * (1 - r)               # dL/da_r = da_n * this
        r, z = r.contiguous(), z.contiguous()
        da_r = out.new_empty(steps, batch, hidden)
        da_z = out.new_empty(steps, batch, hidden)
        da_n = out.new_empty(steps, batch, hidden)
        d_gh_n = out.new_empty(steps, batch, hidden)
        w_r, w_z, w_n = w_hh[:hidden], w_hh[hidden: 2 * hidden], w_hh[2 * hidden:]
        grad_out = grad_out.contiguous()
        dh = out.new_zeros(batch, hidden)
        for t in range(steps - 1, -1, -1):
            dh = dh + grad_out[t]
            torch.mul(dh, one_minus_z[t], out=da_n[t])
            da_n[t].mul_(d_tanh[t])
            torch.mul(da_n[t], dr_factor[t], out=da_r[t])
            torch.mul(dh, dz_factor[t], out=da_z[t])
            torch.mul(da_n[t], r[t], out=d_gh_n[t])
            dh = dh * z[t]
            dh.addmm_(da_r[t], w_r).addmm_(da_z[t], w_z).addmm_(d_gh_n[t], w_n)
        d_gates = torch.cat([da_r, da_z, da_n], dim=-1)  # grads of gi (T, B, 3H)
        d_gh = torch.cat([da_r, da_z, d_gh_n], dim=-1)   # grads of gh
        flat_gi = d_gates.reshape(steps * batch, 3 * hidden)
        flat_gh = d_gh.reshape(steps * batch, 3 * hidden)
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
