#!/usr/bin/env python3
"""Independent re-computation of GenrePopularity on experiments/hybrid-ml100k.toml's split.

Re-implements, from the definitions only (docs/writing-a-plugin.md, docs/experiment-format.md,
docs/metrics.md), the global temporal 80/20 split of MovieLens 100K with the latest 10% of train as
validation, the weighted rating WR = v/(v+m)·R + m/(v+m)·C with each user's 3 most frequent genres
among training items rated >= 4 ranked first, full ranking with train and validation items masked,
ties by ascending item id, and Precision@10 / nDCG@10 over test users with a relevant item — and
prints them, overall and for users with no training interaction, to set beside the report.

    python3 scripts/genre_popularity_crosscheck.py /path/to/ml-100k
"""
import math
import sys
from collections import Counter, defaultdict

GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]


def main(folder, m=10.0, top=3, like=4.0, k=10):
    rows = []
    with open(f"{folder}/u.data") as f:
        for line in f:
            u, i, r, t = line.split("\t")
            rows.append((int(u), int(i), float(r), int(t)))
    item_genres = {}
    with open(f"{folder}/u.item", encoding="latin-1") as f:
        for line in f:
            fields = line.rstrip("\n").split("|")
            item_genres[int(fields[0])] = {GENRES[g] for g, flag in enumerate(fields[5:]) if flag == "1"}
    items = sorted(item_genres)  # dense ids: ascending original ids

    def latest(indices, fraction):
        order = sorted(indices, key=lambda x: (rows[x][3], x))
        n_test = round(len(order) * fraction)
        return order[:len(order) - n_test], order[len(order) - n_test:]

    train_all, test = latest(range(len(rows)), 0.2)
    train, validation = latest(sorted(train_all), 0.1)

    count, total = Counter(), defaultdict(float)
    for x in train:
        count[rows[x][1]] += 1
        total[rows[x][1]] += rows[x][2]
    c = sum(rows[x][2] for x in train) / len(train)
    wr = {i: (count[i] / (count[i] + m) * (total[i] / count[i]) if count[i] else 0) + m / (count[i] + m) * c for i in items}
    boost = max(wr.values()) - min(wr.values()) + 1

    history = defaultdict(list)
    for x in train:
        history[rows[x][0]].append(x)
    seen = defaultdict(set)
    for x in train + validation:
        seen[rows[x][0]].add(rows[x][1])
    relevant = defaultdict(set)
    for x in test:
        relevant[rows[x][0]].add(rows[x][1])

    results = {"all": [], "new": []}
    for user, truth in relevant.items():
        genre_count = Counter(g for x in history[user] if rows[x][2] >= like for g in item_genres[rows[x][1]])
        liked = {g for g, _ in sorted(genre_count.items(), key=lambda e: (-e[1], e[0]))[:top]}
        score = {i: wr[i] + (boost if liked and item_genres[i] & liked else 0) for i in items if i not in seen[user]}
        ranked = sorted(score, key=lambda i: (-score[i], i))[:k]
        hits = [1 if i in truth else 0 for i in ranked]
        dcg = sum(h / math.log2(r + 2) for r, h in enumerate(hits))
        idcg = sum(1 / math.log2(r + 2) for r in range(min(len(truth), k)))
        values = (sum(hits) / k, dcg / idcg)
        results["all"].append(values)
        if not history[user]:
            results["new"].append(values)
    for name, values in results.items():
        print(f"{name}: {len(values)} users, precision@{k} {sum(v[0] for v in values) / len(values):.4f}, "
              f"ndcg@{k} {sum(v[1] for v in values) / len(values):.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/ml-100k")
