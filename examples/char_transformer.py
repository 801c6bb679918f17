"""An ordinary PyTorch script: a character-level Transformer language model on sonnets.

It imports ``torch`` and nothing else from this project. Run it with PyTorch, or unchanged on
rustorch_fx through compat:

    python examples/char_transformer.py               # real PyTorch
    python -m compat examples/char_transformer.py     # compat, the same script
    python -m compat examples/char_transformer.py --steps 20   # a short run

The text (``examples/data/sonnets.txt``, five sonnets, public domain) is split into characters;
the model is a token embedding plus a learned position embedding, a causal
``nn.TransformerEncoder`` (pre-norm, batch-first, exact GELU) and a linear head, trained with
cross-entropy and Adam written by hand under ``torch.no_grad()``. A progress bar shows the
loss; at the end the script prints a sample drawn from the model.
"""

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TEXT = Path(__file__).resolve().parent / "data" / "sonnets.txt"


class CharTransformer(nn.Module):
    """``(N, T)`` character ids to ``(N, T, vocab)`` next-character logits."""

    def __init__(self, vocab, context, d_model=64, nhead=4, layers=2, dropout=0.1):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d_model)
        self.positions = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, 4 * d_model, dropout, activation="gelu", batch_first=True,
            norm_first=True,
        )  # fmt: skip
        self.encoder = nn.TransformerEncoder(layer, layers, nn.LayerNorm(d_model))
        self.head = nn.Linear(d_model, vocab)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(context))

    def forward(self, ids):
        """Logits of the character after each position of ``ids``."""
        t = ids.shape[1]
        x = self.tokens(ids) + self.positions(torch.arange(t))
        mask = self.causal[:t, :t]
        return self.head(self.encoder(x, mask=mask, is_causal=True))


def progress(step, total, loss, start, width=30):
    """Draw a one-line progress bar on stderr."""
    done = int(width * step / total)
    rate = step / max(time.perf_counter() - start, 1e-9)
    bar = "#" * done + "." * (width - done)
    sys.stderr.write(f"\r[{bar}] {step}/{total}  loss {loss:.3f}  {rate:.1f} steps/s")
    if step == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def sample(model, stoi, itos, prompt, length, context, rng, temperature=0.8):
    """Continue ``prompt`` (at least ``context`` characters) by ``length`` drawn characters."""
    ids = [stoi[c] for c in prompt]
    model.eval()
    with torch.no_grad():
        for _ in range(length):
            window = torch.tensor([ids[-context:]])
            logits = model(window)[0, -1].numpy().astype(np.float64) / temperature
            p = np.exp(logits - logits.max())
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
    return "".join(itos[i] for i in ids)


def main(argv=None):
    parser = argparse.ArgumentParser(description="character-level Transformer language model")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--sample", type=int, default=200, help="characters to generate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    text = TEXT.read_text(encoding="utf-8")
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    model = CharTransformer(len(chars), args.context)
    params = list(model.parameters())
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.99, 1e-8

    print(f"{len(text)} characters, vocabulary {len(chars)}, {sum(p.numel() for p in params)} "
          f"parameters ({torch.__name__})")  # fmt: skip
    losses = []
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        starts = rng.integers(0, len(data) - args.context - 1, args.batch)
        x = torch.from_numpy(np.stack([data[s : s + args.context] for s in starts]))
        y = torch.from_numpy(np.stack([data[s + 1 : s + args.context + 1] for s in starts]))
        model.train()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        model.zero_grad()
        loss.backward()
        lr = args.lr * min(1.0, step / 20) * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        with torch.no_grad():
            for p, m_p, v_p in zip(params, m, v, strict=True):
                m_p.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                v_p.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                m_hat = m_p / (1 - beta1**step)
                v_hat = v_p / (1 - beta2**step)
                p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
        losses.append(loss.item())
        progress(step, args.steps, losses[-1], start)

    print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f} in {time.perf_counter() - start:.1f} s")
    # A prompt of exactly one context window: every forward then has the same shape.
    start = text.index("Shall I")
    prompt = text[start : start + args.context]
    text_out = sample(model, stoi, chars, prompt, args.sample, args.context, rng)
    print("sample:\n" + text_out)
    return losses, text_out


if __name__ == "__main__":
    main()
