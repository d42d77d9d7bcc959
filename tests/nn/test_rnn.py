from __future__ import annotations

import gc
import weakref

import pytest
import torch

import seqgan.nn
from seqgan.nn import RNNStack, _fast_gru
from seqgan.nn._fast_gru import fused_gru


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
    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 5, 2, batch_first=True).double()
    small = _fast_gru._Workspace(torch.zeros((), dtype=torch.float64), 4, 6, 2, 5, 3).nbytes
    monkeypatch.setattr(_fast_gru, "POOL_BYTES", 2 * small)
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
        pool = _fast_gru._POOLS[gru]
        assert all(pool.free.values())  # no empty lists left behind
        assert pool.bytes == sum(ws.nbytes for free in pool.free.values() for ws in free)
        assert pool.bytes <= 2 * small


def test_the_fused_gru_is_private():
    assert not {"fused_gru", "release_workspaces"} & set(seqgan.nn.__all__)
    assert not hasattr(seqgan.nn, "fused_gru")


def test_each_gru_owns_its_workspaces_and_they_go_with_it():
    torch.manual_seed(0)
    a, b = torch.nn.GRU(3, 5, batch_first=True), torch.nn.GRU(3, 5, batch_first=True)
    x = torch.randn(4, 6, 3)
    fused_gru(a, x).sum().backward()
    assert _fast_gru._pooled_bytes(a) > 0 and _fast_gru._pooled_bytes(b) == 0
    fused_gru(b, x).sum().backward()
    assert _fast_gru._POOLS[a] is not _fast_gru._POOLS[b]
    pool = weakref.ref(_fast_gru._POOLS[a])
    del a
    gc.collect()
    assert pool() is None and _fast_gru._pooled_bytes(b) > 0


def test_leaving_training_mode_frees_the_workspaces():
    torch.manual_seed(0)
    stack = RNNStack(3, 5, 2, cell="gru")
    x = torch.randn(4, 6, 3)
    out = stack(x)  # a graph alive across eval(): its workspace is dropped after backward
    stack(x).sum().backward()
    assert _fast_gru._pooled_bytes(stack.rnn) > 0
    stack.eval()
    assert _fast_gru._pooled_bytes(stack.rnn) == 0
    out.sum().backward()
    assert _fast_gru._pooled_bytes(stack.rnn) == 0
    with torch.no_grad():  # eval mode keeps one per shape for the next sampling batch
        stack(x)
    kept = _fast_gru._pooled_bytes(stack.rnn)
    assert kept > 0
    stack.eval()  # (already in eval mode: nothing to free)
    assert _fast_gru._pooled_bytes(stack.rnn) == kept
    stack.train()
    stack.eval()
    assert _fast_gru._pooled_bytes(stack.rnn) == 0


@pytest.mark.parametrize("value", ["0", "false", "OFF", " no "])
def test_the_switch_turns_the_fused_gru_off(monkeypatch, value):
    torch.manual_seed(0)
    stack = RNNStack(3, 5, 2, cell="gru")
    x = torch.randn(4, 6, 3, requires_grad=True)
    fused = stack(x)
    monkeypatch.setenv("SEQGAN_FUSED_GRU", value)

    def refuse(*args):
        raise AssertionError("the fused GRU ran")

    monkeypatch.setattr("seqgan.nn._rnn.fused_gru", refuse)
    out = stack(x)
    assert torch.equal(out, stack.rnn(x)[0])  # nn.GRU's own result
    torch.testing.assert_close(out, fused, rtol=0, atol=1e-6)
    monkeypatch.setenv("SEQGAN_FUSED_GRU", "1")  # read at every call
    with pytest.raises(AssertionError, match="the fused GRU ran"):
        stack(x)


def test_a_bad_switch_value_is_named(monkeypatch):
    monkeypatch.setenv("SEQGAN_FUSED_GRU", "maybe")
    with pytest.raises(ValueError, match="SEQGAN_FUSED_GRU must be 1 .* or 0 .*got 'maybe'"):
        RNNStack(3, 5, cell="gru")(torch.randn(2, 4, 3))
