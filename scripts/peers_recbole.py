#!/usr/bin/env python3
"""RecBole's EASE, ItemKNN and SLIMElastic on the split scripts/peers_benchmark.py uses; writes
reports/ranking-vs-peers/peers-recbole.json in peers.json's format (peers_benchmark.py `table` merges it).

Runs in its own throwaway environment (RecBole needs PyTorch), for example
  python3 -m venv /tmp/torch-venv && /tmp/torch-venv/bin/pip install torch recbole scikit-learn
  /tmp/torch-venv/bin/python scripts/peers_recbole.py --split DIR --work /tmp/peers/recbole

The split's train and test files become RecBole atomic files read through `benchmark_filename`, so
RecBole trains and tests on exactly those rows. Its validation file holds one training row again
(RecBole insists on a validation part; a training row changes no masking). Accuracy goes through
peers_benchmark.py's evaluator from RecBole's full_sort_predict scores; time is RecBole's own: fit =
building the model (these three compute everything in their constructors; RecBole's one
"training epoch" for them computes nothing), evaluation = Trainer.evaluate on the test part (full
ranking, history masked, its own Precision/Recall/NDCG/MAP@10).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import peers_benchmark as pb  # noqa: E402 — the shared split reader, parameters and evaluator

DATASET = "peers"


def write_atomic(split: pb.Split, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    header = "user_id:token\titem_id:token\n"
    for part, rows in (("train", split.train_rows), ("test", split.test_rows), ("valid", split.train_rows[:1])):
        with (folder / f"{DATASET}.{part}.inter").open("w") as f:
            f.write(header)
            f.writelines(f"{u}\t{i}\n" for u, i in rows)


def model_settings() -> dict:
    p = pb.PARAMS
    return {
        "EASE": {"reg_weight": p["EASE"]["l2"]},
        "ItemKNN": {"k": p["ItemKNN"]["topk"], "shrink": p["ItemKNN"]["shrink"], "knn_method": "item"},
        # hide_item zeroes the target column, as recbench's w_jj = 0; RecBole keeps every weight (no top-k).
        "SLIMElastic": {"alpha": p["SLIM"]["alpha"], "l1_ratio": p["SLIM"]["l1_ratio"],
                        "positive_only": p["SLIM"]["positive_only"], "hide_item": True},
    }


LABELS = {"EASE": "EASE", "ItemKNN": "ItemKNN", "SLIMElastic": "SLIM"}
NOTES = {
    "EASE": "float32 Gram matrix, np.linalg.inv; scores X·B for the users asked",
    "ItemKNN": "RecBole's ComputeSimilarity (the reference's Python code), each target item's top k; the whole users × items score matrix is built in the constructor",
    "SLIMElastic": "scikit-learn ElasticNet per item (max_iter 100, tol 1e-4, random order) on a LIL matrix; keeps every weight (no top-k; recbench's SLIM with topk = 100000 gave the same NDCG@10 as with 100)",
}


def run_one(name: str, data_dir: Path, seed: int, split: pb.Split):
    import torch
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.data.interaction import Interaction
    from recbole.trainer import Trainer
    from recbole.utils import get_model, init_seed

    config = Config(model=name, dataset=DATASET, config_dict={
        "data_path": str(data_dir), "benchmark_filename": ["train", "valid", "test"],
        "load_col": {"inter": ["user_id", "item_id"]},
        "eval_args": {"group_by": "user", "order": "RO", "mode": "full"},
        "metrics": ["Precision", "Recall", "NDCG", "MAP"], "topk": [pb.K], "valid_metric": "NDCG@10",
        "train_neg_sample_args": None, "epochs": 1, "seed": seed, "reproducibility": True,
        "show_progress": False, "use_gpu": False, "device": "cpu", "state": "ERROR",
        "checkpoint_dir": str(data_dir / "saved"), **model_settings()[name]})
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train_data, _, test_data = data_preparation(config, dataset)
    load = os.getloadavg()
    t0 = time.perf_counter()
    model = get_model(name)(config, train_data.dataset).to(config["device"])
    t1 = time.perf_counter()
    own = Trainer(config, model).evaluate(test_data, load_best_model=False, show_progress=False)
    t2 = time.perf_counter()

    # RecBole's internal ids → the split's dense indices
    user_token = dataset.field2token_id["user_id"]
    item_tokens = dataset.field2id_token["item_id"]
    dense_item = {str(t): i for i, t in enumerate(split.item_ids)}
    columns = np.array([dense_item.get(str(t), -1) for t in item_tokens])   # [PAD] → −1
    valid = columns >= 0

    def scores(users):
        ids = torch.tensor([user_token[str(split.user_ids[u])] for u in users])
        with torch.no_grad():
            s = model.full_sort_predict(Interaction({"user_id": ids})).reshape(len(users), -1).cpu().numpy()
        out = np.zeros((len(users), split.n_items))
        out[:, columns[valid]] = s[:, valid]
        return out

    measured, _ = pb.evaluate_scores(scores, split)
    t3 = time.perf_counter()
    return {"fit_seconds": t1 - t0, "eval_seconds": t2 - t1, "our_evaluator_seconds": t3 - t2,
            "metrics": measured, "recbole_own_metrics": {k: float(v) for k, v in own.items()},
            "loadavg_before": list(load), "loadavg_after": list(os.getloadavg())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", required=True)
    parser.add_argument("--work", required=True, help="a scratch folder for RecBole's files")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--out", default="reports/ranking-vs-peers/peers-recbole.json")
    args = parser.parse_args()
    split = pb.Split(Path(args.split))
    work = Path(args.work).resolve()
    write_atomic(split, work / DATASET)
    os.chdir(work)   # RecBole writes log/ and saved/ into the working directory
    import warnings
    warnings.filterwarnings("ignore")
    names = [n for n in model_settings() if not args.only or n in args.only]
    results = {n: {"model": LABELS[n], "library": "recbole", "peer": f"recbole {n}({model_settings()[n]})",
                   "notes": NOTES[n], "runs": []} for n in names}
    for rep in range(1, args.repeats + 1):
        for n in names:
            run = run_one(n, work, rep, split)
            run["repeat"] = rep
            results[n]["runs"].append(run)
            print(f"[{rep}] {n:12s} fit {run['fit_seconds']:8.3f}s  own eval {run['eval_seconds']:7.3f}s  "
                  f"ndcg@10 {run['metrics']['ndcg']:.4f} (RecBole's own {run['recbole_own_metrics'].get('ndcg@10', float('nan')):.4f})  "
                  f"load {run['loadavg_before'][0]:.2f}", flush=True)
    import recbole
    import scipy
    import sklearn
    import torch
    out = {"format": "recbench-peers-v1", "split": {"fingerprint": split.record["fingerprint"], "spec": split.record["spec"]},
           "command": " ".join([Path(sys.executable).name, *sys.argv]),
           "versions": {"python": platform.python_version(), "recbole": recbole.__version__, "torch": torch.__version__,
                        "numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
           "torch_threads": torch.get_num_threads(), "repeats": args.repeats, "results": list(results.values())}
    out_path = Path(args.out) if Path(args.out).is_absolute() else Path(os.environ.get("PWD", ".")) / args.out
    out_path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {out_path}")
    _ = statistics  # the medians are taken by peers_benchmark.py table


if __name__ == "__main__":
    main()
