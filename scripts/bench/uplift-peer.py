#!/usr/bin/python3
"""Benchmark PEER for the Java/Spark uplift job -- not a dependency of the library.

Trains a Python xgboost T-learner (one XGBClassifier on treated rows, one on
control rows; peer uplift = p1 - p0) on exactly the train/holdout split our Spark
job used, and scores both the peer and our model (the holdout's `uplift` column)
with NumPy re-implementations of scikit-uplift 0.5.1 metrics:
qini_auc_score(negative_effect=True), uplift_auc_score, uplift_at_k (overall and
by_group).  Ties are handled as sklift does: order = argsort(score,
kind="mergesort")[::-1] (stable ascending, reversed: among tied scores the LATER
row comes first), and the curves pool tied scores via np.diff(score).

Split: row_id = 0-based data-line position in --data.  Holdout = the row_ids in
--holdout; every other row of the two arms was a training row.

Needs numpy, pandas, scikit-learn, xgboost only (Debian: python3-xgboost
python3-sklearn python3-pandas; hence /usr/bin/python3, not a pyenv python3).

  /usr/bin/python3 scripts/bench/uplift-peer.py --self-test
  /usr/bin/python3 scripts/bench/uplift-peer.py --data /work/acceptance/hillstrom.csv \
      --holdout /path/to/spark/holdout-dir [--json-out peer.json] [--k 0.3]

Prints one JSON object (rows, metrics for peer_xgboost_t_learner and ours).
Exits non-zero if the holdout's treatment/outcome disagree with the CSV.
"""
import argparse, glob, json, math, os, sys, time

import numpy as np
import pandas as pd
from sklearn.metrics import auc


# ---- scikit-uplift 0.5.1 metrics, re-implemented ---------------------------
def _order(score):
    return np.argsort(score, kind="mergesort")[::-1]  # exactly sklift's order


def _curve(y, score, t, kind):
    """sklift qini_curve (kind='qini') / uplift_curve (kind='uplift')."""
    y, score, t = np.asarray(y), np.asarray(score), np.asarray(t)
    o = _order(score)
    y, score, t = y[o].astype(np.float64), score[o], t[o].astype(np.float64)
    idx = np.r_[np.where(np.diff(score))[0], score.size - 1]  # last row of each tie block
    n = idx + 1
    nt = np.cumsum(t)[idx]
    yt = np.cumsum(y * t)[idx]
    yc = np.cumsum(y * (1 - t))[idx]
    nc = n - nt
    if kind == "qini":
        v = yt - yc * np.divide(nt, nc, out=np.zeros_like(nt), where=nc != 0)
    else:
        v = (np.divide(yt, nt, out=np.zeros_like(yt), where=nt != 0)
             - np.divide(yc, nc, out=np.zeros_like(yc), where=nc != 0)) * n
    if n.size == 0 or v[0] != 0 or n[0] != 0:
        n, v = np.r_[0, n], np.r_[0, v]
    return n, v


def _perfect(y, t, kind):
    y, t = np.asarray(y).astype(np.int64), np.asarray(t).astype(np.int64)
    if kind == "qini":  # perfect_qini_curve(negative_effect=True)
        return _curve(y, y * t - y * (1 - t), t, "qini")
    cr = np.sum((y == 1) & (t == 0))  # control responders
    tn = np.sum((y == 0) & (t == 1))  # treated non-responders
    return _curve(y, 2 * (y == t) + (y if cr > tn else t), t, "uplift")


def _auc_score(y, score, t, kind):
    x, c = _curve(y, score, t, kind)
    xp, cp = _perfect(y, t, kind)
    base = auc(np.array([0, xp[-1]]), np.array([0, cp[-1]]))
    return (auc(x, c) - base) / (auc(xp, cp) - base)


def qini_auc_score(y, score, t):
    return _auc_score(y, score, t, "qini")


def uplift_auc_score(y, score, t):
    return _auc_score(y, score, t, "uplift")


def uplift_at_k(y, score, t, strategy, k=0.3):
    y, t = np.asarray(y), np.asarray(t)
    o = _order(np.asarray(score))
    ys, ts = y[o], t[o]
    with np.errstate(all="ignore"):
        if strategy == "overall":
            n = int(len(y) * k)
            ys, ts = ys[:n], ts[:n]
            return float(ys[ts == 1].mean() - ys[ts == 0].mean()) if n else float("nan")
        nc, nt = int((t == 0).sum() * k), int((t == 1).sum() * k)
        yt, yc = ys[ts == 1][:nt], ys[ts == 0][:nc]
        return float(yt.mean() - yc.mean()) if nt and nc else float("nan")


def self_test():
    y = [0, 0, 0, 0, 1, 0, 0, 1, 1, 1]
    t = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    s = [.9, .1, .35, .2, .05, .8, .15, .7, .6, .3]
    got = (qini_auc_score(y, s, t), uplift_auc_score(y, s, t), uplift_at_k(y, s, t, "overall", 0.3))
    for g, want in zip(got, (0.5333, 0.4375, 0.5)):
        assert abs(g - want) < 5e-5, (got, "want", (0.5333, 0.4375, 0.5))
    return got


# ---- benchmark ---------------------------------------------------------------
def read_holdout(path):
    files = [path] if os.path.isfile(path) else sorted(
        glob.glob(os.path.join(path, "part-*.csv")) or glob.glob(os.path.join(path, "*.csv")))
    files = [f for f in files if os.path.getsize(f) > 0]
    assert files, f"no CSV part files under {path}"
    return pd.concat([pd.read_csv(f) for f in files], ignore_index=True)


def metrics(y, score, t, k):
    nan2none = lambda v: None if v is None or math.isnan(v) else round(float(v), 6)
    return {"qini_auc_score": nan2none(qini_auc_score(y, score, t)),
            "uplift_auc_score": nan2none(uplift_auc_score(y, score, t)),
            f"uplift_at_k_overall@{k}": nan2none(uplift_at_k(y, score, t, "overall", k)),
            f"uplift_at_k_by_group@{k}": nan2none(uplift_at_k(y, score, t, "by_group", k)),
            "distinct_scores": int(np.unique(score).size)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data"), p.add_argument("--holdout")
    p.add_argument("--treatment-column", default="segment")
    p.add_argument("--treated", default="Womens E-Mail")
    p.add_argument("--control", default="No E-Mail")
    p.add_argument("--outcome", default="visit")
    p.add_argument("--numeric", default="recency,history,mens,womens,newbie")
    p.add_argument("--categorical", default="history_segment,zip_code,channel")
    p.add_argument("--n-estimators", type=int, default=200)
    p.add_argument("--max-depth", type=int, default=4)
    p.add_argument("--learning-rate", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--k", type=float, default=0.3)
    p.add_argument("--ours-train-seconds", type=float, default=None,
                   help="our Spark job's training time, copied into the report")
    p.add_argument("--json-out")
    p.add_argument("--self-test", action="store_true", help="only run the metric self-test")
    a = p.parse_args()
    st = self_test()
    if a.self_test:
        print(json.dumps({"self_test": "ok", "qini_auc_score": st[0], "uplift_auc_score": st[1],
                          "uplift_at_k_overall@0.3": st[2]}))
        return
    if not (a.data and a.holdout):
        p.error("--data and --holdout are required")

    import xgboost as xgb
    num = [c for c in a.numeric.split(",") if c]
    cat = [c for c in a.categorical.split(",") if c]
    df = pd.read_csv(a.data)
    df["row_id"] = np.arange(len(df))  # 0-based data-line position
    df = df[df[a.treatment_column].isin([a.treated, a.control])]
    t_all = (df[a.treatment_column] == a.treated).astype(int).to_numpy()
    y_all = df[a.outcome].astype(int).to_numpy()
    X = pd.concat([df[num].astype(float), pd.get_dummies(df[cat].astype(str), dtype=float)], axis=1)
    X = X.to_numpy(np.float32)
    pos = pd.Series(np.arange(len(df)), index=df["row_id"].to_numpy())

    h = read_holdout(a.holdout)
    assert h["row_id"].is_unique, "duplicate row_id in holdout"
    missing = int((~h["row_id"].isin(pos.index)).sum())
    assert missing == 0, f"{missing} holdout row_ids are not rows of the two arms in --data"
    hp = pos.loc[h["row_id"].to_numpy()].to_numpy()
    ht = h["treatment"].astype(float).astype(int).to_numpy()
    hy = h["outcome"].astype(float).astype(int).to_numpy()
    checks = {"treatment_mismatches": int((ht != t_all[hp]).sum()),
              "outcome_mismatches": int((hy != y_all[hp]).sum())}
    if checks["treatment_mismatches"] or checks["outcome_mismatches"]:
        sys.exit(f"holdout disagrees with {a.data}: {checks}")
    ours = h["uplift"].astype(float).to_numpy()
    assert np.isfinite(ours).all(), "non-finite uplift in holdout"

    train = np.ones(len(df), bool)
    train[hp] = False
    params = dict(n_estimators=a.n_estimators, max_depth=a.max_depth, learning_rate=a.learning_rate,
                  random_state=a.seed, tree_method="hist", n_jobs=2)
    t0 = time.perf_counter()
    m1 = xgb.XGBClassifier(**params).fit(X[train & (t_all == 1)], y_all[train & (t_all == 1)])
    m0 = xgb.XGBClassifier(**params).fit(X[train & (t_all == 0)], y_all[train & (t_all == 0)])
    train_s = time.perf_counter() - t0
    peer = m1.predict_proba(X[hp])[:, 1].astype(np.float64) - m0.predict_proba(X[hp])[:, 1]

    out = {"data": a.data, "holdout": a.holdout,
           "arms": {"treated": a.treated, "control": a.control, "outcome": a.outcome},
           "rows": {"train_treated": int((train & (t_all == 1)).sum()),
                    "train_control": int((train & (t_all == 0)).sum()),
                    "holdout": len(hp), "holdout_treated": int(ht.sum()),
                    "holdout_control": int((ht == 0).sum())},
           "checks": checks,
           "peer_xgboost_t_learner": {**metrics(hy, peer, ht, a.k), "train_seconds": round(train_s, 3),
                                      "params": params, "xgboost_version": xgb.__version__},
           "ours": {**metrics(hy, ours, ht, a.k), "train_seconds": a.ours_train_seconds}}
    s = json.dumps(out, indent=2)
    print(s)
    if a.json_out:
        with open(a.json_out, "w") as f:
            f.write(s + "\n")


if __name__ == "__main__":
    main()
