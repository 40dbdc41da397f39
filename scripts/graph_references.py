#!/usr/bin/env python3
"""Reference runs for recbench's graph plugins (issue 8), measured on this machine: the authors'
LightGCN PyTorch code on Gowalla (seconds per training epoch, evaluation time, metrics) and RecBole's
NGCF and LightGCN on MovieLens 100K (Microsoft Recommenders' protocol, split exported by recbench)
and on Gowalla. The results are the reference column of reports/graph-references.json.

A cross-check only, never a recbench dependency; nothing of the reference code is copied here (it
is run from a local copy outside the repository). Set-up, in a throwaway virtualenv:

    python3 -m venv /tmp/torch-venv
    /tmp/torch-venv/bin/pip install -r scripts/graph-references-requirements.txt
    # the authors' code: a checkout of gusye1234/LightGCN-PyTorch (any folder; it is copied)

Runs (each appends one record to --results; one training job at a time, the cores are shared):

    PY=/tmp/torch-venv/bin/python; S=scripts/graph_references.py; R=/tmp/graphref/results.json
    RECBENCH_DATA_DIR=/work/shared/datasets recbench data split ml-100k --method stratified \
        --train-ratio 0.75 --by item --seed 42 --export /tmp/graphref/ml100k-split
    $PY $S recbole-data-split --split-dir /tmp/graphref/ml100k-split --out /tmp/graphref/recbole \
        --name ml100k-strat
    $PY $S recbole-data-gowalla --gowalla /work/shared/datasets/gowalla --out /tmp/graphref/recbole
    $PY $S recbole --model NGCF --data /tmp/graphref/recbole --dataset ml100k-strat --topk 10 \
        --epochs 60 --eval-every 1 --batch 1024 --lr 0.001 --threads 1 --param node_dropout=0.1 \
        --param message_dropout=0.1 --param eval_batch_size=2000000 --results $R
    $PY $S lightgcn-reference --repo PATH/TO/LightGCN-PyTorch --gowalla /work/shared/datasets/gowalla \
        --workdir /tmp/graphref/lightgcn-ref --epochs 2 --eval-after 2 --threads 1 --results $R
    $PY $S recbole --model NGCF --data /tmp/graphref/recbole --dataset gowalla --topk 20 \
        --epochs 5 --eval-at 1,3,5 --batch 2048 --lr 0.001 --threads 1 --param node_dropout=0.1 \
        --param message_dropout=0.1 --param eval_batch_size=10491136 --results $R
    $PY $S summary --results $R

(reports/graph-references.json: the last two were stopped for time after the epochs they record;
each run is saved after every epoch with "complete": false until it ends.) RecBole LightGCN, not
run yet: --model LightGCN --param n_layers=3 --param reg_weight=1e-4 --param require_pow=true
(require_pow makes RecBole's L2 the squared norm / 2 / batch, as the LightGCN paper and code).

Timing: each training epoch and each evaluation is timed with time.perf_counter around the library's
own epoch / evaluation function (data sampling for the epoch included, model set-up and data loading
excluded), together with this process's CPU seconds over the same span and the 1-minute load
average at its end. The machine's 2 vCPUs are shared with other jobs, so wall-clock times grow with
the load; CPU seconds hardly do.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time


# ---------------------------------------------------------------------------------------------
# Records


def load_average():
    return list(os.getloadavg())


class Stopwatch:
    """Wall and process-CPU seconds of one span, with the load at its end."""

    def __enter__(self):
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
        self.load = load_average()[0]
        return False

    def record(self):
        return {"seconds": round(self.wall, 3), "cpu_seconds": round(self.cpu, 3),
                "load_1min": round(self.load, 2)}


def environment():
    import numpy
    env = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load_average()],
        "numpy": numpy.__version__,
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    env["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import torch
        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
        env["torch_interop_threads"] = torch.get_num_interop_threads()
        env["cuda_available"] = torch.cuda.is_available()
    except ImportError:
        pass
    for name in ("recbole", "scipy", "pandas"):
        try:
            env[name] = __import__(name).__version__
        except ImportError:
            pass
    return env


def save_result(path, record):
    """Writes one run into the results document (whole, through a temporary file), replacing the
    run with the same id: a long run is saved after every epoch, so a run stopped early still
    leaves its finished epochs (its "complete" stays false)."""
    doc = {"format": "recbench-graph-references-v1", "runs": []}
    if os.path.exists(path):
        with open(path) as f:
            doc = json.load(f)
    runs = [r for r in doc["runs"] if r.get("id") != record["id"]]
    doc["runs"] = runs + [record]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def run_id():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------------------------
# RecBole atomic files


def write_inter(path, pairs):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("user_id:token\titem_id:token\n")
        for u, i in pairs:
            f.write(f"{u}\t{i}\n")
    os.replace(tmp, path)


def read_split_part(path):
    """A part of `recbench data split --export`: header `user item rating timestamp`, TSV."""
    pairs = []
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:2] != ["user", "item"]:
            fail(f"{path}:1: expected a header starting 'user<TAB>item', found {header!r}")
        for n, line in enumerate(f, start=2):
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 2 or not fields[0] or not fields[1]:
                fail(f"{path}:{n}: expected user and item fields, found {line.rstrip()!r}")
            pairs.append((fields[0], fields[1]))
    return pairs


def cmd_recbole_data_split(args):
    """RecBole benchmark files from a recbench split export. RecBole needs a validation part; the
    export has none, so the test part is written as validation too and RecBole's validation pass
    (which masks training items only) gives the test metrics. RecBole's own test pass would mask
    training + validation items, i.e. every test item, so it is never used."""
    train = read_split_part(os.path.join(args.split_dir, "train.tsv"))
    test = read_split_part(os.path.join(args.split_dir, "test.tsv"))
    valid = read_split_part(os.path.join(args.split_dir, "valid.tsv"))
    if valid:
        fail(f"{args.split_dir}/valid.tsv has {len(valid)} rows; this converter expects no validation part")
    folder = os.path.join(args.out, args.name)
    os.makedirs(folder, exist_ok=True)
    write_inter(os.path.join(folder, f"{args.name}.train.inter"), train)
    write_inter(os.path.join(folder, f"{args.name}.valid.inter"), test)
    write_inter(os.path.join(folder, f"{args.name}.test.inter"), test)
    with open(os.path.join(args.split_dir, "split.json")) as f:
        split = json.load(f)
    with open(os.path.join(folder, "source.json"), "w") as f:
        json.dump({"split_fingerprint": split.get("fingerprint"), "spec": split.get("spec"),
                   "train": len(train), "test": len(test),
                   "valid": "copy of test (no validation part)"}, f, indent=1)
    print(f"{folder}: train {len(train)}, valid = test {len(test)}")


def read_gowalla(path):
    """LightGCN/NGCF format: one line per user, `user item item ...`, space-separated."""
    pairs = []
    with open(path) as f:
        for n, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            try:
                ids = [int(x) for x in fields]
            except ValueError:
                fail(f"{path}:{n}: expected integer ids, found {line.strip()[:60]!r}")
            pairs.extend((ids[0], i) for i in ids[1:])
    return pairs


def cmd_recbole_data_gowalla(args):
    train = read_gowalla(os.path.join(args.gowalla, "train.txt"))
    test = read_gowalla(os.path.join(args.gowalla, "test.txt"))
    folder = os.path.join(args.out, args.name)
    os.makedirs(folder, exist_ok=True)
    write_inter(os.path.join(folder, f"{args.name}.train.inter"), train)
    write_inter(os.path.join(folder, f"{args.name}.valid.inter"), test)
    write_inter(os.path.join(folder, f"{args.name}.test.inter"), test)
    print(f"{folder}: train {len(train)}, valid = test {len(test)}")


# ---------------------------------------------------------------------------------------------
# RecBole


def parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def cmd_recbole(args):
    import torch
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.trainer import Trainer
    from recbole.utils import get_model, init_seed

    if args.threads:
        torch.set_num_threads(args.threads)
    eval_epochs = set()
    if args.eval_at:
        eval_epochs = {int(x) for x in args.eval_at.split(",")}
    if args.eval_every:
        eval_epochs |= set(range(args.eval_every, args.epochs + 1, args.eval_every))
    eval_epochs.add(args.epochs)

    config_dict = {
        "data_path": args.data,
        "benchmark_filename": ["train", "valid", "test"],
        "load_col": {"inter": ["user_id", "item_id"]},
        "use_gpu": False,
        "seed": args.seed,
        "reproducibility": True,
        "epochs": args.epochs,
        "train_batch_size": args.batch,
        "learning_rate": args.lr,
        "stopping_step": 10 ** 9,
        "metrics": ["Recall", "Precision", "NDCG", "MAP"],
        "topk": [args.topk],
        "valid_metric": f"NDCG@{args.topk}",
        "metric_decimal_place": 6,
        "show_progress": False,
        "checkpoint_dir": os.path.join(args.workdir, "saved"),
        "log_wandb": False,
        "worker": 0,
    }
    for item in args.param:
        key, _, value = item.partition("=")
        config_dict[key] = parse_value(value)
    os.makedirs(args.workdir, exist_ok=True)
    os.chdir(args.workdir)
    config = Config(model=args.model, dataset=args.dataset, config_dict=config_dict)
    init_seed(config["seed"], config["reproducibility"])
    with Stopwatch() as setup:
        dataset = create_dataset(config)
        train_data, valid_data, _ = data_preparation(config, dataset)
        init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
        model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
        trainer = Trainer(config, model)
    # Full ranking scores eval_batch_size // n_items users at a time; a batch of whole users.
    users_per_eval_batch = max(1, config["eval_batch_size"] // dataset.item_num)

    hyper = {k: config[k] for k in (
        "embedding_size", "hidden_size_list", "node_dropout", "message_dropout", "n_layers",
        "reg_weight", "require_pow", "learning_rate", "learner", "weight_decay",
        "train_batch_size", "eval_batch_size", "epochs", "seed", "train_neg_sample_args",
        "eval_args", "metrics", "topk", "clip_grad_norm") if k in config}
    record = {
        "id": run_id(),
        "complete": False,
        "kind": "recbole",
        "model": args.model,
        "dataset": args.dataset,
        "label": args.label or f"RecBole {args.model} on {args.dataset}",
        "command": " ".join(sys.argv),
        "environment": environment(),
        "hyperparameters": hyper,
        "config_overrides": config_dict,
        "data": {"users": dataset.user_num - 1, "items": dataset.item_num - 1,
                 "train_interactions": len(train_data._dataset.inter_feat),
                 "eval_interactions": len(valid_data._dataset.inter_feat),
                 "parameters": sum(p.numel() for p in model.parameters()),
                 "users_per_eval_batch": users_per_eval_batch},
        "setup": setup.record(),
        "epochs": [],
    }
    print(json.dumps({k: record[k] for k in ("label", "hyperparameters", "data")}, default=str),
          flush=True)
    for epoch in range(args.epochs):
        with Stopwatch() as train:
            loss = trainer._train_epoch(train_data, epoch, show_progress=False)
        loss = sum(loss) if isinstance(loss, tuple) else loss
        entry = {"epoch": epoch + 1, "loss": float(loss), "train": train.record()}
        if epoch + 1 in eval_epochs:
            with Stopwatch() as ev:
                result = trainer.evaluate(valid_data, load_best_model=False, show_progress=False)
            entry["eval"] = ev.record()
            entry["metrics"] = {k: float(v) for k, v in result.items()}
        record["epochs"].append(entry)
        print(json.dumps(entry), flush=True)
        save_result(args.results, record)
    record["complete"] = True
    save_result(args.results, record)


# ---------------------------------------------------------------------------------------------
# The authors' LightGCN PyTorch code


def copy_reference(repo, workdir):
    """A fresh copy of the repository's code (git HEAD when it is a git directory or checkout).
    It runs unpatched: with torch 2.5.1 on CPU its device selection falls back to "cpu", its
    deprecated torch.sparse.FloatTensor calls only warn, and its C++ sampler (code/sources/
    sampling.cpp, built by cppimport on first import) compiles with g++ as it is."""
    if os.path.exists(workdir):
        shutil.rmtree(workdir)
    os.makedirs(workdir)
    is_git = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True)
    if is_git.returncode == 0:
        commit = is_git.stdout.strip()
        archive = subprocess.run(["git", "-C", repo, "archive", "HEAD", "code"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", workdir], input=archive, check=True)
    else:
        commit = None
        shutil.copytree(os.path.join(repo, "code"), os.path.join(workdir, "code"))
    return commit


def write_normalized_adjacency(data):
    """The code's D^-1/2 A D^-1/2 (A = [[0, R], [R^T, 0]], no self-loops, a zero degree giving a
    zero row), written where its loader looks first (data/gowalla/s_pre_adj_mat.npz, a file the
    authors ship for Gowalla). Its own fallback builds the same matrix through scipy's lil/dok
    formats, which takes more than ten minutes on Gowalla; this is vectorized. Set-up only: the
    timed epochs use the matrix, never build it."""
    import numpy as np
    import scipy.sparse as sp
    train = read_gowalla(os.path.join(data, "train.txt"))
    test = read_gowalla(os.path.join(data, "test.txt"))
    n_users = 1 + max(max(u for u, _ in train), max(u for u, _ in test))
    n_items = 1 + max(max(i for _, i in train), max(i for _, i in test))
    users = np.fromiter((u for u, _ in train), dtype=np.int64, count=len(train))
    items = np.fromiter((i for _, i in train), dtype=np.int64, count=len(train))
    r = sp.csr_matrix((np.ones(len(train), dtype=np.float32), (users, items)),
                      shape=(n_users, n_items))
    a = sp.bmat([[None, r], [r.T, None]], format="csr", dtype=np.float32)
    rowsum = np.asarray(a.sum(axis=1)).flatten()
    with np.errstate(divide="ignore"):
        d_inv = np.power(rowsum, -0.5)
    d_inv[np.isinf(d_inv)] = 0.0
    d = sp.diags(d_inv)
    norm = (d @ a @ d).tocsr().astype(np.float32)
    sp.save_npz(os.path.join(data, "s_pre_adj_mat.npz"), norm)
    return {"users": n_users, "items": n_items, "nnz": int(norm.nnz)}


def cmd_lightgcn_reference(args):
    repo = os.path.abspath(args.repo)
    workdir = os.path.abspath(args.workdir)
    commit = copy_reference(repo, workdir)
    data = os.path.join(workdir, "data", "gowalla")
    os.makedirs(data)
    for name in ("train.txt", "test.txt"):
        shutil.copyfile(os.path.join(args.gowalla, name), os.path.join(data, name))
    if args.precompute_adjacency:
        print("normalized adjacency:", write_normalized_adjacency(data), flush=True)
    child = [sys.executable, os.path.abspath(__file__), "_lightgcn-child",
             "--epochs", str(args.epochs), "--eval-after", args.eval_after,
             "--results", os.path.abspath(args.results), "--commit", commit or "",
             "--command", " ".join(sys.argv),
             "--adjacency", "precomputed by this script" if args.precompute_adjacency
             else "built by the code"]
    if args.threads:
        child += ["--threads", str(args.threads)]
    # The code reads ../data/<dataset> relative to its working directory and parses sys.argv.
    sys.exit(subprocess.run(child, cwd=os.path.join(workdir, "code")).returncode)


def cmd_lightgcn_child(args):
    reference_args = ["--decay=1e-4", "--lr=0.001", "--layer=3", "--seed=2020",
                      "--dataset=gowalla", "--topks=[20]", "--recdim=64", "--bpr_batch=2048",
                      "--tensorboard=0", "--model=lgn", "--testbatch=100", "--multicore=0"]
    sys.argv = ["main.py"] + reference_args
    sys.path.insert(0, os.getcwd())
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    import world
    import utils
    utils.set_seed(world.seed)
    with Stopwatch() as setup:
        import register
        import Procedure
        dataset = register.dataset
        model = register.MODELS[world.model_name](world.config, dataset).to(world.device)
        bpr = utils.BPRLoss(model, world.config)
    eval_after = {int(x) for x in args.eval_after.split(",") if x}
    record = {
        "id": run_id(),
        "complete": False,
        "kind": "lightgcn-reference",
        "model": "LightGCN",
        "dataset": "gowalla",
        "label": "LightGCN-PyTorch (authors' code) on Gowalla",
        "command": args.command,
        "reference_commit": args.commit or None,
        "reference_arguments": reference_args,
        "patches": [],
        "adjacency": args.adjacency,
        "sampler": "C++ (cppimport)" if utils.sample_ext else "Python (C++ extension not loaded)",
        "device": str(world.device),
        "environment": environment(),
        "data": {"users": dataset.n_users, "items": dataset.m_items,
                 "train_interactions": dataset.trainDataSize,
                 "test_interactions": dataset.testDataSize},
        "setup": setup.record(),
        "epochs": [],
    }
    print(json.dumps({k: record[k] for k in ("sampler", "device", "data", "environment")}),
          flush=True)
    for epoch in range(args.epochs):
        with Stopwatch() as train:
            info = Procedure.BPR_train_original(dataset, model, bpr, epoch, neg_k=1, w=None)
        entry = {"epoch": epoch + 1, "log": info, "train": train.record()}
        if epoch + 1 in eval_after:
            with Stopwatch() as ev:
                result = Procedure.Test(dataset, model, epoch, None, world.config["multicore"])
            entry["eval"] = ev.record()
            entry["metrics"] = {f"{name}@20": float(result[name][0])
                                for name in ("recall", "precision", "ndcg")}
        record["epochs"].append(entry)
        print(json.dumps(entry), flush=True)
        save_result(args.results, record)
    record["complete"] = True
    save_result(args.results, record)


def cmd_summary(args):
    """A Markdown table of every run: mean training seconds per epoch (wall and CPU; the first
    epoch, which includes one-off warm-up, is left out of the mean when there are more), evaluation
    seconds, and the metrics of each evaluated epoch."""
    with open(args.results) as f:
        doc = json.load(f)
    print("| run | threads | epochs | train s/epoch (wall) | train CPU s/epoch | eval s | load | metrics |")
    print("|---|---|---|---|---|---|---|---|")
    for run in doc["runs"]:
        epochs = run["epochs"]
        timed = epochs[1:] if len(epochs) > 1 else epochs
        wall = sum(e["train"]["seconds"] for e in timed) / len(timed)
        cpu = sum(e["train"]["cpu_seconds"] for e in timed) / len(timed)
        loads = [e["train"]["load_1min"] for e in epochs]
        evals = [e for e in epochs if "metrics" in e]
        shown = [e for e in evals if e["epoch"] in (1, 3, 5, 10, 20, 40, 60) or e is evals[-1]]
        metrics = "; ".join(
            f"ep {e['epoch']}: " + ", ".join(f"{k} {v:.4f}" for k, v in e["metrics"].items())
            for e in shown)
        eval_s = ", ".join(f"{e['eval']['seconds']:.1f}" for e in evals[-1:])
        print(f"| {run['label']} | {run['environment'].get('torch_threads')} | {len(epochs)} | "
              f"{wall:.2f} | {cpu:.2f} | {eval_s} | {min(loads):.1f}-{max(loads):.1f} | {metrics} |")


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("recbole-data-split", help="RecBole benchmark files from a recbench split export")
    p.add_argument("--split-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--name", default="ml100k-strat")
    p.set_defaults(run=cmd_recbole_data_split)

    p = sub.add_parser("recbole-data-gowalla", help="RecBole benchmark files from gowalla train.txt/test.txt")
    p.add_argument("--gowalla", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--name", default="gowalla")
    p.set_defaults(run=cmd_recbole_data_gowalla)

    p = sub.add_parser("recbole", help="train a RecBole model for a fixed number of epochs, timing each")
    p.add_argument("--model", required=True, help="NGCF or LightGCN")
    p.add_argument("--data", required=True, help="folder holding <dataset>/<dataset>.train.inter ...")
    p.add_argument("--dataset", required=True)
    p.add_argument("--label")
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--eval-at", help="comma-separated epochs after which to evaluate")
    p.add_argument("--eval-every", type=int, help="evaluate every N epochs")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--topk", type=int, required=True)
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--threads", type=int)
    p.add_argument("--param", action="append", default=[],
                   help="extra RecBole setting key=value (value parsed as JSON when it can be)")
    p.add_argument("--workdir", default="/tmp/graphref/recbole-work")
    p.add_argument("--results", required=True)
    p.set_defaults(run=cmd_recbole)

    p = sub.add_parser("lightgcn-reference", help="time the authors' LightGCN PyTorch code on Gowalla")
    p.add_argument("--repo", required=True, help="a checkout (or git directory) of LightGCN-PyTorch")
    p.add_argument("--gowalla", required=True)
    p.add_argument("--workdir", required=True, help="where the copy is made (replaced)")
    p.add_argument("--precompute-adjacency", action=argparse.BooleanOptionalAction, default=True,
                   help="write the normalized adjacency the code would build (much faster)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--eval-after", default="", help="comma-separated epochs after which to test")
    p.add_argument("--threads", type=int)
    p.add_argument("--results", required=True)
    p.set_defaults(run=cmd_lightgcn_reference)

    p = sub.add_parser("_lightgcn-child", help=argparse.SUPPRESS)
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--eval-after", default="")
    p.add_argument("--threads", type=int)
    p.add_argument("--results", required=True)
    p.add_argument("--commit", default="")
    p.add_argument("--command", default="")
    p.add_argument("--adjacency", default="")
    p.set_defaults(run=cmd_lightgcn_child)

    p = sub.add_parser("summary", help="a Markdown table of the runs in a results file")
    p.add_argument("--results", required=True)
    p.set_defaults(run=cmd_summary)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
