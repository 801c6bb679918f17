"""An ordinary PyTorch script: a small CNN (nn.Module) classifying synthetic stroke images.

It imports ``torch`` and nothing else from this project. Run it with PyTorch, or unchanged on
rustorch_fx through compat:

    python examples/torch_cnn.py --steps 60              # real PyTorch
    python -m compat examples/torch_cnn.py --steps 60    # compat, the same script

The images are 16x16 strokes in four orientations with noise; the model is two
Conv2d-BatchNorm2d-ReLU-MaxPool2d blocks and a Linear head, trained with cross-entropy and
SGD with momentum written by hand under ``torch.no_grad()``. Data and initial weights come from
numpy with a fixed seed, so both runs start from the same numbers and their losses agree
closely.
"""

import argparse

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SIZE = 16
CLASSES = 4


def make_data(rng, n):
    """``n`` noisy images of a stroke: horizontal, vertical, diagonal or anti-diagonal."""
    labels = rng.integers(0, CLASSES, n)
    images = 0.8 * rng.standard_normal((n, 1, SIZE, SIZE)).astype(np.float32)
    idx = np.arange(SIZE)
    for i, (label, offset) in enumerate(zip(labels, rng.integers(3, SIZE - 3, n), strict=True)):
        if label == 0:
            images[i, 0, offset, :] += 1.0
        elif label == 1:
            images[i, 0, :, offset] += 1.0
        elif label == 2:
            images[i, 0, idx, idx] += 1.0
        else:
            images[i, 0, idx, SIZE - 1 - idx] += 1.0
    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))


class Net(nn.Module):
    """Two conv blocks and a linear classifier: ``(N, 1, 16, 16) -> (N, 4)`` logits."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Linear(16 * (SIZE // 4) ** 2, CLASSES)

    def forward(self, x):
        """Logits of ``x``."""
        return self.head(self.features(x).flatten(1))


def numpy_init(model, rng):
    """Draw the conv and linear weights and biases from numpy (the same in every framework).

    torch's default bounds, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``; batch-norm parameters and
    buffers keep their deterministic defaults (ones and zeros).
    """
    state = model.state_dict()
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            fan_in = int(np.prod(module.weight.shape[1:]))
            bound = 1.0 / np.sqrt(fan_in)
            for kind in ("weight", "bias"):
                shape = tuple(getattr(module, kind).shape)
                draw = rng.uniform(-bound, bound, shape).astype(np.float32)
                state[f"{name}.{kind}"] = torch.from_numpy(draw)
    model.load_state_dict(state)


def main(argv=None):
    parser = argparse.ArgumentParser(description="small CNN with manual SGD + momentum")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    train_x, train_y = make_data(rng, 512)
    test_x, test_y = make_data(rng, 256)
    model = Net()
    numpy_init(model, rng)
    velocity = [torch.zeros_like(p) for p in model.parameters()]

    losses = []
    for step in range(args.steps):
        start = (step * args.batch) % len(train_x)
        x, y = train_x[start : start + args.batch], train_y[start : start + args.batch]
        model.train()
        loss = F.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p, v in zip(model.parameters(), velocity, strict=True):
                v.mul_(0.9).add_(p.grad)
                p.sub_(args.lr * v)
        losses.append(loss.item())
        if step % max(args.steps // 5, 1) == 0:
            print(f"step {step:4d}  loss {loss.item():.5f}")

    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print(
        f"loss {losses[0]:.5f} -> {losses[-1]:.5f}, test accuracy {accuracy:.3f} ({torch.__name__})"
    )
    return losses, accuracy


if __name__ == "__main__":
    main()
