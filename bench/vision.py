"""Vision benchmark: presence and exact face-count accuracy on labelled photos, and per-frame time.

Each photo is presented as a kiosk camera frame would arrive: fitted without distortion into a fixed
640x480 frame (letterboxed). Accuracy is also reported on the photos at their native size. Times are
wall-clock per frame on this machine: face detection alone (the issue's <= 15 ms target), the whole
per-frame analysis (detection + face mesh head pose + appearance signature), and that plus the pose
model for the hand-at-ear check (only run while a transfer is in progress).
"""

from __future__ import annotations

import csv
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from avatar.vision.analyzer import VisionAnalyzer
from avatar.vision.frames import letterbox, limit_size, to_rgb
from avatar.vision.options import VisionOptions
from avatar.vision.signature import appearance_signature, signature_distance

TARGETS = {"presence_accuracy": 0.95, "count_accuracy": 0.80, "detect_p50_ms": 15.0}
SWEEP = [
    {"model": model, "min_score": score, "tiles": tiles}
    for model in ("short", "full")
    for tiles in (False, True)
    for score in (0.4, 0.5, 0.6)
]


def load_labels(data_dir: Path) -> list[tuple[Path, int]]:
    """(image path, expected face count) rows of `labels.csv` (columns: file, expected_faces)."""
    labels = data_dir / "labels.csv"
    if not labels.is_file():
        raise FileNotFoundError(f"{labels} not found (expected columns: file, expected_faces)")
    with labels.open(newline="", encoding="utf-8") as handle:
        rows = [(data_dir / row["file"], int(row["expected_faces"])) for row in csv.DictReader(handle)]
    missing = [str(path) for path, _ in rows if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"images listed in {labels} are missing: {', '.join(missing[:3])}")
    return rows


def load_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"{path}: not a decodable image")
    return to_rgb(image, order="bgr")


def accuracy(rows: list[tuple[str, int, int]]) -> dict[str, float]:
    """Presence (face vs no face) and exact-count accuracy of (name, expected, found) rows."""
    total = len(rows)
    return {
        "presence_accuracy": round(sum((exp > 0) == (got > 0) for _, exp, got in rows) / total, 4),
        "count_accuracy": round(sum(exp == got for _, exp, got in rows) / total, 4),
    }


def timing(run: Callable[[], object], frames: int) -> dict[str, float]:
    """p50 / p95 / mean wall-clock milliseconds of `frames` calls (after one warm-up call), and the mean
    CPU milliseconds of the whole process per call: on a shared, busy machine wall time includes
    waiting for a core, while CPU time is closer to what a frame costs."""
    run()
    samples = []
    cpu_started = time.process_time()
    for _ in range(frames):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / frames
    samples.sort()
    return {
        "p50": round(statistics.median(samples), 2),
        "p95": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2),
        "mean": round(statistics.fmean(samples), 2),
        "cpu_mean": round(cpu_ms, 2),
        "frames": frames,
    }


def count_faces(
    analyzer: VisionAnalyzer, data_dir: Path, width: int, height: int
) -> tuple[list[np.ndarray], list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """Kiosk frames of every labelled photo, and (name, expected, found) rows on kiosk and native frames."""
    frames, kiosk_rows, native_rows = [], [], []
    for path, expected in load_labels(data_dir):
        rgb = load_rgb(path)
        frame = letterbox(rgb, width, height)
        frames.append(frame)
        name = str(path.relative_to(data_dir))
        kiosk_rows.append((name, expected, len(analyzer.detector.detect(frame))))
        native = limit_size(rgb, analyzer.options.max_side)
        native_rows.append((name, expected, len(analyzer.detector.detect(native))))
    return frames, kiosk_rows, native_rows


def evaluate(
    data_dir: Path, options: VisionOptions, width: int = 640, height: int = 480, repeats: int = 10
) -> dict[str, Any]:
    """Accuracy (kiosk frame and native size) and per-frame times for one configuration."""
    analyzer = VisionAnalyzer(options)
    try:
        frames, kiosk_rows, native_rows = count_faces(analyzer, data_dir, width, height)
        cycle = _cycler(frames)
        count = repeats * len(frames)
        detect_ms = timing(lambda: analyzer.detector.detect(next(cycle)), count)
        analyze_ms = timing(lambda: analyzer.analyze(next(cycle), order="rgb"), count)
        hands_ms = timing(lambda: analyzer.analyze(next(cycle), order="rgb", hands=True), max(1, count // 2))
    finally:
        analyzer.close()
    return {
        "config": {"model": options.model, "min_score": options.min_score, "tiles": options.tiles},
        "frame": f"{width}x{height}",
        "images": len(frames),
        **accuracy(kiosk_rows),
        "native": accuracy(native_rows),
        "detect_ms": detect_ms,
        "analyze_ms": analyze_ms,
        "analyze_with_hands_ms": hands_ms,
        "per_image": [
            {"file": name, "expected": exp, "found": got, "found_native": native[2]}
            for (name, exp, got), native in zip(kiosk_rows, native_rows, strict=True)
        ],
    }


def run_benchmark(data_dir: Path, options: VisionOptions, *, repeats: int = 10, sweep: bool = False) -> dict[str, Any]:
    """The configured pipeline's figures against the targets, and optionally a sweep of alternatives."""
    result = evaluate(data_dir, options, repeats=repeats)
    result["targets"] = TARGETS
    result["meets"] = {
        "presence_accuracy": result["presence_accuracy"] >= TARGETS["presence_accuracy"],
        "count_accuracy": result["count_accuracy"] >= TARGETS["count_accuracy"],
        "detect_p50_ms": result["detect_ms"]["p50"] <= TARGETS["detect_p50_ms"],
    }
    result["signature"] = signature_check(data_dir, options)
    if sweep:
        result["sweep"] = [_sweep_row(data_dir, options.model_copy(update=config)) for config in SWEEP]
    return result


def _sweep_row(data_dir: Path, options: VisionOptions) -> dict[str, Any]:
    """Accuracy and detection time only: the landmark models do not change with these settings."""
    analyzer = VisionAnalyzer(options)
    try:
        frames, kiosk_rows, native_rows = count_faces(analyzer, data_dir, 640, 480)
        cycle = _cycler(frames)
        detect_ms = timing(lambda: analyzer.detector.detect(next(cycle)), 5 * len(frames))
    finally:
        analyzer.close()
    return {
        "config": {"model": options.model, "min_score": options.min_score, "tiles": options.tiles},
        **accuracy(kiosk_rows),
        "native": accuracy(native_rows),
        "detect_ms": detect_ms,
    }


def _cycler(frames: list[np.ndarray]) -> Iterator[np.ndarray]:
    while True:
        yield from frames


PERTURBATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "noise_sigma8": lambda rgb: np.clip(
        rgb.astype(np.int16) + np.random.default_rng(0).normal(0, 8, rgb.shape).astype(np.int16), 0, 255
    ).astype(np.uint8),
    "jpeg_q30": lambda rgb: cv2.imdecode(
        cv2.imencode(".jpg", rgb, [cv2.IMWRITE_JPEG_QUALITY, 30])[1], cv2.IMREAD_COLOR
    ),
    "brighter_15pct": lambda rgb: cv2.convertScaleAbs(rgb, alpha=1.15, beta=10),
    "darker_20pct": lambda rgb: cv2.convertScaleAbs(rgb, alpha=0.8, beta=0),
    "shift_2pct": lambda rgb: cv2.resize(rgb[rgb.shape[0] // 50 :, rgb.shape[1] // 50 :], (rgb.shape[1], rgb.shape[0])),
}


def signature_check(data_dir: Path, options: VisionOptions) -> dict[str, Any]:
    """Appearance-signature distances: each photo's customer against perturbed copies of the same photo
    (same person, camera changes) and against the customers of the other photos (mostly other people)."""
    analyzer = VisionAnalyzer(options)
    try:
        customers = []
        same: dict[str, list[float]] = {name: [] for name in PERTURBATIONS}
        for path, expected in load_labels(data_dir):
            if expected == 0:
                continue
            rgb = load_rgb(path)
            base = analyzer.analyze(rgb, order="rgb", head=False)
            if base.signature is None or base.customer is None:
                continue
            customers.append((path.name, base.signature))
            box = base.customer.box  # same region: measures the signature, not detection jitter
            for name, perturb in PERTURBATIONS.items():
                same[name].append(signature_distance(base.signature, appearance_signature(perturb(rgb), box)))
    finally:
        analyzer.close()
    pairs = sorted(
        (round(signature_distance(a[1], b[1]), 3), a[0], b[0])
        for i, a in enumerate(customers)
        for b in customers[i + 1 :]
    )
    return {
        "threshold": options.person_change_distance,
        "same_photo_perturbed": {
            name: {"median": round(statistics.median(values), 3), "max": round(max(values), 3)}
            for name, values in same.items()
            if values
        },
        "between_photos_closest": [{"distance": d, "a": a, "b": b} for d, a, b in pairs[:3]],
        "between_photos_median": round(statistics.median(d for d, _, _ in pairs), 3) if pairs else None,
    }
