#!/usr/bin/env python3
"""Evaluate a TREC run against qrels with pytrec_eval (or ranx) and with recbench's v1 definitions.

    python3 scripts/trec_crosscheck.py RUN QRELS [--k 10] [--per-user]
    python3 scripts/trec_crosscheck.py RUN QRELS --k 10 --ledger LEDGER --label MODEL [--tolerance 1e-6]

Run lines are `qid Q0 docid rank score runname`, qrels lines `qid 0 docid relevance`
(relevance > 0 is relevant). Prints, averaged over the qrels users with at least one relevant
item (a user absent from the run scores 0 — trec_eval's `-c`):

  * the reference tool's P@K, Recall@K, nDCG@K and MAP@K (pytrec_eval: P_K, recall_K,
    ndcg_cut_K, map_cut_K; ranx: precision@K, recall@K, ndcg@K, map@K), if one is installed;
  * the same four metrics computed here in plain Python from docs/metrics.md (definition v1).

Where the definitions agree with docs/metrics.md the two columns must match: P@K (hits / K, even
for a shorter list), Recall@K (hits / |T|) and binary nDCG@K (log2(i+1) discount, ideal list of
min(|T|, K) items). MAP@K does not: trec_eval divides AP@K by |T(u)|, recbench v1 by
min(|T(u)|, K) (only pytrec_eval has been run with this script so far; its ranx path is untested, and
whether ranx's map@k divides like trec_eval is not checked here — the per-user rescaling below
assumes it does). The script therefore also prints the tool's MAP rescaled per user,
AP_tool · |T| / min(|T|, K), which must equal recbench's MAP@K.

With --ledger and --label, the values recbench stored for that model (its latest successful run,
protocol full-ranking) are read from the SQLite ledger and the acceptance check is made: the
tool's P@K, Recall@K and nDCG@K, and its MAP@K rescaled to v1, must equal recbench's to within
--tolerance (default 1e-6); the exit status is 1 otherwise, and 2 when neither tool is installed.

Ordering: the tools sort each user's items by score, descending, ignoring the rank column;
trec_eval breaks equal scores by docid in descending string order. The plain-Python reference
sorts by score, descending, equal scores in file order (recbench's import default). recbench's
export writes strictly decreasing scores, so all orders agree on its files.
"""

import argparse
import math
import sys
from collections import defaultdict


def read_run(path):
    run = defaultdict(list)  # qid -> [(score, line order, docid)]
    names = set()
    with open(path) as f:
        for n, line in enumerate(f):
            fields = line.split()
            if not fields:
                continue
            qid, _, docid, _rank, score, name = fields
            run[qid].append((float(score), n, docid))
            names.add(name)
    return run, names


def read_qrels(path):
    qrels = defaultdict(dict)
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields:
                continue
            qid, _, docid, rel = fields
            qrels[qid][docid] = int(rel)
    return qrels


def plain_metrics(ranked, relevant, k):
    """docs/metrics.md, definition v1 (binary relevance)."""
    hits = [1 if d in relevant else 0 for d in ranked[:k]]
    t = len(relevant)
    precision = sum(hits) / k
    recall = sum(hits) / t
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
    idcg = sum(1 / math.log2(i + 2) for i in range(min(t, k)))
    ap_numerator, seen = 0.0, 0
    for i, h in enumerate(hits):
        if h:
            seen += 1
            ap_numerator += seen / (i + 1)
    return {"P": precision, "Recall": recall, "nDCG": dcg / idcg, "MAP": ap_numerator / min(t, k)}


def tool_metrics(run, qrels, k):
    """Per-user metrics from pytrec_eval or ranx: ({qid: {metric: value}}, tool name)."""
    run_dict = {q: {d: s for s, _, d in items} for q, items in run.items()}
    qrels_dict = {q: {d: r for d, r in rels.items()} for q, rels in qrels.items()}
    try:
        import pytrec_eval
        names = {"P": f"P_{k}", "Recall": f"recall_{k}", "nDCG": f"ndcg_cut_{k}", "MAP": f"map_cut_{k}"}
        evaluator = pytrec_eval.RelevanceEvaluator(qrels_dict, {"P", "recall", "ndcg_cut", "map_cut"})
        result = evaluator.evaluate({q: v for q, v in run_dict.items() if q in qrels_dict})
        version = getattr(pytrec_eval, "__version__", "")
        return {q: {m: result[q][name] for m, name in names.items()} for q in result}, f"pytrec_eval {version}".strip()
    except ImportError:
        pass
    try:
        import ranx
        names = {"P": f"precision@{k}", "Recall": f"recall@{k}", "nDCG": f"ndcg@{k}", "MAP": f"map@{k}"}
        q = ranx.Qrels(qrels_dict)
        r = ranx.Run({qid: v for qid, v in run_dict.items() if qid in qrels_dict})
        ranx.evaluate(q, r, list(names.values()))
        scores = r.scores
        return ({qid: {m: scores[name][qid] for m, name in names.items()} for qid in scores[names["P"]]},
                f"ranx {ranx.__version__}")
    except ImportError:
        return None, None


def recbench_values(ledger, label, k, fold):
    """recbench's stored means at cutoff k for the latest successful run labelled `label` (of `fold`, 1-based)."""
    import sqlite3
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    if fold is None:
        row = db.execute("SELECT id FROM run WHERE label = ? AND status = 'ok' ORDER BY id DESC LIMIT 1", (label,)).fetchone()
    else:
        row = db.execute("SELECT id FROM run WHERE label = ? AND status = 'ok' AND fold = ? ORDER BY id DESC LIMIT 1",
                         (label, fold - 1)).fetchone()
    if row is None:
        sys.exit(f"error: {ledger} has no successful run labelled {label!r}")
    run_id = row[0]
    values = {}
    for name, metric in [("P", "precision"), ("Recall", "recall"), ("nDCG", "ndcg"), ("MAP", "map")]:
        found = db.execute("SELECT value FROM metric WHERE runId = ? AND metric = ? AND cutoff = ? AND evaluationProtocol = 'full-ranking'",
                           (run_id, metric, k)).fetchone()
        if found is None:
            sys.exit(f"error: run #{run_id} ({label}) stored no {metric}@{k} under full-ranking")
        values[name] = found[0]
    return run_id, values


def compare_with_ledger(args, tool, tool_name, users, relevant, zero):
    """The acceptance check: the reference tool against recbench's stored values."""
    k = args.k
    run_id, stored = recbench_values(args.ledger, args.label, k, args.fold)
    print()
    if tool is None:
        print("neither pytrec_eval nor ranx is installed: the acceptance check needs one of them")
        sys.exit(2)

    def mean(values):
        return math.fsum(values) / len(values)

    print(f"acceptance: {tool_name} against recbench run #{run_id} ({args.label}) in {args.ledger}, tolerance {args.tolerance:g}")
    print(f"{'metric':<12} {'recbench (ledger)':>24} {tool_name:>24} {'|difference|':>14}")
    ok = True
    for m in ["P", "Recall", "nDCG", "MAP"]:
        if m == "MAP":
            value = mean([tool.get(q, zero)["MAP"] * len(relevant[q]) / min(len(relevant[q]), k) for q in users])
            name = f"MAP@{k}*"
        else:
            value = mean([tool.get(q, zero)[m] for q in users])
            name = f"{m}@{k}"
        difference = abs(value - stored[m])
        ok = ok and difference <= args.tolerance
        print(f"{name:<12} {stored[m]!r:>24} {value!r:>24} {difference:>14.3g}")
    print("ACCEPTED" if ok else "REJECTED")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run")
    parser.add_argument("qrels")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--per-user", action="store_true")
    parser.add_argument("--ledger", help="recbench's SQLite ledger, to compare against its stored values")
    parser.add_argument("--label", help="the model label whose latest successful run to compare (with --ledger)")
    parser.add_argument("--fold", type=int, help="with --ledger: the run of this fold (1-based; default: the latest run)")
    parser.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()
    if (args.ledger is None) != (args.label is None):
        parser.error("--ledger and --label go together")
    k = args.k

    run, names = read_run(args.run)
    qrels = read_qrels(args.qrels)
    users = sorted(q for q, rels in qrels.items() if any(r > 0 for r in rels.values()))
    relevant = {q: {d for d, r in qrels[q].items() if r > 0} for q in users}

    plain = {}
    for q in users:
        ranked = [d for _, _, d in sorted(run.get(q, []), key=lambda e: (-e[0], e[1]))]
        plain[q] = plain_metrics(ranked, relevant[q], k)

    tool, tool_name = tool_metrics(run, qrels, k)
    zero = {"P": 0.0, "Recall": 0.0, "nDCG": 0.0, "MAP": 0.0}
    metrics = ["P", "Recall", "nDCG", "MAP"]

    def mean(values):
        return math.fsum(values) / len(values)

    print(f"run {args.run} ({', '.join(sorted(names))}), qrels {args.qrels}")
    print(f"users with relevant items: {len(users)}; users in the run: {len(run)}; "
          f"relevant users missing from the run (scored 0): {sum(1 for q in users if q not in run)}")
    print(f"cutoff K = {k}")
    print()
    header = f"{'metric':<12} {'plain Python (docs/metrics.md v1)':>36}"
    if tool is not None:
        header += f" {tool_name:>24} {'|difference|':>14}"
    print(header)
    for m in metrics:
        value = mean([plain[q][m] for q in users])
        line = f"{m + '@' + str(k):<12} {value!r:>36}"
        if tool is not None:
            tool_value = mean([tool.get(q, zero)[m] for q in users])
            line += f" {tool_value!r:>24} {abs(tool_value - value):>14.3g}"
        print(line)
    if tool is not None:
        rescaled = mean([tool.get(q, zero)["MAP"] * len(relevant[q]) / min(len(relevant[q]), k) for q in users])
        value = mean([plain[q]["MAP"] for q in users])
        print(f"{'MAP@' + str(k) + '*':<12} {value!r:>36} {rescaled!r:>24} {abs(rescaled - value):>14.3g}")
        print()
        print(f"MAP@{k} differs by definition: {tool_name} divides AP@K by |T(u)|, recbench v1 by min(|T(u)|, K);")
        print(f"MAP@{k}* is the tool's per-user AP rescaled by |T(u)| / min(|T(u)|, K), which must match v1.")
        worst = max(abs(tool.get(q, zero)[m] - plain[q][m]) for q in users for m in ["P", "Recall", "nDCG"])
        worst_map = max(abs(tool.get(q, zero)["MAP"] * len(relevant[q]) / min(len(relevant[q]), k) - plain[q]["MAP"])
                        for q in users)
        print(f"largest per-user difference: P/Recall/nDCG {worst:.3g}, rescaled MAP {worst_map:.3g}")
        ok = worst <= 1e-9 and worst_map <= 1e-9
        print("AGREE" if ok else "DISAGREE")
    else:
        print()
        print("neither pytrec_eval nor ranx is installed: only the plain-Python reference was computed")
        ok = True
    if args.ledger is not None:
        ok = compare_with_ledger(args, tool, tool_name, users, relevant, zero) and ok
    if args.per_user:
        print()
        for q in users:
            print(q, " ".join(f"{m}={plain[q][m]!r}" for m in metrics))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
