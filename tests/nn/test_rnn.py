from __future__ import annotations

import pytest
import torch

from seqgan.nn import RNNStack, fused_gru


@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("input_dim", [5, 7, 9])  # 7: the hidden size; 9: wider
@pytest.mark.parametrize("steps", [9, 2, 1])  # 2, 1: fewer steps than layers
def test_fused_gru_matches_torch_gru_values_and_gradients(layers, input_dim, steps):
    torch.manual_seed(0)
    gru = torch.nn.GRU(input_dim, 7, layers, batch_first=True).double()
    x = torch.randn(4, steps, input_dim, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(4, steps, 7, dtype=torch.float64)
    expected = gru(x)[0]
    grads_expected = torch.autograd.grad((expected * weights).sum(), [x, *gru.parameters()])
    out = fused_gru(gru, x)
    grads = torch.autograd.grad((out * weights).sum(), [x, *gru.parameters()])
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)
    for got, want in zip(grads, grads_expected, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-12)
    assert torch.autograd.gradcheck(lambda inp: fused_gru(gru, inp), (x,))


def test_fused_gru_float32_and_partial_gradients():
    torch.manual_seed(0)
    gru = torch.nn.GRU(6, 24, 3, batch_first=True)
    x = torch.randn(32, 24, 6)  # no gradient for the input
    gru.weight_hh_l1.requires_grad_(False)
    gru.bias_ih_l2.requires_grad_(False)
    params = [p for p in gru.parameters() if p.requires_grad]
    expected = gru(x)[0]
    grads_expected = torch.autograd.grad(expected.square().sum(), params)
    out = fused_gru(gru, x)
    grads = torch.autograd.grad(out.square().sum(), params)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-5)
    for got, want in zip(grads, grads_expected, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
    with torch.no_grad():  # the forward alone, other batch sizes
        torch.testing.assert_close(fused_gru(gru, x), expected, rtol=0, atol=1e-5)
        torch.testing.assert_close(fused_gru(gru, x[:8]), expected[:8], rtol=0, atol=1e-5)


def test_rnn_stack_uses_packing_for_variable_lengths():
    torch.manual_seed(0)
    stack = RNNStack(3, 4, 2, cell="gru")
    x = torch.randn(3, 6, 3)
    lengths = torch.tensor([6, 2, 4])
    out = stack(x, lengths)
    assert (out[1, 2:] == 0).all() and (out[2, 4:] == 0).all()
    # the valid part equals running the short sequence alone, fused or not
    torch.testing.assert_close(out[1:2, :2], stack(x[1:2, :2]), rtol=0, atol=1e-6)
    unfused = RNNStack(3, 4, 2, cell="gru", fused=False)
    unfused.load_state_dict(stack.state_dict())
    torch.testing.assert_close(unfused(x), stack(x), rtol=0, atol=1e-6)


def test_fused_gru_reused_buffers_never_leak_between_calls():
    # scratch buffers are shared by calls of the same shape: outputs and saved state must not
    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 5, 2, batch_first=True)
    x1, x2 = torch.randn(2, 6, 4, 3)
    with torch.no_grad():
        first = fused_gru(gru, x1)
        fused_gru(gru, x2)
    torch.testing.assert_close(first, gru(x1)[0], rtol=0, atol=1e-6)
    out1, out2 = fused_gru(gru, x1), fused_gru(gru, x2)  # two graphs alive at once
    with torch.no_grad():
        fused_gru(gru, x2 * 2)  # a no-grad call in between
    params = list(gru.parameters())
    for x, out in ((x1, out1), (x2, out2)):
        got = torch.autograd.grad(out.sum(), params)
        want = torch.autograd.grad(gru(x)[0].sum(), params)
        for a, b in zip(got, want, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_fused_gru_second_backward_with_retained_graph():
    # the buffers go back to the pool after a backward pass; a second one recomputes them
    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 5, 2, batch_first=True)
    x = torch.randn(4, 6, 3)
    params = list(gru.parameters())
    out = fused_gru(gru, x)
    first = torch.autograd.grad(out.sum(), params, retain_graph=True)
    fused_gru(gru, x * 3).sum().backward()  # takes the returned buffers and overwrites them
    second = torch.autograd.grad(out.sum(), params)
    for a, b in zip(first, second, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_fused_gru_workspace_pool_stays_within_its_budget(monkeypatch):
    from seqgan.nn import _fast_gru

    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 5, 2, batch_first=True).double()
    small = _fast_gru._Workspace(torch.zeros((), dtype=torch.float64), 4, 6, 2, 5, 3).nbytes
    monkeypatch.setattr(_fast_gru, "POOL_BYTES", 2 * small)
    monkeypatch.setattr(_fast_gru, "_POOL", type(_fast_gru._POOL)())  # an empty pool
    # graphs alive together, backpropagated last first
    groups = [[(4, 6)], [(4, 6), (64, 30)], [(8, 6), (4, 6)], [(64, 30), (4, 6), (8, 6)]]
    for group in groups:
        xs = [torch.randn(batch, steps, 3, dtype=torch.float64) for batch, steps in group]
        outs = [fused_gru(gru, x) for x in xs]
        for x, out in reversed(list(zip(xs, outs, strict=True))):
            grads = torch.autograd.grad(out.sum(), list(gru.parameters()))
            want = torch.autograd.grad(gru(x)[0].sum(), list(gru.parameters()))
            for a, b in zip(grads, want, strict=True):
                torch.testing.assert_close(a, b, rtol=0, atol=1e-10)
        pool = _fast_gru._POOL.free
        assert all(pool.values())  # no empty lists left behind
        assert _fast_gru._POOL.bytes == sum(ws.nbytes for free in pool.values() for ws in free)
        assert _fast_gru._POOL.bytes <= 2 * small
