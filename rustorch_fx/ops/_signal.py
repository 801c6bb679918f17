"""Short-time Fourier transforms with PyTorch's conventions: :func:`stft` and :func:`istft`.

Frames start every ``hop_length`` samples; each is multiplied by ``window`` (of ``win_length``
samples, zero-padded on both sides to ``n_fft``) and transformed. Shapes, defaults
(``hop_length = n_fft // 4``, ``win_length = n_fft``, a rectangular window), ``center``
padding, ``normalized`` (a factor ``n_fft ** -0.5``) and ``onesided`` spectra are torch's, and
so are the checks: a real input needs ``return_complex`` spelled out, and :func:`istft` raises
when the window's overlap-add envelope vanishes (it cannot invert there).
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int, is_tracer
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
)

__all__ = ["stft", "istft"]

ArrayLike = Any
_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _lengths(op: str, n_fft: Any, hop_length: Any, win_length: Any) -> tuple[int, int, int]:
    if not is_int(n_fft):
        raise ArgumentTypeError(f"{op}: n_fft must be an int, got {n_fft!r}")
    n_fft = int(n_fft)
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    for name, v in (("hop_length", hop), ("win_length", win)):
        if not is_int(v):
            raise ArgumentTypeError(f"{op}: {name} must be an int, got {v!r}")
    if n_fft <= 0:
        raise InvalidArgumentError(f"{op}: expected n_fft > 0, got n_fft={n_fft}")
    if hop <= 0:
        raise InvalidArgumentError(f"{op}: expected hop_length > 0, but got hop_length={hop}")
    if not 0 < win <= n_fft:
        raise InvalidArgumentError(
            f"{op}: expected 0 < win_length <= n_fft, but got win_length={win} (n_fft={n_fft})"
        )
    return n_fft, int(hop), int(win)


def _window(op: str, window: ArrayLike | None, win: int, n_fft: int, dtype: Any) -> jax.Array:
    """The window, zero-padded on both sides to ``n_fft`` (rectangular when None)."""
    if window is None:
        w = jnp.ones((win,), dtype)
    else:
        w = as_array(op, "window", window)
        if w.ndim != 1 or w.shape[0] != win:
            raise ShapeError(
                f"{op}: expected a 1D window tensor of size equal to win_length={win}, but got "
                f"window with size {list(w.shape)}"
            )
        if not _dtypes.is_inexact(w.dtype):
            raise DTypeError(
                f"{op}: expected a floating point or complex window, got {np.dtype(w.dtype).name}"
            )
    left = (n_fft - win) // 2
    return jnp.pad(w, (left, n_fft - win - left))


def _real_dtype(x: jax.Array) -> np.dtype:
    """The real dtype of ``x``'s values (float32 for complex64)."""
    return np.dtype(np.finfo(x.dtype).dtype)


def _onesided(op: str, onesided: bool | None, is_complex: bool) -> bool:
    if onesided is None:
        return not is_complex
    if onesided and is_complex:
        raise InvalidArgumentError(
            f"{op}: Cannot have onesided output if window or input is complex"
        )
    return bool(onesided)


@boundary("stft")
def stft(
    input: ArrayLike,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: ArrayLike | None = None,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
) -> jax.Array:
    """The short-time Fourier transform of a signal or a batch of signals.

    ``out[..., f, t] = sum_k window[k] * input[..., t * hop_length + k] * exp(-2j pi f k / n_fft)``
    over the (padded) input. With ``center`` the input is first padded by ``n_fft // 2`` on
    both sides with ``pad_mode`` (``'constant'`` zeros, ``'reflect'``, ``'replicate'``,
    ``'circular'``), so frame ``t`` is centred on sample ``t * hop_length``.

    Args:
        input: A floating or complex array of shape ``(L,)`` or ``(B, L)``.
        n_fft: The size of the Fourier transform.
        hop_length: Distance between frame starts (default ``n_fft // 4``).
        win_length: The window's size (default ``n_fft``), at most ``n_fft``.
        window: A 1-D array of ``win_length`` values (default all ones).
        center: Pad the input so that frames are centred on their sample.
        pad_mode: The padding for ``center``.
        normalized: Multiply by ``n_fft ** -0.5`` (an orthonormal transform).
        onesided: Keep only the ``n_fft // 2 + 1`` non-negative frequencies (default: True for a
            real input and window, and not allowed otherwise).
        return_complex: Must be given for a real input and window, as torch requires. ``True``
            gives complex values; ``False`` gives torch's deprecated real layout, a last dim of
            size 2 holding the real and imaginary parts.

    Returns:
        A complex array of shape ``(B?, freq, n_frames)`` with ``freq = n_fft // 2 + 1`` when
        ``onesided`` else ``n_fft``, and ``n_frames = 1 + (L_padded - n_fft) // hop_length``; or a
        real array with an extra last dim of 2 when ``return_complex=False``.

    Raises:
        ShapeError: If ``input`` is not 1-D or 2-D or ``window`` has the wrong size.
        DTypeError: If ``input`` or ``window`` is not floating point or complex.
        InvalidArgumentError: If ``return_complex`` is missing for real input, a length is out
            of range, ``n_fft`` exceeds the (padded) length, ``pad_mode`` is unknown, the
            reflect padding is not shorter than the input, or ``onesided`` is asked for complex
            data.
        ArgumentTypeError: If a length is not an int.

    Example:
        >>> import jax.numpy as jnp
        >>> spec = stft(jnp.ones(8), 4, 4, window=jnp.ones(4), center=False, return_complex=True)
        >>> spec.shape
        (3, 2)
        >>> spec[0].real.tolist()
        [4.0, 4.0]
    """
    x = as_array("stft", "input", input)
    if x.ndim not in (1, 2):
        raise ShapeError(f"stft: expected a 1D or 2D tensor, got shape {list(x.shape)}")
    if not _dtypes.is_inexact(x.dtype):
        raise DTypeError(
            f"stft: expected a tensor of floating point or complex values, got "
            f"{np.dtype(x.dtype).name}"
        )
    n_fft, hop, win = _lengths("stft", n_fft, hop_length, win_length)
    w = _window("stft", window, win, n_fft, _real_dtype(x))
    is_complex = jnp.iscomplexobj(x) or jnp.iscomplexobj(w)
    if return_complex is None:
        if not is_complex:
            raise InvalidArgumentError(
                "stft: stft requires the return_complex parameter be given for real inputs "
                "(return_complex=True is recommended)"
            )
        return_complex = True
    side = _onesided("stft", onesided, bool(is_complex))
    batched = x.ndim == 2
    x2 = x if batched else x[None]
    if center:
        if pad_mode not in _PAD_MODES:
            raise InvalidArgumentError(
                f"stft: unrecognised padding mode {pad_mode!r} (expected one of "
                f"{', '.join(map(repr, _PAD_MODES))})"
            )
        pad = n_fft // 2
        length = x2.shape[-1]
        if (pad_mode == "reflect" and pad >= length) or (pad_mode == "circular" and pad > length):
            raise InvalidArgumentError(
                f"stft: {pad_mode} padding of {pad} on each side needs a longer input than "
                f"{length} samples (padding must be less than the input length)"
            )
    else:
        pad = 0
    length = x2.shape[-1] + 2 * pad
    if n_fft > length:
        raise InvalidArgumentError(
            f"stft: expected 0 < n_fft <= {length} (the padded input length), but got n_fft={n_fft}"
        )
    spec = _stft(
        x2,
        w,
        pad=pad,
        mode=_PAD_MODES.get(pad_mode, "constant"),
        n_fft=n_fft,
        hop=hop,
        onesided=side,
        normalized=bool(normalized),
    )
    if not batched:
        spec = spec[0]
    if not return_complex:
        return jnp.stack([spec.real, spec.imag], axis=-1)
    return spec


@functools.partial(
    jax.jit, static_argnames=("pad", "mode", "n_fft", "hop", "onesided", "normalized")
)
def _stft(
    x: jax.Array,
    w: jax.Array,
    *,
    pad: int,
    mode: str,
    n_fft: int,
    hop: int,
    onesided: bool,
    normalized: bool,
) -> jax.Array:
    """The transform of validated ``(B, L)`` input: pad, frame, window, FFT; ``(B, freq, T)``."""
    if pad:
        x = jnp.pad(x, ((0, 0), (pad, pad)), mode=mode)
    n_frames = 1 + (x.shape[-1] - n_fft) // hop
    starts = hop * np.arange(n_frames)[:, None] + np.arange(n_fft)[None, :]
    common = jnp.result_type(x.dtype, w.dtype)
    frames = x[:, starts].astype(common) * w.astype(common)  # (B, n_frames, n_fft)
    norm = "ortho" if normalized else "backward"
    spec = jnp.fft.rfft(frames, axis=-1, norm=norm) if onesided else jnp.fft.fft(frames, norm=norm)
    return jnp.swapaxes(spec, -1, -2)


@boundary("istft")
def istft(
    input: ArrayLike,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: ArrayLike | None = None,
    center: bool = True,
    normalized: bool = False,
    onesided: bool | None = None,
    length: int | None = None,
    return_complex: bool = False,
) -> jax.Array:
    """The inverse of :func:`stft`: overlap-add of the inverse transforms of the frames.

    Each frame's inverse transform is multiplied by the window and added at its position; the
    sum is divided by the overlap-added squared window (the least-squares inverse, as torch).
    ``center`` removes the ``n_fft // 2`` samples of padding at both ends; ``length`` trims or
    zero-pads the end to that many samples.

    Args:
        input: A complex array of shape ``(freq, n_frames)`` or ``(B, freq, n_frames)``, as
            :func:`stft` returns with ``return_complex=True``.
        n_fft: The size of the Fourier transform.
        hop_length: Distance between frame starts (default ``n_fft // 4``).
        win_length: The window's size (default ``n_fft``).
        window: A 1-D array of ``win_length`` values (default all ones).
        center: Whether the signal was padded by :func:`stft` with ``center=True``.
        normalized: Whether the transform was normalized.
        onesided: Whether ``input`` holds only the non-negative frequencies (default: ``freq !=
            n_fft``).
        length: The output length (default: all the signal the frames cover).
        return_complex: Return a complex signal (needs ``onesided=False``).

    Returns:
        An array of shape ``(B?, length)``: real (of ``input``'s real dtype) unless
        ``return_complex``.

    Raises:
        DTypeError: If ``input`` is not complex.
        ShapeError: If ``input`` is not 2-D or 3-D, its frequency size does not match
            ``n_fft`` and ``onesided``, or ``window`` has the wrong size.
        InvalidArgumentError: If a length is out of range, ``onesided`` and ``return_complex``
            are both asked, or the window's overlap-add envelope is zero somewhere in the
            output (checked when the window is concrete).

    Example:
        >>> import jax.numpy as jnp
        >>> w = jnp.hanning(6)[1:5]
        >>> x = jnp.arange(8.0)
        >>> y = istft(stft(x, 4, 1, window=w, return_complex=True), 4, 1, window=w, length=8)
        >>> bool(jnp.allclose(x, y, atol=1e-5))
        True
    """
    x = as_array("istft", "input", input)
    if not jnp.iscomplexobj(x):
        raise DTypeError(
            "istft: istft requires a complex-valued input tensor matching the output from stft "
            f"with return_complex=True, got {np.dtype(x.dtype).name}"
        )
    if x.ndim not in (2, 3):
        raise ShapeError(f"istft: expected a 2D or 3D complex tensor, got shape {list(x.shape)}")
    n_fft, hop, win = _lengths("istft", n_fft, hop_length, win_length)
    real = _real_dtype(x)
    w = _window("istft", window, win, n_fft, real)
    batched = x.ndim == 3
    x3 = x if batched else x[None]
    freq, n_frames = x3.shape[-2], x3.shape[-1]
    side = freq != n_fft if onesided is None else bool(onesided)
    if return_complex and (side or onesided):
        raise InvalidArgumentError(
            "istft: Cannot have onesided output if window or input is complex "
            "(return_complex=True needs onesided=False)"
        )
    if not return_complex and jnp.iscomplexobj(w):
        raise DTypeError("istft: Complex windows are incompatible with return_complex=False")
    expected_freq = n_fft // 2 + 1 if side else n_fft
    if freq != expected_freq:
        raise ShapeError(
            f"istft: expected the frequency dimension of the input ({freq}) to equal "
            f"{'n_fft / 2 + 1' if side else 'n_fft'} = {expected_freq} when onesided={side}"
        )
    if n_frames < 1:
        raise ShapeError("istft: the input has no frames")
    total = n_fft + hop * (n_frames - 1)
    start = n_fft // 2 if center else 0
    if length is not None:
        if not is_int(length) or length < 0:
            raise InvalidArgumentError(f"istft: length must be a non-negative int, got {length!r}")
        end = start + int(length)
    else:
        end = total - n_fft // 2 if center else total
    y, lowest = _istft(
        x3,
        w,
        n_fft=n_fft,
        hop=hop,
        normalized=bool(normalized),
        return_complex=bool(return_complex),
        start=start,
        stop=min(end, total),
    )
    if not is_tracer(lowest) and float(lowest) < 1e-11:
        raise InvalidArgumentError(
            "istft: window overlap add min: the squared window summed over the overlapping "
            "frames is (nearly) zero at some output sample, so the signal cannot be recovered "
            "there; use a window and hop_length whose overlap-add is nonzero everywhere (or "
            "center=True)"
        )
    if end > total:
        y = jnp.pad(y, ((0, 0), (0, end - total)))
    return y if batched else y[0]


@functools.partial(
    jax.jit,
    static_argnames=("n_fft", "hop", "normalized", "return_complex", "start", "stop"),
)
def _istft(
    x: jax.Array,
    w: jax.Array,
    *,
    n_fft: int,
    hop: int,
    normalized: bool,
    return_complex: bool,
    start: int,
    stop: int,
) -> tuple[jax.Array, jax.Array]:
    """Overlap-add of validated ``(B, freq, T)`` input, samples ``start:stop``.

    Returns the signal divided by the window envelope, and the envelope's smallest magnitude
    (``inf`` for an empty output), for the caller's check.
    """
    n_frames = x.shape[-1]
    norm = "ortho" if normalized else "backward"
    spec = jnp.swapaxes(x, -1, -2)  # (B, n_frames, freq)
    if return_complex:
        frames = jnp.fft.ifft(spec, n=n_fft, norm=norm)
    else:
        frames = jnp.fft.irfft(spec[..., : n_fft // 2 + 1], n=n_fft, norm=norm)
    frames = frames * w.astype(jnp.result_type(frames.dtype, w.dtype))
    total = n_fft + hop * (n_frames - 1)
    positions = (hop * np.arange(n_frames)[:, None] + np.arange(n_fft)[None, :]).reshape(-1)
    y = (
        jnp.zeros((x.shape[0], total), frames.dtype)
        .at[:, positions]
        .add(frames.reshape(x.shape[0], -1))
    )
    real = np.dtype(np.finfo(x.dtype).dtype)
    squared = (jnp.abs(w) ** 2).astype(real)
    envelope = jnp.zeros((total,), real).at[positions].add(jnp.tile(squared, n_frames))
    y, envelope = y[:, start:stop], envelope[start:stop]
    lowest = jnp.min(jnp.abs(envelope)) if envelope.size else jnp.asarray(np.inf, real)
    return y / envelope, lowest
