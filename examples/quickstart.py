"""Quickstart: train a small CNN on scikit-learn's 8x8 digits, written as an ordinary PyTorch script.

It imports ``torch`` and nothing else from this project. Run it with PyTorch, or unchanged on
rustorch_fx through compat:

    pip install -e ".[examples]"
    python examples/quickstart.py              # real PyTorch
    python -m compat examples/quickstart.py    # compat, the same script

What it does, as a PyTorch user writes it:

- loads the 1797 digit images bundled with scikit-learn (offline), splits them into a seeded,
  stratified train and test set and wraps them in ``TensorDataset`` + ``DataLoader`` (shuffled);
- builds a small CNN (``Conv2d``, ``BatchNorm2d``, ``ReLU``, ``MaxPool2d``, ``Dropout``,
  ``Linear``) trained with ``AdamW`` and a ``OneCycleLR`` schedule stepped once per batch;
- shows a progress bar (epoch, batch, loss, learning rate) updating in place when the output is
  a terminal, and evaluates on the test set after every epoch under ``model.eval()`` and
  ``torch.no_grad()``;
- saves the model, optimizer and scheduler state dicts with ``torch.save`` every epoch, and at the
  end loads the checkpoint with ``torch.load`` into fresh objects and checks that it reproduces
  the test accuracy.

Flags: ``--epochs``, ``--batch-size``, ``--lr``, ``--checkpoint``, ``--seed``, ``--device``.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def load_data(seed, batch_size):
    """Train and test loaders over the 8x8 digits, pixels scaled to ``[0, 1]``."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8)
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=0.2, random_state=seed, stratify=labels
    )
    train_set = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    test_set = TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test))
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(
        train_set, batch_size=batch_size, shuffle=True, drop_last=True, generator=generator
    )
    test_loader = DataLoader(test_set, batch_size=512)
    return train_loader, test_loader


class DigitNet(nn.Module):
    """Two conv blocks and a linear head: ``(N, 1, 8, 8)`` images to ``(N, 10)`` logits."""

    def __init__(self, dropout=0.25):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 8x8 -> 4x4
            nn.Conv2d(16, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 4x4 -> 2x2
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(32 * 2 * 2, 10))

    def forward(self, x):
        """Logits of ``x``."""
        return self.head(self.features(x))


def make_training(model, args, steps_per_epoch):
    """The optimizer and its per-batch one-cycle learning-rate schedule."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch
    )
    return optimizer, scheduler


class ProgressBar:
    """A one-line progress bar redrawn in place (carriage return); silent off a terminal."""

    def __init__(self, total, prefix, stream=sys.stderr, width=24):
        self.total = total
        self.prefix = prefix
        self.stream = stream
        self.width = width
        self.enabled = stream.isatty()

    def update(self, done, **fields):
        """Redraw the bar after ``done`` of ``total`` steps, followed by ``fields``."""
        if not self.enabled:
            return
        filled = self.width * done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        text = "  ".join(f"{k} {v}" for k, v in fields.items())
        self.stream.write(f"\r{self.prefix} [{bar}] {done}/{self.total}  {text}")
        self.stream.flush()

    def close(self):
        """End the line of the bar."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def train_one_epoch(model, loader, optimizer, scheduler, device, bar):
    """One pass over ``loader``; returns the mean training loss."""
    model.train()
    total = 0.0
    for i, (x, y) in enumerate(loader):
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item()
        bar.update(i + 1, loss=f"{loss.item():.4f}", lr=f"{scheduler.get_last_lr()[0]:.2e}")
    bar.close()
    return total / len(loader)


def evaluate(model, loader, device):
    """Mean loss and accuracy of ``model`` over ``loader``."""
    model.eval()
    loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
    return loss / count, correct / count


def main(argv=None):
    parser = argparse.ArgumentParser(description="a small CNN on scikit-learn's 8x8 digits")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument(
        "--checkpoint",
        default=os.path.join(tempfile.gettempdir(), "quickstart_digits.pt"),
        help="where to save the checkpoint each epoch (default: in the temp dir)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    train_loader, test_loader = load_data(args.seed, args.batch_size)
    model = DigitNet().to(device)
    optimizer, scheduler = make_training(model, args, len(train_loader))
    print(
        f"{len(train_loader.dataset)} training and {len(test_loader.dataset)} test images, "
        f"{sum(p.numel() for p in model.parameters())} parameters, device {device}"
    )

    for epoch in range(1, args.epochs + 1):
        bar = ProgressBar(len(train_loader), f"epoch {epoch}/{args.epochs}")
        train_loss = train_one_epoch(model, train_loader, optimizer, scheduler, device, bar)
        test_loss, accuracy = evaluate(model, test_loader, device)
        print(
            f"epoch {epoch:2d}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
            f"test accuracy {accuracy:.4f}  lr {scheduler.get_last_lr()[0]:.2e}"
        )
        torch.save(
            {
                "epoch": epoch,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "test_accuracy": accuracy,
            },
            args.checkpoint,
        )

    # Resume from the checkpoint into fresh objects, as a later run would.
    checkpoint = torch.load(args.checkpoint, map_location=device)
    restored = DigitNet().to(device)
    restored.load_state_dict(checkpoint["model"])
    restored_optimizer, restored_scheduler = make_training(restored, args, len(train_loader))
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    restored_scheduler.load_state_dict(checkpoint["scheduler"])
    _, restored_accuracy = evaluate(restored, test_loader, device)
    if restored_accuracy != checkpoint["test_accuracy"]:
        raise RuntimeError(
            f"the reloaded model scores {restored_accuracy:.4f}, the saved one "
            f"{checkpoint['test_accuracy']:.4f}"
        )
    if restored_scheduler.get_last_lr() != scheduler.get_last_lr():
        raise RuntimeError("the reloaded scheduler does not continue where training stopped")
    elapsed = time.perf_counter() - start
    print(f"checkpoint {args.checkpoint} (epoch {checkpoint['epoch']}) reloaded")
    print(f"final test accuracy {restored_accuracy:.4f} in {elapsed:.1f} s ({torch.__name__})")
    return restored_accuracy


if __name__ == "__main__":
    main()
