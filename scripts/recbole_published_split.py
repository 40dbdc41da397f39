#!/usr/bin/env python3
"""The split behind RecBole's published BPR quick-start row, and RecBole's spread on it.

RecBole's docs print one run of BPR on ML-100K (test recall@10 0.2523, MRR@10 0.4855, NDCG@10 0.292,
hit@10 0.7953, precision@10 0.1962; best validation epoch 85). Its log says train_batch_size 2048
(the docs' later copy shows a 4096 header over the same numbers) and it predates RecBole 1.0.0's
release. RecBole 1.0.0 run here on the CPU with seed 2020 and batch 2048 prints that row digit for
digit, so its seed-2020 split is the published split.

  export  writes that split as a recbench parts file: one letter per line of u.data, in u.data's
          order (R train, V validation, T test) — ids never leave the data folder.
  runs    trains RecBole's BPR on that same split several times: draw 0 is RecBole's own stream
          (the published run itself), draw s > 0 re-seeds random, NumPy and torch with s after the
          split is made, so only the start and the negative sampling change. Writes every draw's
          best validation and test result to JSON.

Throwaway environment, never a dependency of recbench (RecBole 1.0.0 predates NumPy 1.24, so the
aliases np.float/np.int/np.bool it uses are replaced in the throwaway copy):
  /tmp/torch-venv/bin/pip download recbole==1.0.0 --no-deps -d /tmp/rb100
  /tmp/torch-venv/bin/pip install --no-deps --target /tmp/rb100/lib /tmp/rb100/recbole-1.0.0-py3-none-any.whl
  grep -rl 'np\\.float\\b\\|np\\.int\\b\\|np\\.bool\\b' /tmp/rb100/lib/recbole | \\
      xargs sed -i -E 's/np\\.float\\b/float/g; s/np\\.int\\b/int/g; s/np\\.bool\\b/bool/g'
Run:
  PYTHONPATH=/tmp/rb100/lib /tmp/torch-venv/bin/python scripts/recbole_published_split.py export \\
      --data ../shared/datasets/ml-100k --work /tmp/rbps --out experiments/splits/recbole-1.0.0-ml100k-seed2020.parts
  PYTHONPATH=/tmp/rb100/lib /tmp/torch-venv/bin/python scripts/recbole_published_split.py runs \\
      --data ../shared/datasets/ml-100k --work /tmp/rbps --batch 2048 --draws 0 1 2 3 4 5 6 7 8 9 \\
      --out reports/recbole-bpr-ml100k/recbole-1.0.0-runs-batch2048.json
  (and --batch 4096 → recbole-1.0.0-runs-batch4096.json)
"""
import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recbole_bpr_quickstart import write_atomic, write_runs  # noqa: E402

SPLIT_SEED = 2020


def config_for(data_path: Path, work: Path, batch: int):
    from recbole.config import Config
    return Config(model="BPR", dataset="ml-100k", config_dict={
        "data_path": str(data_path), "use_gpu": False, "seed": SPLIT_SEED, "train_batch_size": batch,
        "eval_batch_size": 4096, "epochs": 500, "show_progress": False, "checkpoint_dir": str(work / "saved"),
        "state": "WARNING", "neg_sampling": {"uniform": 1},
        "eval_args": {"split": {"RS": [0.8, 0.1, 0.1]}, "group_by": "user", "order": "RO", "mode": "full"},
        "metrics": ["Recall", "MRR", "NDCG", "Hit", "Precision"], "topk": 10, "valid_metric": "MRR@10",
        "metric_decimal_place": 4})


def prepared(data_path: Path, work: Path, batch: int):
    """The quick start's own steps up to the split, with the same seeding as run_recbole."""
    import torch
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import init_logger, init_seed
    torch.set_num_threads(1)
    config = config_for(data_path, work, batch)
    init_seed(config["seed"], config["reproducibility"])
    init_logger(config)
    dataset = create_dataset(config)
    train, valid, test = data_preparation(config, dataset)
    return config, dataset, train, valid, test


def export(args) -> None:
    work = Path(args.work)
    data_path = write_atomic(Path(args.data), work)
    _, dataset, train, valid, test = prepared(data_path, work, args.batch)
    part = {}
    for letter, loader in (("R", train), ("V", valid), ("T", test)):
        feat = loader.dataset.inter_feat
        users = dataset.id2token(dataset.uid_field, feat[dataset.uid_field].numpy())
        items = dataset.id2token(dataset.iid_field, feat[dataset.iid_field].numpy())
        for user, item in zip(users, items):
            assert (user, item) not in part, f"pair {user} {item} twice"
            part[(user, item)] = letter
    letters = []
    with open(Path(args.data) / "u.data") as source:
        for line in source:
            user, item = line.split()[:2]
            letters.append(part.pop((user, item)))
    assert not part, f"{len(part)} pairs of RecBole's split are not in u.data"
    import hashlib
    digest = hashlib.sha256((Path(args.data) / "u.data").read_bytes()).hexdigest()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w") as target:
        target.write("# recbench split parts: one letter per interaction of ml-100k in u.data's line order\n")
        target.write("# (R train, V validation, T test). RecBole 1.0.0's RS 80/10/10 split, group_by user,\n")
        target.write(f"# order RO, seed {SPLIT_SEED}: the split of its published BPR quick-start row.\n")
        target.write("# Made by scripts/recbole_published_split.py export.\n")
        target.write(f"# u.data sha256 {digest}\n")
        for start in range(0, len(letters), 100):
            target.write("".join(letters[start:start + 100]) + "\n")
    print({letter: letters.count(letter) for letter in "RVT"})


def runs(args) -> None:
    from recbole.utils import get_model, get_trainer, init_seed
    work = Path(args.work)
    data_path = write_atomic(Path(args.data), work)
    results = []
    for draw in args.draws:
        config, _, train, valid, test = prepared(data_path, work, args.batch)
        if draw != 0:
            init_seed(draw, config["reproducibility"])
        before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
        started = time.time()
        model = get_model(config["model"])(config, train.dataset).to(config["device"])
        trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)
        _, best_valid = trainer.fit(train, valid, saved=True, show_progress=False)
        test_result = trainer.evaluate(test, load_best_model=True, show_progress=False)
        last = max(trainer.train_loss_dict)
        results.append({"draw": draw, "reseeded_with": draw or None, "epochs_run": last + 1,
                        "best_epoch": last + 1 - trainer.cur_step,
                        "seconds": round(time.time() - started, 3),
                        "cpu_seconds": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime - before, 3),
                        "best_valid": dict(best_valid), "test": dict(test_result)})
        print(json.dumps(results[-1]), file=sys.stderr)
    write_runs(results, args.out,
               split=f"RecBole RS 80/10/10 per user, seed {SPLIT_SEED} (the published row's split)",
               train_batch_size=args.batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["export", "runs"])
    parser.add_argument("--data", required=True, help="the ml-100k folder (u.data)")
    parser.add_argument("--work", required=True, help="scratch folder (atomic file, checkpoints)")
    parser.add_argument("--batch", type=int, default=2048, help="train_batch_size (the published log's: 2048)")
    parser.add_argument("--draws", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    export(args) if args.command == "export" else runs(args)


if __name__ == "__main__":
    main()
