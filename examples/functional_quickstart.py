"""Functional quickstart: the digits CNN of ``quickstart.py`` with rustorch_fx and JAX alone.

The same job as ``examples/quickstart.py`` (a small CNN on scikit-learn's 8x8 digits, AdamW with a
one-cycle schedule, evaluation each epoch, a checkpoint), written in the functional style: no
module objects and no hidden state.

    pip install -e ".[examples]"
    python examples/functional_quickstart.py

- the parameters are a dict of ``jax.Array`` keyed like a PyTorch ``state_dict``
  (``"conv1.weight"``), drawn by :mod:`rustorch_fx.nn.init` from torch's default distributions;
  the batch-norm running statistics are a second dict, threaded through the step;
- the model is a pure function of ``(params, stats, images)`` built from :mod:`rustorch_fx.nn`
  (``conv2d``, ``batch_norm_with_stats``, ``relu``, ``max_pool2d``, ``dropout`` with an explicit
  PRNG key, ``linear``) and :func:`rustorch_fx.losses.cross_entropy`;
- the optimizer is :func:`rustorch_fx.optim.adamw` (an optax transformation with torch's exact
  update) whose learning rate is :func:`rustorch_fx.optim.one_cycle_lr`, torch's ``OneCycleLR``;
- one ``jax.jit``-compiled function does the forward, backward and update of a batch;
- batches come from :class:`rustorch_fx.data.DataLoader` over a
  :class:`rustorch_fx.data.TensorDataset` (numpy arrays, shuffled by a seeded generator);
- every epoch saves ``{params, stats, opt_state, epoch}`` with :func:`rustorch_fx.save`; the end
  loads it back with :func:`rustorch_fx.load` and checks that it reproduces the test accuracy.

Flags: ``--epochs``, ``--batch-size``, ``--lr``, ``--checkpoint``, ``--seed``, ``--device``.
"""

import argparse
import math
import os
import sys
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import rustorch_fx as rt
from rustorch_fx import nn
from rustorch_fx.data import DataLoader, TensorDataset

# (name, in_channels, out_channels) of the two 3x3 conv blocks, then the head's input size.
CONVS = (("conv1", 1, 16), ("conv2", 16, 32))
HEAD_IN = 32 * 2 * 2
CLASSES = 10
BN_MOMENTUM = 0.1


def load_data(seed, batch_size):
    """Train and test loaders over the 8x8 digits, pixels scaled to ``[0, 1]``."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8)
    labels = digits.target.astype(np.int32)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=0.2, random_state=seed, stratify=labels
    )
    train_loader = DataLoader(
        TensorDataset(x_train, y_train),
        batch_size=batch_size,
        shuffle=True,
        drop_last=True,
        generator=seed,
    )
    # The whole test set in one batch: one more compiled shape, not two.
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=len(y_test))
    return train_loader, test_loader


def _layer(key, weight_shape):
    # torch's default for Conv2d and Linear: kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias.
    wkey, bkey = jax.random.split(key)
    fan_in, _ = nn.init.fan_in_and_fan_out(weight_shape)
    bound = 1.0 / math.sqrt(fan_in)
    weight = nn.init.kaiming_uniform(wkey, weight_shape, a=math.sqrt(5))
    bias = nn.init.uniform(bkey, (weight_shape[0],), -bound, bound)
    return weight, bias


def init_model(key):
    """Parameters and batch-norm statistics, keyed like a torch ``state_dict``."""
    params, stats = {}, {}
    keys = jax.random.split(key, len(CONVS) + 1)
    for k, (name, cin, cout) in zip(keys, CONVS, strict=False):
        params[f"{name}.weight"], params[f"{name}.bias"] = _layer(k, (cout, cin, 3, 3))
        params[f"{name}.bn.weight"] = jnp.ones(cout)
        params[f"{name}.bn.bias"] = jnp.zeros(cout)
        stats[f"{name}.bn.running_mean"] = jnp.zeros(cout)
        stats[f"{name}.bn.running_var"] = jnp.ones(cout)
    params["fc.weight"], params["fc.bias"] = _layer(keys[-1], (CLASSES, HEAD_IN))
    return params, stats


def forward(params, stats, images, *, train, key=None):
    """Logits of ``images`` and the updated batch-norm statistics (unchanged in evaluation)."""
    h = images
    new_stats = {}
    for name, _, _ in CONVS:
        h = nn.conv2d(h, params[f"{name}.weight"], params[f"{name}.bias"], padding=1)
        bn = nn.batch_norm_with_stats(
            h,
            stats[f"{name}.bn.running_mean"],
            stats[f"{name}.bn.running_var"],
            params[f"{name}.bn.weight"],
            params[f"{name}.bn.bias"],
            BN_MOMENTUM,
            training=train,
        )
        new_stats[f"{name}.bn.running_mean"] = bn.running_mean
        new_stats[f"{name}.bn.running_var"] = bn.running_var
        h = nn.max_pool2d(nn.relu(bn.output), 2)
    h = h.reshape(h.shape[0], -1)
    h = nn.dropout(h, 0.25, training=train, key=key)
    return nn.linear(h, params["fc.weight"], params["fc.bias"]), new_stats


def make_optimizer(args, steps_per_epoch):
    """AdamW with torch's update and a one-cycle schedule stepped once per batch."""
    schedule = rt.optim.one_cycle_lr(args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch)
    return rt.optim.adamw(lr=schedule, weight_decay=1e-4), schedule


def make_steps(optimizer):
    """The jitted training step and evaluation step."""

    def loss_fn(params, stats, images, labels, key):
        logits, new_stats = forward(params, stats, images, train=True, key=key)
        return rt.losses.cross_entropy(logits, labels), new_stats

    @jax.jit
    def train_step(params, stats, opt_state, images, labels, key):
        (loss, stats), grads = rt.value_and_grad(loss_fn, has_aux=True)(
            params, stats, images, labels, key
        )
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), stats, opt_state, loss

    @jax.jit
    def eval_step(params, stats, images, labels):
        logits, _ = forward(params, stats, images, train=False)
        loss = rt.losses.cross_entropy(logits, labels, reduction="sum")
        return loss, jnp.sum(jnp.argmax(logits, axis=1) == labels)

    return train_step, eval_step


def evaluate(eval_step, params, stats, loader, device):
    """Mean loss and accuracy over ``loader``."""
    loss, correct, count = 0.0, 0, 0
    for images, labels in loader:
        batch_loss, batch_correct = eval_step(
            params, stats, jax.device_put(images, device), jax.device_put(labels, device)
        )
        loss += float(batch_loss)
        correct += int(batch_correct)
        count += len(labels)
    return loss / count, correct / count


def show_progress(epoch, epochs, done, total, loss, lr):
    """Redraw a one-line progress bar in place (only when stderr is a terminal).

    ``loss`` and ``lr`` are read (a device-to-host copy, a schedule evaluation) only when drawn.
    """
    if sys.stderr.isatty():
        bar = f"{'=' * (20 * done // total):<20}"
        sys.stderr.write(
            f"\repoch {epoch}/{epochs} |{bar}| {done}/{total}  "
            f"loss {float(loss):.4f}  lr {float(lr()):.2e}"
        )
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description="the digits CNN in the functional style")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument(
        "--checkpoint",
        default=os.path.join(tempfile.gettempdir(), "functional_quickstart_digits.safetensors"),
        help="where to save the checkpoint each epoch (default: in the temp dir)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="a JAX platform: cpu, gpu or tpu")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    device = jax.devices(args.device)[0]
    train_loader, test_loader = load_data(args.seed, args.batch_size)
    init_key, dropout_key = jax.random.split(jax.random.key(args.seed))
    params, stats = jax.device_put(jax.jit(init_model)(init_key), device)
    optimizer, schedule = make_optimizer(args, len(train_loader))
    opt_state = jax.device_put(optimizer.init(params), device)
    train_step, eval_step = make_steps(optimizer)
    n_params = sum(p.size for p in jax.tree.leaves(params))
    print(
        f"{len(train_loader.dataset)} training and {len(test_loader.dataset)} test images, "
        f"{n_params} parameters, device {device}"
    )

    step = 0
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for i, (images, labels) in enumerate(train_loader):
            key = jax.random.fold_in(dropout_key, step)
            params, stats, opt_state, loss = train_step(
                params,
                stats,
                opt_state,
                jax.device_put(images, device),
                jax.device_put(labels, device),
                key,
            )
            step += 1
            total += loss
            show_progress(
                epoch, args.epochs, i + 1, len(train_loader), loss, lambda s=step: schedule(s)
            )
        test_loss, accuracy = evaluate(eval_step, params, stats, test_loader, device)
        print(
            f"epoch {epoch:2d}  train loss {float(total) / len(train_loader):.4f}  test loss "
            f"{test_loss:.4f}  test accuracy {accuracy:.4f}  lr {float(schedule(step)):.2e}"
        )
        checkpoint = {"params": params, "stats": stats, "opt_state": opt_state, "epoch": epoch}
        rt.save(checkpoint, args.checkpoint)

    # Resume from the checkpoint, as a later run would: ``like`` gives the tree's structure.
    fresh_params, fresh_stats = jax.jit(init_model)(init_key)
    like = {
        "params": fresh_params,
        "stats": fresh_stats,
        "opt_state": optimizer.init(fresh_params),
        "epoch": 0,
    }
    restored = jax.device_put(rt.load(args.checkpoint, like=like), device)
    _, restored_accuracy = evaluate(
        eval_step, restored["params"], restored["stats"], test_loader, device
    )
    if restored_accuracy != accuracy:
        raise RuntimeError(
            f"the reloaded model scores {restored_accuracy:.4f}, the saved one {accuracy:.4f}"
        )
    saved_state, resumed_state = jax.tree.leaves(opt_state), jax.tree.leaves(restored["opt_state"])
    if not all(
        bool(jnp.array_equal(a, b)) for a, b in zip(saved_state, resumed_state, strict=True)
    ):
        raise RuntimeError("the reloaded optimizer state differs from the saved one")
    elapsed = time.perf_counter() - start
    print(f"checkpoint {args.checkpoint} (epoch {restored['epoch']}) reloaded")
    print(f"final test accuracy {restored_accuracy:.4f} in {elapsed:.1f} s (rustorch_fx)")
    return restored_accuracy


if __name__ == "__main__":
    main()
