#!/usr/bin/env python3
"""RecBole's BPR quick start on MovieLens 100K, run here, once per seed — the side-by-side check for
experiments/recbole-bpr-ml100k-draws.toml.

RecBole's published quick-start row is one run (seed 2020). Its split (RS 80/10/10 per user), its
initialisation and its sampling all follow the seed, and the test values move a lot with it, so
this script runs RecBole's own code for several seeds on this machine and writes every run's best
validation and test result to a JSON file (reports/recbole-bpr-ml100k-draws/recbole-1.2.1-runs-batch*.json), which the
experiment file's second set of [[reference]] values (their means) comes from.

Throwaway environment, never a dependency of recbench:
  python3 -m venv /tmp/torch-venv && /tmp/torch-venv/bin/pip install torch recbole
Run:
  /tmp/torch-venv/bin/python scripts/recbole_bpr_quickstart.py --data ../shared/datasets/ml-100k \
      --work /tmp/rbq --seeds 2020 2021 2022 2023 2024 --batch 4096 \
      --out reports/recbole-bpr-ml100k-draws/recbole-1.2.1-runs-batch4096.json

The atomic file RecBole reads (ml-100k.inter) is written from u.data: all 100,000 ratings, no
threshold, as RecBole's own ml-100k download. Settings are RecBole 1.2's defaults (overall.yaml)
except those the issue states: epochs 500 and train_batch_size 4096 (--batch; the published row's
own log shows 2048, see the experiment file); CPU, one torch thread.
"""
import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path


def write_atomic(data: Path, work: Path) -> Path:
    folder = work / "dataset" / "ml-100k"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "ml-100k.inter"
    with open(data / "u.data") as source, open(target, "w") as out:
        out.write("user_id:token\titem_id:token\trating:float\ttimestamp:float\n")
        for line in source:
            user, item, rating, stamp = line.split()
            out.write(f"{user}\t{item}\t{rating}\t{stamp}\n")
    return work / "dataset"


def run_one(seed: int, data_path: Path, work: Path, batch: int, epochs: int) -> dict:
    import torch
    import recbole.quick_start.quick_start as quick_start
    from recbole.quick_start import run_recbole
    torch.set_num_threads(1)
    # run_recbole does not return its trainer; keep it to read how many epochs ran and which was best.
    trainers = []
    original_get_trainer = quick_start.get_trainer
    def keeping_get_trainer(*args, **kwargs):
        trainer_class = original_get_trainer(*args, **kwargs)
        def make(*a, **k):
            trainers.append(trainer_class(*a, **k))
            return trainers[-1]
        return make
    quick_start.get_trainer = keeping_get_trainer
    before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    started = time.time()
    result = run_recbole(model="BPR", dataset="ml-100k", config_dict={
        "data_path": str(data_path), "use_gpu": False, "seed": seed, "train_batch_size": batch, "epochs": epochs,
        "show_progress": False, "checkpoint_dir": str(work / "saved"), "state": "WARNING"})
    quick_start.get_trainer = original_get_trainer
    # train_loss_dict is keyed by 0-based epoch; cur_step counts the evaluations since the best one
    # (eval_step 1), so the best epoch, 1-based as recbench counts, is last + 1 − cur_step.
    trainer = trainers[-1]
    last = max(trainer.train_loss_dict)
    return {"seed": seed, "train_batch_size": batch, "epochs": epochs,
            "epochs_run": last + 1, "best_epoch": last + 1 - trainer.cur_step,
            "seconds": round(time.time() - started, 3),
            "cpu_seconds": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime - before, 3),
            "best_valid": dict(result["best_valid_result"]), "test": dict(result["test_result"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the ml-100k folder (u.data)")
    parser.add_argument("--work", required=True, help="scratch folder (atomic file, checkpoints)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[2020, 2021, 2022, 2023, 2024])
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    work = Path(args.work)
    data_path = write_atomic(Path(args.data), work)
    runs = []
    for seed in args.seeds:
        runs.append(run_one(seed, data_path, work, args.batch, args.epochs))
        print(json.dumps(runs[-1]), file=sys.stderr)
    write_runs(runs, args.out)


def write_runs(runs: list, path: str, **described) -> None:
    """The runs and their mean test values as recbench-recbole-runs-v1 JSON (also used by
    recbole_published_split.py); `described` adds fields after the dataset's."""
    import recbole
    import torch
    metrics = list(runs[0]["test"].keys())
    mean = {m: round(sum(r["test"][m] for r in runs) / len(runs), 4) for m in metrics}
    out = {"format": "recbench-recbole-runs-v1", "model": "BPR", "dataset": "ml-100k (u.data, all 100,000 ratings)",
           **described,
           "command": " ".join([Path(sys.executable).name] + sys.argv),
           "versions": {"python": platform.python_version(), "recbole": recbole.__version__, "torch": torch.__version__},
           "load_average_at_end": list(os.getloadavg()), "runs": runs, "test_mean": mean}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(mean))


if __name__ == "__main__":
    main()
