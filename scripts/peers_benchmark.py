#!/usr/bin/env python3
"""Run recbench's six top-N models in other libraries on a split exported by recbench, and compare.

  run    fit and evaluate each peer model (implicit, Cornac, Ferrari Dacrema et al.'s RecSys 2019
         reference code) on `recbench data split --export DIR` files, `--repeats` times, and write
         reports/ranking-vs-peers/peers.json with the measured numbers, versions and machine load.
  table  read peers.json and recbench's results.csv (from `recbench report ranking-vs-peers`) and
         write reports/ranking-vs-peers/peers.md — regenerable at any time, nothing re-measured.
  check  the evaluator against docs/metrics.md's worked example (hand-computed values) and, with
         --ledger, per user against the values recbench stored for its own EASE run, using an
         independent float64 numpy EASE.

Accuracy: every peer's *scores* go through one evaluator written here with recbench's definitions
(docs/metrics.md, metric definitions v1): training items masked, the top 10 by score with ties
broken by ascending item index, every test item relevant, users with no test item left out.
Time: wall clock of each library's own fit, and of its own full ranking of every test user's top
10 with training items filtered (its "evaluation"), median of the repeats.

A throwaway environment, never a dependency of recbench:
  python3 -m venv /tmp/peers-venv && /tmp/peers-venv/bin/pip install implicit cornac scikit-learn numpy scipy pandas
The reference code is read from --reference (a checkout of MaurizioFD/RecSys2019_DeepLearning_Evaluation;
only its pure-Python files are used) and is never copied into this repository.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sps

K = 10

# The hyperparameters, written once. The recbench side (experiments/ranking-vs-peers.toml) uses the
# same values; each peer entry below translates them into its library's conventions.
PARAMS = {
    "EASE": {"l2": 500.0},
    "iALS": {"factors": 64, "regularization": 50.0, "alpha": 5.0, "iterations": 15, "solver": "cholesky"},
    "iALS-cg": {"factors": 64, "regularization": 50.0, "alpha": 5.0, "iterations": 15, "solver": "cg", "cg_steps": 3},
    "ItemKNN": {"similarity": "cosine", "topk": 200, "shrink": 10.0},
    "ItemKNN-noshrink": {"similarity": "cosine", "topk": 200, "shrink": 0.0},
    "RP3beta": {"topk": 200, "alpha": 1.0, "beta": 0.6, "normalize": True},
    "RP3beta-prunecols": {"topk": 200, "alpha": 1.0, "beta": 0.6, "normalize": True, "prune_columns": True},
    "SLIM": {"alpha": 0.1, "l1_ratio": 0.05, "topk": 100, "max_iter": 100, "tol": 1e-4, "positive_only": True},
    "PureSVD": {"factors": 20, "oversampling": 20, "power_iterations": 4, "precision": "single"},
}


# --------------------------------------------------------------------------------------------
# Data

class Split:
    """The exported split as a binarised users × items CSR matrix over recbench's dense ids (users
    and items in ascending order of their original integer ids, every item of the dataset)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.record = json.loads((folder / "split.json").read_text())
        train = self._read(folder / "train.tsv")
        test = self._read(folder / "test.tsv")
        users = np.unique(np.concatenate([train[:, 0], test[:, 0]]))
        items = np.unique(np.concatenate([train[:, 1], test[:, 1]]))
        self.user_ids, self.item_ids = users, items
        self.n_users, self.n_items = len(users), len(items)
        uidx = {u: i for i, u in enumerate(users)}
        iidx = {t: i for i, t in enumerate(items)}
        self.train = self._csr(train, uidx, iidx)
        self.test = self._csr(test, uidx, iidx)
        self.test_users = np.flatnonzero(np.diff(self.test.indptr) > 0).astype(np.int64)
        self.train_rows = train
        self.test_rows = test

    @staticmethod
    def _read(path: Path) -> np.ndarray:
        rows = []
        with path.open() as f:
            header = f.readline().rstrip("\n").split("\t")
            if header[:2] != ["user", "item"]:
                sys.exit(f"{path}:1: expected a header starting with user<TAB>item, got {header!r}")
            for line_no, line in enumerate(f, start=2):
                fields = line.rstrip("\n").split("\t")
                try:
                    rows.append((int(fields[0]), int(fields[1])))
                except (ValueError, IndexError):
                    sys.exit(f"{path}:{line_no}: user and item must be integers, got {line.rstrip()!r}")
        return np.array(rows, dtype=np.int64).reshape(-1, 2)

    def _csr(self, rows, uidx, iidx) -> sps.csr_matrix:
        r = np.array([uidx[u] for u in rows[:, 0]], dtype=np.int32)
        c = np.array([iidx[i] for i in rows[:, 1]], dtype=np.int32)
        m = sps.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(self.n_users, self.n_items))
        m.sum_duplicates()
        m.data[:] = 1.0
        return m


# --------------------------------------------------------------------------------------------
# The one evaluator (docs/metrics.md, definitions v1)

def top_k(scores: np.ndarray, seen: sps.csr_matrix, k: int = K) -> np.ndarray:
    """Top-k item indices per row: seen items masked to −∞ (never selected, so a list can be
    shorter; padded with −1), higher score first, ties by ascending item index. A NaN is an error."""
    scores = np.array(scores, dtype=np.float64, copy=True)
    if np.isnan(scores).any():
        raise ValueError("NaN score")
    for row in range(scores.shape[0]):
        scores[row, seen.indices[seen.indptr[row]:seen.indptr[row + 1]]] = -np.inf
    # lexsort's last key is the primary one: descending score, then ascending index.
    n = scores.shape[1]
    order = np.empty((scores.shape[0], k), dtype=np.int64)
    idx = np.arange(n)
    for row in range(scores.shape[0]):
        s = scores[row]
        if n > 4 * k:   # only the candidates at or above the k-th largest can be in the list
            kth = np.partition(s, n - k)[n - k]
            cand = np.flatnonzero(s >= kth)
        else:
            cand = idx
        best = cand[np.lexsort((cand, -s[cand]))][:k]
        best = best[np.isfinite(s[best])]
        order[row, :] = -1
        order[row, :len(best)] = best
    return order


def metrics_of_lists(lists: np.ndarray, users: np.ndarray, test: sps.csr_matrix, k: int = K) -> dict:
    """Mean precision, recall, NDCG and MAP at k over `users` (each with ≥ 1 test item)."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    per = {"precision": [], "recall": [], "ndcg": [], "map": []}
    for row, u in enumerate(users):
        relevant = set(test.indices[test.indptr[u]:test.indptr[u + 1]].tolist())
        assert relevant, f"user {u} has no test item"
        h = np.array([1.0 if i >= 0 and i in relevant else 0.0 for i in lists[row, :k]])
        hits = h.sum()
        per["precision"].append(hits / k)
        per["recall"].append(hits / len(relevant))
        idcg = discounts[:min(len(relevant), k)].sum()
        per["ndcg"].append(float((h * discounts).sum() / idcg))
        precision_at = np.cumsum(h) / np.arange(1, k + 1)
        per["map"].append(float((h * precision_at).sum() / min(len(relevant), k)))
    return {name: float(np.mean(v)) for name, v in per.items()}


def evaluate_scores(score_fn, split: Split, block: int = 256) -> dict:
    """Score every test user through `score_fn(users) -> dense users × items`, then top-k and metrics."""
    lists = []
    for start in range(0, len(split.test_users), block):
        users = split.test_users[start:start + block]
        scores = np.asarray(score_fn(users))
        if scores.shape != (len(users), split.n_items):
            raise ValueError(f"score block has shape {scores.shape}, expected {(len(users), split.n_items)}")
        lists.append(top_k(scores, split.train[users]))
    lists = np.vstack(lists)
    return metrics_of_lists(lists, split.test_users, split.test), lists


# --------------------------------------------------------------------------------------------
# Peers. Each returns (fit, evaluate, scores): fit() trains, evaluate() is the library's own full
# ranking of every test user's top 10 with seen items filtered, scores(users) its dense scores.

def dense(a):
    return a.toarray() if sps.issparse(a) else np.asarray(a)


def peer_implicit_als(split: Split, seed: int, label: str = "iALS"):
    import implicit
    from threadpoolctl import threadpool_limits
    p = PARAMS[label]
    # implicit weighs an observed entry by its stored value c (A += (c − 1)·yyᵀ, b += c·y) times
    # its own `alpha`; recbench's confidence is 1 + α·r with r = 1, so store 1 + α and pass alpha 1.
    # Its regularisation is the plain λ on every factor, as recbench's (no count scaling).
    conf = split.train.copy()
    conf.data[:] = 1.0 + p["alpha"]
    model = implicit.cpu.als.AlternatingLeastSquares(
        factors=p["factors"], regularization=p["regularization"], alpha=1.0, iterations=p["iterations"],
        use_cg=p["solver"] == "cg", calculate_training_loss=False, random_state=seed, num_threads=0)
    model.cg_steps = p.get("cg_steps", 3)   # an attribute, not a constructor argument, in implicit 0.7
    users = split.test_users

    def fit():
        with threadpool_limits(1, "blas"):   # implicit's own advice: its threads, single-threaded BLAS
            model.fit(conf, show_progress=False)

    def evaluate():
        with threadpool_limits(1, "blas"):
            return model.recommend(users, split.train[users], N=K, filter_already_liked_items=True)

    return fit, evaluate, lambda u: model.user_factors[u] @ model.item_factors.T


def peer_implicit_cosine(split: Split, seed: int, transpose: bool = False):
    from implicit.nearest_neighbours import CosineRecommender
    p = PARAMS["ItemKNN-noshrink"]
    # implicit keeps K entries per row of the similarity matrix *including the item itself* and
    # scores x_u·S (each source item's neighbours), has no shrink term: see peers.md.
    model = CosineRecommender(K=p["topk"] + 1, num_threads=0)
    users = split.test_users

    def fit():
        model.fit(split.train, show_progress=False)
        if transpose:   # score each target item from its own neighbours, as recbench and the reference do
            model.similarity = model.similarity.T.tocsr()

    def evaluate():
        return model.recommend(users, split.train[users], N=K, filter_already_liked_items=True)

    return fit, evaluate, lambda u: dense(split.train[u] @ model.similarity)


def peer_cornac_ease(split: Split, seed: int):
    import cornac
    from cornac.eval_methods import BaseMethod
    from cornac.eval_methods.base_method import ranking_eval
    from cornac.metrics import MAP, NDCG, Precision, Recall
    train = [(str(u), str(i), 1.0) for u, i in split.train_rows]
    test = [(str(u), str(i), 1.0) for u, i in split.test_rows]
    method = BaseMethod.from_splits(train_data=train, test_data=test, exclude_unknowns=True, seed=seed, verbose=False)
    # posB=False: Cornac's default clips B at 0, which Steck's EASE (and recbench's) does not.
    model = cornac.models.EASE(lamb=PARAMS["EASE"]["l2"], posB=False, verbose=False, seed=seed)
    uid = method.train_set.uid_map
    iid = method.train_set.iid_map
    # recbench's dense item index → Cornac's index (items only in test are unknown to Cornac: score 0)
    to_cornac = np.array([iid.get(str(i), -1) for i in split.item_ids])
    known = to_cornac >= 0

    def fit():
        model.fit(method.train_set)

    def evaluate():
        return ranking_eval(model, [Precision(k=K), Recall(k=K), NDCG(k=K), MAP()],
                            method.train_set, method.test_set, exclude_unknowns=True)[0]

    def scores(users):
        out = np.zeros((len(users), split.n_items))
        for row, u in enumerate(users):
            out[row, known] = np.asarray(model.score(uid[str(split.user_ids[u])])).ravel()[to_cornac[known]]
        return out

    return fit, evaluate, scores


def reference(path: Path):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
    # The reference (2019) uses NumPy's type aliases removed in NumPy 1.24; give them back as the
    # builtins they always were, rather than edit its code.
    for alias, builtin in (("int", int), ("float", float), ("bool", bool), ("object", object)):
        if alias not in np.__dict__:
            setattr(np, alias, builtin)


def reference_peer(split: Split, make, fit_args: dict):
    model = make(split.train.copy())
    users = split.test_users

    def fit():
        model.fit(**fit_args)

    def evaluate():
        # the reference evaluator's own loop: recommend() on blocks of users, seen items removed
        return [model.recommend(users[s:s + 1000], cutoff=K, remove_seen_flag=True)
                for s in range(0, len(users), 1000)]

    return fit, evaluate, lambda u: dense(model._compute_item_score(u))


def peer_reference_ease(split, seed):
    from EASE_R.EASE_R_Recommender import EASE_R_Recommender
    return reference_peer(split, lambda x: EASE_R_Recommender(x),
                          {"topK": None, "l2_norm": PARAMS["EASE"]["l2"], "verbose": False})


def peer_reference_itemknn(split, seed):
    from KNN.ItemKNNCFRecommender import ItemKNNCFRecommender
    p = PARAMS["ItemKNN"]
    # the reference's normalize=True is the cosine's division by the norms (recbench's cosine);
    # recbench's own `normalize` (row sums to 1) stays false.
    return reference_peer(split, lambda x: ItemKNNCFRecommender(x, verbose=False),
                          {"topK": p["topk"], "shrink": p["shrink"], "similarity": "cosine",
                           "normalize": True, "feature_weighting": "none"})


def peer_reference_rp3beta(split, seed):
    from GraphBased.RP3betaRecommender import RP3betaRecommender
    p = PARAMS["RP3beta"]
    # the reference binarises only together with min_rating > 0; the matrix given is already binary.
    return reference_peer(split, lambda x: RP3betaRecommender(x, verbose=False),
                          {"alpha": p["alpha"], "beta": p["beta"], "topK": p["topk"], "implicit": True,
                           "normalize_similarity": p["normalize"]})


def peer_reference_slim(split, seed):
    from SLIM_ElasticNet.SLIMElasticNetRecommender import SLIMElasticNetRecommender
    p = PARAMS["SLIM"]
    # scikit-learn's ElasticNet(alpha, l1_ratio, positive=True, max_iter=100, tol=1e-4), one per item,
    # the same objective recbench's SLIM solves (its docs: the loss scaled by 1/(2 n_users)).
    return reference_peer(split, lambda x: SLIMElasticNetRecommender(x, verbose=False),
                          {"l1_ratio": p["l1_ratio"], "alpha": p["alpha"], "positive_only": True, "topK": p["topk"]})


def peer_reference_puresvd(split, seed):
    from MatrixFactorization.PureSVDRecommender import PureSVDRecommender
    from sklearn.utils.extmath import randomized_svd
    p = PARAMS["PureSVD"]
    model = PureSVDRecommender(split.train.copy(), verbose=False)
    users = split.test_users

    def fit():
        # the reference's fit() with the oversampling and power iterations recbench uses (its fit
        # takes sklearn's defaults, 10 and 7 here): the same call, explicit arguments.
        u, sigma, vt = randomized_svd(model.URM_train, n_components=p["factors"], n_oversamples=p["oversampling"],
                                      n_iter=p["power_iterations"], random_state=seed)
        model.USER_factors = u * sigma
        model.ITEM_factors = vt.T

    def evaluate():
        return [model.recommend(users[s:s + 1000], cutoff=K, remove_seen_flag=True)
                for s in range(0, len(users), 1000)]

    return fit, evaluate, lambda u: dense(model._compute_item_score(u))


PEERS = [
    # (recbench label, library, peer name, factory, notes)
    ("EASE", "cornac", "cornac.models.EASE(lamb=500, posB=False)", peer_cornac_ease,
     "dense numpy inverse of XᵀX + λI; Cornac's own evaluation scores and sorts every item per user"),
    ("EASE", "reference", "EASE_R_Recommender(l2_norm=500, topK=None)", peer_reference_ease,
     "Ferrari Dacrema et al.'s RecSys 2019 code; np.linalg.inv"),
    ("iALS", "implicit", "implicit AlternatingLeastSquares(factors=64, regularization=50, values 1+α=6, alpha=1, 15 iterations, use_cg=False)",
     peer_implicit_als, "Cholesky solves in C++ (its use_cg=False path); implicit's factors start uniform in [0, 0.01), recbench's N(0, 0.01²)"),
    ("iALS-cg", "implicit", "implicit AlternatingLeastSquares(the same, use_cg=True, cg_steps=3) — its default solver",
     lambda split, seed: peer_implicit_als(split, seed, "iALS-cg"),
     "three conjugate-gradient steps per row warm-started from the previous factors, as recbench's solver = \"cg\""),
    ("ItemKNN", "reference", "ItemKNNCFRecommender(topK=200, shrink=10, cosine, normalize=True)", peer_reference_itemknn,
     "Compute_Similarity_Python (the reference's Cython variant was not built)"),
    ("ItemKNN-noshrink", "implicit", "implicit CosineRecommender(K=201)", peer_implicit_cosine,
     "implicit has no shrink and keeps each *source* item's K neighbours (self included, hence 201); recbench keeps each target item's 200"),
    ("ItemKNN-noshrink", "implicit Sᵀ", "implicit CosineRecommender(K=201), similarity transposed after fit",
     lambda split, seed: peer_implicit_cosine(split, seed, transpose=True),
     "the same similarities with each target item's neighbours scored (recbench's orientation): isolates the orientation from everything else"),
    ("RP3beta", "reference", "RP3betaRecommender(alpha=1, beta=0.6, topK=200, normalize_similarity=True)", peer_reference_rp3beta,
     "no library among implicit, Cornac and RecBole has RP3beta; the reference is its usual implementation"),
    ("RP3beta-prunecols", "reference", "RP3betaRecommender(alpha=1, beta=0.6, topK=200, normalize_similarity=True)", peer_reference_rp3beta,
     "the same reference run, against recbench with prune_columns = true: the reference's similarityMatrixTopK keeps each column's 200 largest too"),
    ("SLIM", "reference", "SLIMElasticNetRecommender(alpha=0.1, l1_ratio=0.05, positive_only=True, topK=100)", peer_reference_slim,
     "scikit-learn ElasticNet per item (max_iter 100, tol 1e-4, random coordinate order); RecBole's SLIMElastic is the same sklearn loop"),
    ("PureSVD", "reference", "PureSVDRecommender + sklearn randomized_svd(20 components, 20 oversamples, 4 power iterations)",
     peer_reference_puresvd, "none of implicit, Cornac and RecBole has PureSVD; the training matrix is float32, so "
     "randomized_svd works in float32 (it casts its test matrix to the input's dtype), as recbench's precision = \"single\""),
]


def library_versions() -> dict:
    out = {"python": platform.python_version()}
    for name in ["numpy", "scipy", "implicit", "cornac", "sklearn", "threadpoolctl"]:
        try:
            out[name] = __import__(name).__version__
        except Exception as error:  # noqa: BLE001 — recorded, not fatal
            out[name] = f"unavailable: {error}"
    try:
        from threadpoolctl import threadpool_info
        out["blas"] = [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "filepath")}
                       for i in threadpool_info()]
    except Exception:  # noqa: BLE001
        pass
    return out


def cmd_run(args) -> None:
    split = Split(Path(args.split))
    reference(Path(args.reference))
    import warnings
    warnings.filterwarnings("ignore")
    selected = [p for p in PEERS if not args.only or p[0] in args.only]
    results = {f"{label}|{lib}": {"model": label, "library": lib, "peer": name, "notes": notes, "runs": []}
               for label, lib, name, _, notes in selected}
    between = []
    for rep in range(1, args.repeats + 1):
        for label, lib, name, factory, _ in selected:
            load_before = os.getloadavg()
            fit, evaluate, scores = factory(split, seed=rep)
            t0 = time.perf_counter()
            fit()
            t1 = time.perf_counter()
            evaluate()
            t2 = time.perf_counter()
            measured, _ = evaluate_scores(scores, split)
            t3 = time.perf_counter()
            run = {"repeat": rep, "fit_seconds": t1 - t0, "eval_seconds": t2 - t1,
                   "our_evaluator_seconds": t3 - t2, "metrics": measured,
                   "loadavg_before": list(load_before), "loadavg_after": list(os.getloadavg())}
            results[f"{label}|{lib}"]["runs"].append(run)
            print(f"[{rep}] {label:16s} {lib:9s} fit {t1 - t0:8.3f}s  own eval {t2 - t1:7.3f}s  "
                  f"ndcg@10 {measured['ndcg']:.4f}  p@10 {measured['precision']:.4f}  load {load_before[0]:.2f}",
                  flush=True)
        if args.between and rep == 1:
            # recbench's own repeats run here, between the peers' first and second repeats, so that
            # both sides see the same machine load.
            started = time.perf_counter()
            load = os.getloadavg()
            subprocess.run(args.between, shell=True, check=True)
            between.append({"command": args.between, "seconds": time.perf_counter() - started,
                            "loadavg_before": list(load), "loadavg_after": list(os.getloadavg())})
    out = {
        "format": "recbench-peers-v1",
        "split": {"folder_name": Path(args.split).name, "fingerprint": split.record["fingerprint"],
                  "spec": split.record["spec"], "counts": split.record["counts"],
                  "users": split.n_users, "items": split.n_items, "test_users": int(len(split.test_users))},
        "cutoff": K,
        "params": PARAMS,
        "repeats": args.repeats,
        "timing": "wall clock (time.perf_counter) of the library's fit, and of its own full ranking of every "
                  "test user's top 10 with training items filtered; median over repeats",
        "accuracy": "the library's scores through this script's evaluator: training items masked, ties by "
                    "ascending item index, every test item relevant, users without test items left out",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}},
        "versions": library_versions(),
        "recbench_runs_between_repeats": between,
        "results": list(results.values()),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(args.out).with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=2) + "\n")
    tmp.replace(args.out)
    print(f"wrote {args.out}")


# --------------------------------------------------------------------------------------------
# Table

def read_recbench(results_csv: Path) -> dict:
    by_label: dict = {}
    with results_csv.open() as f:
        for line_no, row in enumerate(csv.DictReader(f), start=2):
            if row["status"] != "ok" or row["selected"] != "true" or row["protocol"] != "full-ranking":
                continue
            entry = by_label.setdefault(row["label"], {"metrics": {}, "times": {}})
            if row["cutoff"] != str(K):
                continue
            entry["metrics"].setdefault(row["metric"], []).append(float(row["value"]))
            entry["times"][row["seed"]] = (float(row["fit_seconds"]), float(row["eval_seconds"]))
    if not by_label:
        sys.exit(f"{results_csv}: no finished full-ranking runs")
    out = {}
    for label, e in by_label.items():
        fits = [t[0] for t in e["times"].values()]
        evals = [t[1] for t in e["times"].values()]
        out[label] = {"metrics": {m: statistics.mean(v) for m, v in e["metrics"].items()},
                      "fit": statistics.median(fits), "eval": statistics.median(evals), "repeats": len(fits)}
    return out


def fmt_s(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def cmd_table(args) -> None:
    peers = json.loads(Path(args.peers).read_text())
    recbole = None
    if args.recbole and Path(args.recbole).exists():
        recbole = json.loads(Path(args.recbole).read_text())
        if recbole["split"]["fingerprint"] != peers["split"]["fingerprint"]:
            sys.exit(f"{args.recbole}: split fingerprint {recbole['split']['fingerprint']} differs from {args.peers}'s")
        peers["results"] += recbole["results"]
    ours = read_recbench(Path(args.results))
    names = [("precision", "P@10"), ("recall", "R@10"), ("ndcg", "NDCG@10"), ("map", "MAP@10")]
    lines = [
        "# recbench against other libraries: the same models, the same split, the same hyperparameters",
        "",
        "Generated by `python3 scripts/peers_benchmark.py table` from `peers.json` (measured by",
        "`scripts/peers_benchmark.py run`) and `results.csv` (recbench's report of",
        "`experiments/ranking-vs-peers.toml`); regenerate it any time, nothing is re-measured.",
        "",
        f"- Split: {peers['split']['spec']} of MovieLens 100K exported by `recbench data split`, fingerprint "
        f"`{peers['split']['fingerprint'][:16]}…` (the same as the report's); {peers['split']['counts']['train']} train / "
        f"{peers['split']['counts']['test']} test interactions, {peers['split']['test_users']} users evaluated, "
        f"{peers['split']['items']} items ranked.",
        f"- Accuracy: {peers['accuracy']}. recbench's values are the report's (mean over its three seeds).",
        f"- Time: {peers['timing']} ({peers['repeats']} repeats). recbench: fit and evaluation seconds of its "
        "runs (median of the three seeds), evaluation = scoring, masking, top-K and all metrics of every test user.",
        f"- Speed-up = the peer's (fit + eval) / recbench's (fit + eval). The aim is ≥ 3× against the fastest peer of each model.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in peers["versions"].items()
                                   if isinstance(v, str) and not v.startswith("unavailable")) + "."
        + (" RecBole, in its own environment (`scripts/peers_recbole.py` → `peers-recbole.json`): "
           + ", ".join(f"{k} {v}" for k, v in recbole["versions"].items()) + "." if recbole else ""),
        "",
        "| model | library | " + " | ".join(n for _, n in names) + " | fit s | eval s | fit+eval s | speed-up |",
        "|---|---|" + "---:|" * (len(names) + 4),
    ]
    verdicts = []
    for label in dict.fromkeys(r["model"] for r in peers["results"]):
        if label not in ours:
            sys.exit(f"{args.results}: no recbench run labelled {label!r}")
        r = ours[label]
        total = r["fit"] + r["eval"]
        lines.append(f"| {label} | **recbench** | " + " | ".join(f"{r['metrics'][m]:.4f}" for m, _ in names)
                     + f" | {fmt_s(r['fit'])} | {fmt_s(r['eval'])} | {fmt_s(total)} | |")
        fastest = math.inf
        for p in (p for p in peers["results"] if p["model"] == label):
            fit = statistics.median(x["fit_seconds"] for x in p["runs"])
            ev = statistics.median(x["eval_seconds"] for x in p["runs"])
            m = {k: statistics.mean(x["metrics"][k] for x in p["runs"]) for k, _ in names}
            fastest = min(fastest, fit + ev)
            lines.append(f"| {label} | {p['library']} | " + " | ".join(f"{m[k]:.4f}" for k, _ in names)
                         + f" | {fmt_s(fit)} | {fmt_s(ev)} | {fmt_s(fit + ev)} | {(fit + ev) / total:.1f}× |")
            worse = [f"{n} {r['metrics'][k] - m[k]:+.4f}" for k, n in names if round(r["metrics"][k], 4) < round(m[k], 4)]
            verdicts.append((label, p["library"], worse))
        lines[-1] += ""
        speed = fastest / total
        verdicts.append((label, "speed", speed))
    lines += ["", "## Verdicts", ""]
    for label, lib, v in verdicts:
        if lib == "speed":
            pace = f"{v:.1f}× faster than" if v >= 1 else f"{1 / v:.1f}× SLOWER than"
            lines.append(f"- {label}: recbench {pace} the fastest peer (fit + eval, speed-up {v:.2f}) — aim ≥ 3×: "
                         f"{'met' if v >= 3 else 'MISSED'}.")
        else:
            lines.append(f"- {label} vs {lib}: " + ("at least as accurate on all four metrics." if not v
                                                    else "recbench LOWER on " + ", ".join(v) + "."))
    lines += ["", "## The peers", ""]
    for p in peers["results"]:
        lines.append(f"- {p['model']} / {p['library']}: `{p['peer']}` — {p['notes']}.")
    loads = [x["loadavg_before"][0] for p in peers["results"] for x in p["runs"]]
    lines += ["", f"Machine: {peers['machine']['cpus']} vCPUs shared with other workers; 1-minute load average "
              f"during the peer runs {min(loads):.1f}–{max(loads):.1f}."]
    if recbole:
        lines.append("RecBole's runs (its own environment, `peers-recbole.json`) came right after the others, "
                     "under the same kind of load.")
    for b in peers.get("recbench_runs_between_repeats", []):
        lines.append(f"recbench's runs were made between the peers' first and second repeats (`{b['command']}`, "
                     f"load {b['loadavg_before'][0]:.1f} before, {b['loadavg_after'][0]:.1f} after).")
    for extra in (args.findings, args.extra):
        if extra and Path(extra).exists():
            lines += ["", Path(extra).read_text().rstrip()]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


# --------------------------------------------------------------------------------------------
# EASE on 20,000 items against its LAPACK calls

def cmd_ease(args) -> None:
    """ease-lapack.md from recbench's report of experiments/ease-20k-synthetic.toml (its fit times, and the
    plugin's own Gram/inverse split from `recbench run --verbose`) and scripts/ease_lapack_timing.c's output."""
    import re
    fits = {}
    with Path(args.results).open() as f:
        for row in csv.DictReader(f):
            if row["label"] == "EASE" and row["status"] == "ok":
                fits[row["seed"]] = (float(row["fit_seconds"]), float(row["eval_seconds"]))
    if not fits:
        sys.exit(f"{args.results}: no finished EASE run")
    lapack_text = Path(args.lapack).read_text()
    totals = [float(x) for x in re.findall(r"repeat \d+: .*total ([0-9.]+) s", lapack_text)]
    if not totals:
        sys.exit(f"{args.lapack}: no 'repeat N: … total X s' lines")
    header = next((line for line in lapack_text.splitlines() if line.startswith("n = ")), "")
    splits = (re.findall(r"EASE: (\d+) items, Gram ([0-9.]+)s, inverse ([0-9.]+)s", Path(args.log).read_text())
              if args.log and Path(args.log).exists() else [])
    fit = statistics.median(v[0] for v in fits.values())
    lapack = statistics.median(totals)
    lines = [
        "## EASE on 20,000 items against the LAPACK calls it makes",
        "",
        "Generated by `python3 scripts/peers_benchmark.py ease` from `reports/ease-20k-synthetic/results.csv`",
        "(`experiments/ease-20k-synthetic.toml`: 50,000 users, 20,000 items, 5,000,000 synthetic interactions,",
        "80% per user for training) and the output of `scripts/ease_lapack_timing.c` (`ease-lapack-timing.txt`):",
        "dpotrf + dpotri (uplo L, double) on a 20,000 × 20,000 SPD matrix, EASE's only LAPACK calls.",
        "",
        "| what | seconds |",
        "|---|---:|",
    ]
    for index, (seed, (f_s, e_s)) in enumerate(sorted(fits.items())):
        lines.append(f"| recbench EASE fit, seed {seed} (evaluation of 50,000 users: {e_s:.1f} s) | {f_s:.1f} |")
        if index < len(splits):   # the plugin's log lines come in run order, which is seed order here
            _, gram, inverse = splits[index]
            rest = f_s - float(gram) - float(inverse)
            lines.append(f"| … of which Gram matrix (sparse accumulation) / inverse (potrf + potri + mirror) / "
                         f"the rest (copy of X, B = −P/diag P in Float) | {float(gram):.1f} / {float(inverse):.1f} / {rest:.1f} |")
    for i, t in enumerate(totals, 1):
        lines.append(f"| dpotrf + dpotri alone, repeat {i} | {t:.1f} |")
    lines += ["", f"Median EASE fit {fit:.1f} s / median LAPACK {lapack:.1f} s = **{fit / lapack:.2f}×** "
              f"(aim ≤ 1.5×: {'met' if fit / lapack <= 1.5 else 'MISSED'}); timing program: {header}."]
    if args.note:
        lines += ["", args.note]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


# --------------------------------------------------------------------------------------------
# Check

def cmd_check(args) -> None:
    # docs/metrics.md's worked example, at K = 3, values worked out by hand there.
    seen = sps.csr_matrix(([1.0], ([0], [0])), shape=(1, 6))
    test = sps.csr_matrix(([1.0, 1.0, 1.0], ([0, 0, 0], [2, 4, 5])), shape=(1, 6))
    lists = top_k(np.array([[0.9, 0.8, 0.7, 0.1, 0.7, 0.2]]), seen, k=3)
    assert lists.tolist() == [[1, 2, 4]], lists
    m = metrics_of_lists(lists, np.array([0]), test, k=3)
    expected = {"precision": 2 / 3, "recall": 2 / 3, "ndcg": 1.1309 / 2.1309, "map": 0.3889}
    for name, value in expected.items():
        assert abs(m[name] - value) < 1e-4, (name, m[name], value)
    print("worked example of docs/metrics.md: ok", {k: round(v, 4) for k, v in m.items()})
    # a list shorter than K (five items, four seen): precision still divides by K.
    seen = sps.csr_matrix((np.ones(4), ([0] * 4, [0, 1, 2, 3])), shape=(1, 5))
    test = sps.csr_matrix(([1.0], ([0], [4])), shape=(1, 5))
    lists = top_k(np.zeros((1, 5)), seen, k=3)
    assert lists.tolist() == [[4, -1, -1]], lists
    m = metrics_of_lists(lists, np.array([0]), test, k=3)
    assert abs(m["precision"] - 1 / 3) < 1e-12 and m["recall"] == 1 and m["ndcg"] == 1 and m["map"] == 1, m
    print("short list: ok")
    if not args.ledger:
        return
    # per user against recbench's stored values for its EASE run, from an independent float64 EASE
    import sqlite3
    split = Split(Path(args.split))
    x = split.train.astype(np.float64)
    g = (x.T @ x).toarray() + PARAMS["EASE"]["l2"] * np.eye(split.n_items)
    p = np.linalg.inv(g)
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    ours, lists = evaluate_scores(lambda u: dense(x[u] @ b), split)
    db = sqlite3.connect(args.ledger)
    run_id, = db.execute("select id from run where plugin = 'EASE' and status = 'ok' order by id limit 1").fetchone()
    worst = 0.0
    for metric in ["precision", "recall", "ndcg", "map"]:
        users_blob, values_blob = db.execute(
            "select users, \"values\" from perUserMetric where runId = ? and metric = ? and cutoff = ? "
            "and evaluationProtocol = 'full-ranking'", (run_id, metric, K)).fetchone()
        users = np.frombuffer(users_blob, dtype=np.int32)
        values = np.frombuffer(values_blob, dtype=np.float64 if len(values_blob) == 8 * len(users) else np.float32)
        if not np.array_equal(users.astype(np.int64), split.test_users):
            raise SystemExit(f"ledger run {run_id}: the evaluated users differ from the split's test users")
        mine = per_user(lists, split, metric)
        diff = np.abs(values - mine)
        worst = max(worst, float(diff.max()))
        print(f"EASE {metric}@10: recbench {values.mean():.6f}, this evaluator {mine.mean():.6f}, "
              f"users differing {(diff > 1e-6).sum()}, max |diff| {diff.max():.2e}")
    print("per-user check against recbench's ledger:", "ok" if worst < 1e-6 else "DIFFERENCES (see above)")


def per_user(lists, split, metric):
    return np.array([metrics_of_lists(lists[r:r + 1], split.test_users[r:r + 1], split.test)[metric]
                     for r in range(len(split.test_users))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="fit and evaluate the peers, write peers.json")
    run.add_argument("--split", required=True, help="a folder written by `recbench data split --export`")
    run.add_argument("--reference", required=True, help="a checkout of RecSys2019_DeepLearning_Evaluation")
    run.add_argument("--repeats", type=int, default=3)
    run.add_argument("--only", nargs="*", help="recbench labels to run (default: all)")
    run.add_argument("--between", help="a shell command run after the first repeat (recbench's own runs)")
    run.add_argument("--out", default="reports/ranking-vs-peers/peers.json")
    table = sub.add_parser("table", help="peers.json + recbench's results.csv → peers.md")
    table.add_argument("--peers", default="reports/ranking-vs-peers/peers.json")
    table.add_argument("--results", default="reports/ranking-vs-peers/results.csv")
    table.add_argument("--recbole", default="reports/ranking-vs-peers/peers-recbole.json",
                       help="scripts/peers_recbole.py's output, merged when present")
    table.add_argument("--extra", default="reports/ranking-vs-peers/ease-lapack.md",
                       help="a Markdown file appended to the table (the EASE-vs-LAPACK timing), if present")
    table.add_argument("--findings", default="docs/ranking-vs-peers-findings.md",
                       help="hand-written analysis (diagnostic runs, explanations), appended if present")
    table.add_argument("--out", default="reports/ranking-vs-peers/peers.md")
    ease = sub.add_parser("ease", help="EASE 20k fit vs its LAPACK calls → ease-lapack.md")
    ease.add_argument("--results", default="reports/ease-20k-synthetic/results.csv")
    ease.add_argument("--lapack", default="reports/ranking-vs-peers/ease-lapack-timing.txt")
    ease.add_argument("--log", default="reports/ranking-vs-peers/ease-20k-plugin-log.txt",
                      help="the EASE lines of `recbench run --verbose` of that experiment (Gram/inverse split)")
    ease.add_argument("--note", help="a sentence on the machine load, appended")
    ease.add_argument("--out", default="reports/ranking-vs-peers/ease-lapack.md")
    check = sub.add_parser("check", help="check the evaluator by hand and against recbench's ledger")
    check.add_argument("--split", help="the exported split (with --ledger)")
    check.add_argument("--ledger", help="a ledger holding a finished EASE run of experiments/ranking-vs-peers.toml")
    args = parser.parse_args()
    {"run": cmd_run, "table": cmd_table, "ease": cmd_ease, "check": cmd_check}[args.command](args)


if __name__ == "__main__":
    main()
