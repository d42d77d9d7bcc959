"""TS2Vec (Yue et al., AAAI 2022): a self-supervised encoder of time series, used by
Context-FID. Our implementation of the published design and defaults:

- input projection to ``hidden_dims`` channels, then (in training) timestamp masking: each
  step's projection is zeroed with probability 0.5;
- a dilated convolution encoder: ``depth`` residual blocks of two kernel-3 convolutions with
  GELU, dilation ``2**i``, then a last block to ``output_dims`` channels; dropout 0.1 on the
  representation;
- training on two overlapping random crops of each series with the hierarchical contrastive
  loss (instance-wise and temporal contrast, max-pooling time by 2 at each level,
  ``alpha = 0.5``), AdamW (learning rate 0.001), batches of 8 (Context-FID's setting);
  600 iterations when the data has more than 100,000 values, else 200 (the reference's rule);
- representations from the average of all weight iterates (the reference's SWA model),
  max-pooled over the whole series.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seqgan._validation import check_int, check_random_state, seed_from


class _SamePadConv(nn.Module):
    def __init__(self, channels_in: int, channels_out: int, dilation: int) -> None:
        super().__init__()
        receptive = 2 * dilation + 1  # kernel 3
        self.remove = 1 if receptive % 2 == 0 else 0
        self.conv = nn.Conv1d(channels_in, channels_out, 3, padding=receptive // 2,
                              dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return out[:, :, :-self.remove] if self.remove else out


class _ConvBlock(nn.Module):
    def __init__(self, channels_in: int, channels_out: int, dilation: int, final: bool) -> None:
        super().__init__()
        self.conv1 = _SamePadConv(channels_in, channels_out, dilation)
        self.conv2 = _SamePadConv(channels_out, channels_out, dilation)
        self.projector = (nn.Conv1d(channels_in, channels_out, 1)
                          if channels_in != channels_out or final else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.projector is None else self.projector(x)
        x = self.conv2(F.gelu(self.conv1(F.gelu(x))))
        return x + residual


class TS2VecEncoder(nn.Module):
    """(batch, seq_len, n_features) -> (batch, seq_len, output_dims) representations."""

    def __init__(self, input_dims: int, output_dims: int = 320, hidden_dims: int = 64,
                 depth: int = 10) -> None:
        super().__init__()
        self.input_fc = nn.Linear(input_dims, hidden_dims)
        channels = [hidden_dims] * depth + [output_dims]
        self.blocks = nn.Sequential(*[
            _ConvBlock(channels[i - 1] if i else hidden_dims, channels[i], 2 ** i,
                       final=i == len(channels) - 1) for i in range(len(channels))])
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, mask_steps: bool = False) -> torch.Tensor:
        h = self.input_fc(x)
        if mask_steps:  # timestamp masking, binomial with p = 0.5
            keep = torch.rand(h.shape[:2], device=h.device) < 0.5
            h = h * keep.unsqueeze(-1)
        h = self.blocks(h.transpose(1, 2))
        return self.dropout(h.transpose(1, 2))


def _instance_contrast(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    batch = z1.shape[0]
    if batch == 1:
        return z1.new_zeros(())
    z = torch.cat([z1, z2], dim=0).transpose(0, 1)  # (T, 2B, C)
    sim = z @ z.transpose(1, 2)
    logits = torch.tril(sim, -1)[:, :, :-1] + torch.triu(sim, 1)[:, :, 1:]  # drop self
    logits = -F.log_softmax(logits, dim=-1)
    i = torch.arange(batch, device=z1.device)
    return (logits[:, i, batch + i - 1].mean() + logits[:, batch + i, i].mean()) / 2


def _temporal_contrast(z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    steps = z1.shape[1]
    if steps == 1:
        return z1.new_zeros(())
    z = torch.cat([z1, z2], dim=1)  # (B, 2T, C)
    sim = z @ z.transpose(1, 2)
    logits = torch.tril(sim, -1)[:, :, :-1] + torch.triu(sim, 1)[:, :, 1:]
    logits = -F.log_softmax(logits, dim=-1)
    t = torch.arange(steps, device=z1.device)
    return (logits[:, t, steps + t - 1].mean() + logits[:, steps + t, t].mean()) / 2


def hierarchical_contrastive_loss(z1: torch.Tensor, z2: torch.Tensor,
                                  alpha: float = 0.5) -> torch.Tensor:
    """TS2Vec's loss on two views (batch, T, C) of the same series: instance-wise and
    temporal contrast at every level of a max-pooling (by 2) pyramid over time, averaged."""
    loss, levels = z1.new_zeros(()), 0
    while z1.shape[1] > 1:
        loss = loss + alpha * _instance_contrast(z1, z2)
        loss = loss + (1 - alpha) * _temporal_contrast(z1, z2)
        levels += 1
        z1 = F.max_pool1d(z1.transpose(1, 2), kernel_size=2).transpose(1, 2)
        z2 = F.max_pool1d(z2.transpose(1, 2), kernel_size=2).transpose(1, 2)
    if z1.shape[1] == 1:
        loss = loss + alpha * _instance_contrast(z1, z2)
        levels += 1
    return loss / levels


def _take_per_row(x: torch.Tensor, starts: torch.Tensor, length: int) -> torch.Tensor:
    """Rows of x (B, T, C) from their own start, ``length`` steps, zero outside [0, T)."""
    idx = starts[:, None] + torch.arange(length, device=x.device)[None]
    valid = (idx >= 0) & (idx < x.shape[1])
    out = x[torch.arange(len(x), device=x.device)[:, None], idx.clamp(0, x.shape[1] - 1)]
    return out * valid.unsqueeze(-1)


class TS2Vec:
    """Trainable TS2Vec encoder with ``fit`` and ``encode`` (see the module docstring).

    Parameters
    ----------
    output_dims, hidden_dims, depth : int
        320, 64, 10 in the paper.
    batch_size : int
        8 (as Context-FID's code; the TS2Vec paper used 16).
    lr : float
    n_iters : int or None
        None: 600 if the data has more than 100,000 values, else 200.
    random_state : int, numpy Generator or None
    device : str or torch.device
    """

    def __init__(self, *, output_dims: int = 320, hidden_dims: int = 64, depth: int = 10,
                 batch_size: int = 8, lr: float = 1e-3, n_iters: int | None = None,
                 random_state: Any = None, device: Any = "cpu") -> None:
        self.output_dims = check_int("output_dims", output_dims, low=1)
        self.hidden_dims = check_int("hidden_dims", hidden_dims, low=1)
        self.depth = check_int("depth", depth, low=0)
        self.batch_size = check_int("batch_size", batch_size, low=1)
        self.lr = lr
        self.n_iters = n_iters
        self.random_state = random_state
        self.device = torch.device(device)

    def fit(self, X: np.ndarray) -> TS2Vec:
        """Train on X (n, seq_len, n_features); returns self."""
        X = np.asarray(X, dtype=np.float32)
        n, steps, d = X.shape
        iters = self.n_iters if self.n_iters is not None else (600 if X.size > 100_000 else 200)
        seed = seed_from(check_random_state(self.random_state))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = TS2VecEncoder(d, self.output_dims, self.hidden_dims, self.depth).to(self.device)
            average = copy.deepcopy(net)
            optimizer = torch.optim.AdamW(net.parameters(), lr=self.lr)
            data = torch.as_tensor(X, device=self.device)
            for it in range(iters):
                batch = data[torch.randint(n, (min(self.batch_size, n),), device=self.device)]
                crop = int(torch.randint(2, steps + 1, ()))  # >= 2 steps (temporal unit 0)
                left = int(torch.randint(steps - crop + 1, ()))
                right = left + crop
                e_left = int(torch.randint(left + 1, ()))
                e_right = int(torch.randint(right, steps + 1, ()))
                offset = torch.randint(-e_left, steps - e_right + 1, (len(batch),),
                                       device=self.device)
                out1 = net(_take_per_row(batch, offset + e_left, right - e_left), True)
                out2 = net(_take_per_row(batch, offset + left, e_right - left), True)
                loss = hierarchical_contrastive_loss(out1[:, -crop:], out2[:, :crop])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                with torch.no_grad():  # running equal-weight average of the iterates
                    for a, p in zip(average.parameters(), net.parameters(), strict=True):
                        a.mul_(it / (it + 1)).add_(p.detach() / (it + 1))
        self.encoder_ = average.eval()
        self.n_features_in_ = d
        return self

    def encode(self, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Series-level representations (n, output_dims): max over time of the encoder output."""
        if not hasattr(self, "encoder_"):
            raise RuntimeError("This TS2Vec is not fitted yet; call fit(X) first.")
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 3 or X.shape[2] != self.n_features_in_:
            raise ValueError(f"X must have shape (n, seq_len, {self.n_features_in_}); got "
                             f"{X.shape}.")
        out = []
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                x = torch.as_tensor(X[start:start + batch_size], device=self.device)
                out.append(self.encoder_(x).max(dim=1).values.cpu().numpy())
        return np.concatenate(out).astype(np.float64)
