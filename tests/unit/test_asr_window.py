"""The shorter encoder window: how many frames are kept, and that nothing is cut from the speech."""

from __future__ import annotations

import numpy as np
import pytest

from speech.asr.window import _WINDOW, EncoderWindow, content_frames, encoder_window, trim_features


def padded(content: int, total: int = 3000, batch: bool = False) -> np.ndarray:
    rng = np.random.default_rng(content)
    features = np.zeros((80, total), dtype=np.float32)
    features[:, :content] = rng.uniform(-0.8, 0.6, size=(80, content))
    return features[None] if batch else features


@pytest.mark.parametrize(
    ("content", "expected"),
    [(0, 1000), (250, 1000), (700, 1000), (701, 1100), (1234, 1600), (2800, 3000), (3000, 3000)],
)
def test_window_is_content_plus_margin_at_least_the_minimum_in_whole_seconds(content: int, expected: int) -> None:
    assert EncoderWindow(min_s=10, margin_s=3).frames(content) == expected


def test_content_ends_where_the_zero_padding_starts() -> None:
    assert content_frames(padded(437)) == 437
    assert content_frames(padded(437, batch=True)) == 437
    assert content_frames(np.zeros((80, 3000), dtype=np.float32)) == 0


def test_trimming_keeps_every_content_frame_and_the_batch_axis() -> None:
    features = padded(1234, batch=True)
    trimmed = trim_features(features, EncoderWindow())
    assert trimmed.shape == (1, 80, 1600)
    assert np.array_equal(trimmed[..., :1234], features[..., :1234])
    assert trimmed.flags.c_contiguous


def test_no_window_or_a_long_input_leaves_the_features_alone() -> None:
    features = padded(2900)
    assert trim_features(features, None) is features
    assert trim_features(features, EncoderWindow()) is features


def test_the_window_applies_only_inside_its_block() -> None:
    window = EncoderWindow(min_s=5)
    assert _WINDOW.get() is None
    with encoder_window(window):
        assert _WINDOW.get() is window
        with encoder_window(None):
            assert _WINDOW.get() is None
        assert _WINDOW.get() is window
    assert _WINDOW.get() is None
