#!/usr/bin/env python3
"""Surprise's own benchmark on MovieLens 100K, measured on this machine: the reference column of
recbench's side-by-side table (reports/reproduce-surprise-ml100k/surprise-timings.json).

A cross-check only, never a recbench dependency. Run it in a throwaway virtualenv outside the
repository:

    python3 -m venv /tmp/surprise-venv
    /tmp/surprise-venv/bin/pip install "numpy<2" scikit-surprise
    /tmp/surprise-venv/bin/python scripts/surprise_benchmark.py \
        --output reports/reproduce-surprise-ml100k/surprise-timings.json

Protocols, every algorithm with its default parameters (as Surprise's examples/benchmark.py,
which seeds numpy and random with 0 and gives random_state=0 to SVD, SVD++, NMF and CoClustering):
  kfold   KFold(n_splits=5, shuffle=True, random_state=0) over u.data, the published table's split;
  u1-u5   the predefined folds u1.base/u1.test ... u5.base/u5.test, recbench's own check.
RMSE and MAE are means over the 5 folds; test pairs whose user or item is unknown in training get
the training mean (Surprise's default prediction); estimates are clipped to [1, 5]. Times are the
sums over folds of Surprise's fit and test times (single process, n_jobs=1). Those are wall-clock
times and grow when the machine is shared; cpu_seconds (this process's CPU time over the whole
cross-validation, splitting and scoring included) hardly does, and each result records the load.

Prints one JSON object per algorithm (one line each) as it finishes (Surprise's own progress
messages go to stderr); --output also writes the whole document with its header (versions, CPU,
date, load).
"""

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import random
import sys
import time

import numpy as np
import surprise
from surprise import (
    NMF,
    SVD,
    BaselineOnly,
    CoClustering,
    Dataset,
    KNNBaseline,
    KNNBasic,
    KNNWithMeans,
    KNNWithZScore,
    NormalPredictor,
    Reader,
    SlopeOne,
    SVDpp,
)
from surprise.model_selection import KFold, PredefinedKFold, cross_validate

# Surprise's published ML-100K table (README, 5-fold CV, default parameters).
PUBLISHED = {
    "SVD": (0.934, 0.737),
    "SVDpp": (0.919, 0.721),
    "NMF": (0.963, 0.758),
    "SlopeOne": (0.946, 0.743),
    "KNNBasic": (0.980, 0.774),
    "KNNWithMeans": (0.951, 0.749),
    "KNNBaseline": (0.931, 0.733),
    "CoClustering": (0.963, 0.753),
    "BaselineOnly": (0.944, 0.748),
    "NormalPredictor": (1.518, 1.219),
}

# name -> (factory, parameters beyond the defaults); the benchmark's random_state=0 where it has one.
ALGORITHMS = {
    "SVD": (SVD, {"random_state": 0}),
    "SVDpp": (SVDpp, {"random_state": 0}),
    "NMF": (NMF, {"random_state": 0}),
    "SlopeOne": (SlopeOne, {}),
    "KNNBasic": (KNNBasic, {}),
    "KNNWithMeans": (KNNWithMeans, {}),
    "KNNWithZScore": (KNNWithZScore, {}),  # not in the published table; recbench has the plugin
    "KNNBaseline": (KNNBaseline, {}),
    "CoClustering": (CoClustering, {"random_state": 0}),
    "BaselineOnly": (BaselineOnly, {}),
    "NormalPredictor": (NormalPredictor, {}),
}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run(factory, params, data, splitter):
    """Cross-validates a fresh model; per-fold and mean RMSE/MAE and summed times."""
    started, cpu_started = time.perf_counter(), time.process_time()
    # The k-NN and baseline algorithms print progress on stdout; keep stdout for the JSON lines.
    with contextlib.redirect_stdout(sys.stderr):
        out = cross_validate(factory(**params), data, ["rmse", "mae"], splitter, n_jobs=1)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    fit = float(np.sum(out["fit_time"]))
    test = float(np.sum(out["test_time"]))
    return {
        "rmse": float(np.mean(out["test_rmse"])),
        "mae": float(np.mean(out["test_mae"])),
        "rmse_folds": [float(x) for x in out["test_rmse"]],
        "mae_folds": [float(x) for x in out["test_mae"]],
        "fit_seconds": round(fit, 3),
        "test_seconds": round(test, 3),
        "fit_test_seconds": round(fit + test, 3),
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("RECBENCH_DATA_DIR", "/work/shared/datasets"),
                        help="folder holding ml-100k/ (default: $RECBENCH_DATA_DIR or /work/shared/datasets)")
    parser.add_argument("--algorithms", default=",".join(ALGORITHMS),
                        help="comma-separated subset of: " + ", ".join(ALGORITHMS))
    parser.add_argument("--protocols", default="kfold,u1-u5", help="comma-separated subset of: kfold, u1-u5")
    parser.add_argument("--output", help="write the whole JSON document here as well")
    args = parser.parse_args()

    names = [name.strip() for name in args.algorithms.split(",") if name.strip()]
    unknown = [name for name in names if name not in ALGORITHMS]
    protocols = [p.strip() for p in args.protocols.split(",") if p.strip()]
    if unknown or not set(protocols) <= {"kfold", "u1-u5"}:
        parser.error("unknown algorithm or protocol: " + ", ".join(unknown + protocols))

    folder = os.path.join(args.data_dir, "ml-100k")
    ratings = os.path.join(folder, "u.data")
    reader = Reader("ml-100k")  # "user item rating timestamp", tab-separated, scale 1-5
    full = Dataset.load_from_file(ratings, reader=reader)
    folds = [(os.path.join(folder, f"u{k}.base"), os.path.join(folder, f"u{k}.test")) for k in range(1, 6)]
    predefined = Dataset.load_from_folds(folds, reader=reader)

    # As examples/benchmark.py: NormalPredictor draws from numpy's global generator.
    np.random.seed(0)
    random.seed(0)

    document = {
        "generated_by": "scripts/surprise_benchmark.py",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "surprise_version": surprise.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "dataset": {"path": ratings, "sha256": sha256(ratings), "ratings": len(full.raw_ratings)},
        "protocols": {
            "kfold": "KFold(n_splits=5, shuffle=True, random_state=0) over u.data (the published table's protocol)",
            "u1-u5": "PredefinedKFold over u1.base/u1.test ... u5.base/u5.test",
        },
        "notes": "rmse/mae: means over 5 folds; unknown user or item -> training mean; clipped to [1, 5]. "
                 "fit/test/fit_test_seconds: sums over folds of Surprise's wall-clock fit and test times, n_jobs=1; "
                 "cpu_seconds: the process's CPU time for the whole cross-validation (robust to a shared machine). "
                 "Parameters: Surprise defaults; random_state=0 where the benchmark sets it.",
        "results": [],
    }

    splitters = {"kfold": (full, KFold(n_splits=5, shuffle=True, random_state=0)),
                 "u1-u5": (predefined, PredefinedKFold())}
    for name in names:
        factory, params = ALGORITHMS[name]
        entry = {"algorithm": name, "parameters": params}
        if name in PUBLISHED:
            entry["published"] = {"rmse": PUBLISHED[name][0], "mae": PUBLISHED[name][1]}
        for protocol in protocols:
            data, splitter = splitters[protocol]
            entry[protocol] = run(factory, params, data, splitter)
        # The machine may be shared: the 1-minute load when the algorithm finished tells how busy.
        entry["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
        print(json.dumps(entry), flush=True)
        document["results"].append(entry)

    document["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as stream:
            json.dump(document, stream, indent=2)
            stream.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
