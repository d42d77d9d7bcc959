from __future__ import annotations

import pytest
import torch

from seqgan.nn import RNNStack, fused_gru


@pytest.mark.parametrize("layers", [1, 3])
def test_fused_gru_matches_torch_gru_values_and_gradients(layers):
    torch.manual_seed(0)
    gru = torch.nn.GRU(5, 7, layers, batch_first=True).double()
    x = torch.randn(4, 9, 5, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(4, 9, 7, dtype=torch.float64)
    expected = gru(x)[0]
    grads_expected = torch.autograd.grad((expected * weights).sum(), [x, *gru.parameters()])
    out = fused_gru(gru, x)
    grads = torch.autograd.grad((out * weights).sum(), [x, *gru.parameters()])
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)
    for got, want in zip(grads, grads_expected, strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-12)
    assert torch.autograd.gradcheck(lambda inp: fused_gru(gru, inp), (x,))


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
