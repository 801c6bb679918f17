"""An ordinary PyTorch script: a small MLP regression trained with manual SGD.

It imports ``torch`` and nothing else from this project. Run it with PyTorch, or unchanged on
rustorch_fx through compat:

    python examples/torch_regression.py --steps 200           # real PyTorch
    python -m compat examples/torch_regression.py --steps 200 # compat, the same script

Both start from the same numpy-generated data and weights, so their losses agree closely.
"""

import argparse

import numpy as np
import torch


def main(argv=None):
    parser = argparse.ArgumentParser(description="MLP regression with manual SGD")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    x = torch.tensor(rng.uniform(-2, 2, (256, 1)).astype(np.float32))
    y = torch.sin(2 * x) + 0.1 * torch.tensor(rng.standard_normal((256, 1)).astype(np.float32))

    def init(n_in, n_out):
        bound = 1.0 / np.sqrt(n_in)
        w = torch.tensor(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32))
        b = torch.tensor(rng.uniform(-bound, bound, (n_out,)).astype(np.float32))
        return w.requires_grad_(), b.requires_grad_()

    params = [*init(1, 32), *init(32, 32), *init(32, 1)]

    def forward(inp):
        h = inp
        for i in range(0, len(params), 2):
            h = h @ params[i].t() + params[i + 1]
            if i < len(params) - 2:
                h = torch.tanh(h)
        return h

    first = None
    for step in range(args.steps):
        loss = ((forward(x) - y) ** 2).mean()
        if first is None:
            first = loss.item()
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= args.lr * p.grad
        if step % max(args.steps // 5, 1) == 0:
            print(f"step {step:4d}  loss {loss.item():.6f}")
    final = ((forward(x) - y) ** 2).mean().item()
    print(f"loss {first:.6f} -> {final:.6f} after {args.steps} steps ({torch.__name__})")
    return first, final


if __name__ == "__main__":
    main()
