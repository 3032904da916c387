#!/usr/bin/python3
"""Benchmark PEER for the Java/Spark uplift job -- not a dependency of the library.

Fits the Python xgboost counterparts of our uplift learners on exactly the train/holdout split our
Spark job used, with the same rounds, depth and learning rate, and scores each peer and each of
our learners (the holdout's `uplift` column) with NumPy re-implementations of scikit-uplift 0.5.1
metrics: qini_auc_score(negative_effect=True), uplift_auc_score, uplift_at_k (overall and
by_group).  Ties are handled as sklift does: order = argsort(score, kind="mergesort")[::-1]
(stable ascending, reversed: among tied scores the LATER row comes first), and the curves pool
tied scores via np.diff(score).

Learners (as causalml and the literature define them; details in fit_peers):
  t   one classifier per arm, uplift = mu1 - mu0
  s   one classifier with the treatment as a feature, uplift = f(x, 1) - f(x, 0)
  x   Kunzel et al. 2019, uplift = e tau0 + (1 - e) tau1
  dr  Kennedy's DR-learner: cross-fitted pseudo-outcome regression (on OUR two folds)
Categoricals one-hot (pd.get_dummies) and xgboost's own defaults otherwise (tree_method: 1.7's
'auto', i.e. exact split finding on data this size), as a Python user writes it; --tree-method,
--max-bin, --encoding ordinal and --base-score exist for controlled experiments.

Split: row_id = 0-based data-line position in --data.  Holdout = the row_ids in the holdout(s);
every other row of the two arms was a training row.  All holdouts given must hold the same rows.
--check-split also recomputes our split (Spark's xxhash64, re-implemented) and requires it equal.

Needs numpy, pandas, scikit-learn, xgboost only (Debian: python3-xgboost
python3-sklearn python3-pandas; hence /usr/bin/python3, not a pyenv python3).

  /usr/bin/python3 scripts/bench/uplift-peer.py --self-test
  /usr/bin/python3 scripts/bench/uplift-peer.py --data /work/acceptance/hillstrom.csv \
      --ours t=RUN_T/holdout --ours s=RUN_S/holdout --ours x=RUN_X/holdout --ours dr=RUN_DR/holdout \
      [--check-split 0.5] [--json-out peer.json] [--k 0.3]
  (--holdout PATH alone = --ours t=PATH, as before)

Prints one JSON object (rows, checks, per learner: peer and ours metrics, their correlation) on
stdout and a table of Qini / AUUC / uplift@k, ours beside the peer's, on stderr.
Exits non-zero if the holdout's treatment/outcome disagree with the CSV.
"""
import argparse, glob, json, math, os, struct, sys, time

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


# ---- our split, re-implemented ----------------------------------------------
# ModelTrainer.splitNumber(id, seed) = pmod(xxhash64(CAST(id AS STRING), seed), 1e9+7) / (1e9+7), where
# Spark's xxhash64(string, long) is XXH64 of the string's UTF-8 bytes with Spark's seed 42, then
# XXH64 of the long (8 bytes, little-endian) seeded with that hash.  The peer uses it for the DR
# learner's folds (ours: fold 0 where splitNumber(id, seed + 1) < 0.5) and checks it against the
# holdout (splitNumber(id, seed) < test-fraction).
M = (1 << 64) - 1
P1, P2, P3, P4, P5 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
rotl = lambda x, r: ((x << r) | (x >> (64 - r))) & M
def _round(acc, v): return (rotl((acc + v * P2) & M, 31) * P1) & M
def _merge(acc, v): return ((acc ^ _round(0, v)) * P1 + P4) & M
def _fmix(h):
    h ^= h >> 33; h = (h * P2) & M; h ^= h >> 29; h = (h * P3) & M; return h ^ (h >> 32)
def xxh64(b, seed):
    seed &= M; n = len(b); i = 0
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 32 <= n:
            for j in range(4): v[j] = _round(v[j], struct.unpack_from('<Q', b, i + 8 * j)[0])
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for x in v: h = _merge(h, x)
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 8 <= n:
        h = ((rotl(h ^ _round(0, struct.unpack_from('<Q', b, i)[0]), 27) * P1) + P4) & M; i += 8
    if i + 4 <= n:
        h = ((rotl(h ^ ((struct.unpack_from('<I', b, i)[0] * P1) & M), 23) * P2) + P3) & M; i += 4
    while i < n:
        h = (rotl(h ^ ((b[i] * P5) & M), 11) * P1) & M; i += 1
    return _fmix(h)
def split_number(id_str, seed):
    h = xxh64(id_str.encode(), 42)            # Spark's xxhash64 default seed 42, then the seed column
    h = xxh64(struct.pack('<q', seed), h)
    h = h - (1 << 64) if h >= 1 << 63 else h   # signed long
    return (h % 1_000_000_007) / 1_000_000_007.0  # pmod


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


LEARNERS = ("t", "s", "x", "dr")
CLIP = 0.01  # the DR learner's propensity clip, as ours (UpliftModel)


def encode(df, num, cat, encoding):
    """Numeric features as float; categoricals one-hot (pd.get_dummies, what a Python user writes)
    or, for controlled experiments, as alphabetical ordinal codes (Spark's StringIndexer
    alphabetAsc) -- the encoding our job used before it one-hot encoded."""
    parts = [df[num].astype(float)]
    if cat and encoding == "onehot":
        parts.append(pd.get_dummies(df[cat].astype(str), dtype=float))
    elif cat:
        parts.append(pd.DataFrame({c: pd.Categorical(df[c].astype(str), categories=sorted(df[c].astype(str).unique())).codes
                                   for c in cat}, index=df.index).astype(float))
    return pd.concat(parts, axis=1).to_numpy(np.float32)


def fit_peers(learners, X, t, y, train, hp, params, e, fold0):
    """Each learner's uplift on the holdout rows hp, fitted on the rows where train is True.
    t: T = classifier per arm, uplift = mu1 - mu0.
    s: S = one classifier with the treatment as the last feature, uplift = f(x, 1) - f(x, 0).
    x: X (Kunzel et al. 2019): mu0, mu1; D1 = y - mu0(x) on the treated, D0 = mu1(x) - y on the
       controls, each regressed on x (tau1, tau0); uplift = e tau0 + (1 - e) tau1, e = the
       propensity (here the constant our config names: the training rows' treated share).
    dr: DR (Kennedy 2020/2023): 2-fold cross-fitted (fold0: our folds) mu0, mu1 give the pseudo-outcome
       mu1 - mu0 + t (y - mu1) / e - (1 - t)(y - mu0) / (1 - e), e clipped to [0.01, 0.99],
       regressed on x by one regressor; uplift = its prediction."""
    import xgboost as xgb
    clf = lambda: xgb.XGBClassifier(**params)
    reg = lambda: xgb.XGBRegressor(**params)
    p1 = lambda m, rows: m.predict_proba(rows)[:, 1].astype(np.float64)
    tr1, tr0 = train & (t == 1), train & (t == 0)
    out, seconds = {}, {}
    for name in learners:
        t0 = time.perf_counter()
        if name in ("t", "x"):
            m1 = clf().fit(X[tr1], y[tr1])
            m0 = clf().fit(X[tr0], y[tr0])
            if name == "t":
                out[name] = p1(m1, X[hp]) - p1(m0, X[hp])
            else:
                tau1 = reg().fit(X[tr1], y[tr1] - p1(m0, X[tr1]))
                tau0 = reg().fit(X[tr0], p1(m1, X[tr0]) - y[tr0])
                out[name] = e * tau0.predict(X[hp]).astype(np.float64) + (1 - e) * tau1.predict(X[hp])
        elif name == "s":
            xt = np.c_[X, t.astype(np.float32)]
            m = clf().fit(xt[train], y[train])
            out[name] = (p1(m, np.c_[X[hp], np.ones(len(hp), np.float32)])
                         - p1(m, np.c_[X[hp], np.zeros(len(hp), np.float32)]))
        elif name == "dr":
            idx = np.flatnonzero(train)
            fold = fold0[idx]
            phi = np.empty(idx.size)
            ec = min(1 - CLIP, max(CLIP, e))
            for f in (True, False):
                own, other = idx[fold == f], idx[fold != f]
                o1, o0 = other[t[other] == 1], other[t[other] == 0]
                m1 = clf().fit(X[o1], y[o1])
                m0 = clf().fit(X[o0], y[o0])
                mu1, mu0 = p1(m1, X[own]), p1(m0, X[own])
                to, yo = t[own], y[own]
                phi[fold == f] = mu1 - mu0 + to * (yo - mu1) / ec - (1 - to) * (yo - mu0) / (1 - ec)
            out[name] = reg().fit(X[idx], phi).predict(X[hp]).astype(np.float64)
        seconds[name] = round(time.perf_counter() - t0, 3)
    return out, seconds


def ours_arg(value):
    learner, sep, path = value.partition("=")
    if not sep or learner not in LEARNERS:
        raise argparse.ArgumentTypeError(f"--ours wants LEARNER=HOLDOUT with LEARNER one of {LEARNERS}: {value}")
    return learner, path


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data")
    p.add_argument("--holdout", help="our T-learner's holdout (same as --ours t=PATH)")
    p.add_argument("--ours", type=ours_arg, action="append", default=[],
                   help="LEARNER=HOLDOUT: our learner's held-out rows (t, s, x, dr); repeat per learner")
    p.add_argument("--learners", default=None,
                   help="peer learners to fit, comma-separated (default: those given with --ours, else t)")
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
    p.add_argument("--propensity", default="ratio",
                   help="'ratio' (the training rows' treated share, as propensity = ratio) or a number")
    p.add_argument("--encoding", choices=("onehot", "ordinal"), default="onehot",
                   help="categoricals one-hot (default) or alphabetical ordinal codes (experiments)")
    p.add_argument("--tree-method", default=None,
                   help="xgboost tree_method (default: xgboost's own; 1.7's 'auto' is exact on data this size)")
    p.add_argument("--max-bin", type=int, default=None, help="xgboost max_bin (default: xgboost's own, 256)")
    p.add_argument("--base-score", type=float, default=None,
                   help="xgboost base_score for every peer model (default: xgboost's own default)")
    p.add_argument("--check-split", type=float, default=None, metavar="TEST_FRACTION",
                   help="recompute our split (seed, test-fraction) and require the holdout to equal it")
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
    ours_paths = dict(a.ours)
    if a.holdout:
        ours_paths.setdefault("t", a.holdout)
    if not (a.data and ours_paths):
        p.error("--data and --holdout (or --ours LEARNER=HOLDOUT) are required")
    learners = [l for l in (a.learners.split(",") if a.learners else
                            [l for l in LEARNERS if l in ours_paths]) if l]
    bad = [l for l in learners if l not in LEARNERS]
    if bad:
        p.error(f"unknown learner(s) {bad}; known: {LEARNERS}")

    import xgboost as xgb
    num = [c for c in a.numeric.split(",") if c]
    cat = [c for c in a.categorical.split(",") if c]
    df = pd.read_csv(a.data)
    df["row_id"] = np.arange(len(df))  # 0-based data-line position
    df = df[df[a.treatment_column].isin([a.treated, a.control])]
    t_all = (df[a.treatment_column] == a.treated).astype(int).to_numpy()
    y_all = df[a.outcome].astype(int).to_numpy()
    X = encode(df, num, cat, a.encoding)
    pos = pd.Series(np.arange(len(df)), index=df["row_id"].to_numpy())

    # Every holdout of ours must hold the same rows (one split), in any order.
    holdouts = {l: read_holdout(path) for l, path in ours_paths.items()}
    first = next(iter(holdouts))
    h = holdouts[first]
    assert h["row_id"].is_unique, "duplicate row_id in holdout"
    for l, other in holdouts.items():
        assert set(other["row_id"]) == set(h["row_id"]), f"holdout of {l} holds other rows than that of {first}"
    missing = int((~h["row_id"].isin(pos.index)).sum())
    assert missing == 0, f"{missing} holdout row_ids are not rows of the two arms in --data"
    hp = pos.loc[h["row_id"].to_numpy()].to_numpy()
    ht = h["treatment"].astype(float).astype(int).to_numpy()
    hy = h["outcome"].astype(float).astype(int).to_numpy()
    checks = {"treatment_mismatches": int((ht != t_all[hp]).sum()),
              "outcome_mismatches": int((hy != y_all[hp]).sum())}
    if checks["treatment_mismatches"] or checks["outcome_mismatches"]:
        sys.exit(f"holdout disagrees with {a.data}: {checks}")
    ours = {}
    for l, hl in holdouts.items():
        u = hl.set_index("row_id")["uplift"].astype(float).reindex(h["row_id"]).to_numpy()
        assert np.isfinite(u).all(), f"non-finite uplift in the holdout of {l}"
        ours[l] = u

    train = np.ones(len(df), bool)
    train[hp] = False
    e = float(t_all[train].mean()) if a.propensity == "ratio" else float(a.propensity)
    params = dict(n_estimators=a.n_estimators, max_depth=a.max_depth, learning_rate=a.learning_rate,
                  random_state=a.seed, n_jobs=2)
    if a.tree_method is not None:
        params["tree_method"] = a.tree_method
    if a.max_bin is not None:
        params["max_bin"] = a.max_bin
    if a.base_score is not None:
        params["base_score"] = a.base_score
    ids = df["row_id"].to_numpy()
    fold0 = np.array([split_number(str(i), a.seed + 1) < 0.5 for i in ids]) if "dr" in learners else None
    if a.check_split is not None:  # our split, recomputed: the holdout must be exactly these rows
        mine = set(int(i) for i in ids if split_number(str(i), a.seed) < a.check_split)
        assert mine == set(h["row_id"]), "the holdout is not splitNumber(row_id, seed) < --check-split"
        checks["split_recomputed"] = True
    peer, seconds = fit_peers(learners, X, t_all, y_all, train, hp, params, e, fold0)

    out = {"data": a.data, "holdouts": ours_paths,
           "arms": {"treated": a.treated, "control": a.control, "outcome": a.outcome},
           "rows": {"train_treated": int((train & (t_all == 1)).sum()),
                    "train_control": int((train & (t_all == 0)).sum()),
                    "holdout": len(hp), "holdout_treated": int(ht.sum()),
                    "holdout_control": int((ht == 0).sum())},
           "checks": checks, "propensity": e, "encoding": a.encoding,
           "params": params, "xgboost_version": xgb.__version__, "learners": {}}
    for l in LEARNERS:
        if l not in peer and l not in ours:
            continue
        entry = {}
        if l in peer:
            entry["peer"] = {**metrics(hy, peer[l], ht, a.k), "train_seconds": seconds[l]}
        if l in ours:
            entry["ours"] = metrics(hy, ours[l], ht, a.k)
            if l == "t" and a.ours_train_seconds is not None:
                entry["ours"]["train_seconds"] = a.ours_train_seconds
        if l in peer and l in ours:
            entry["pearson_ours_peer"] = round(float(np.corrcoef(peer[l], ours[l])[0, 1]), 6)
        out["learners"][l] = entry
    s = json.dumps(out, indent=2)
    print(s)
    if a.json_out:
        with open(a.json_out, "w") as f:
            f.write(s + "\n")
    k = f"uplift_at_k_overall@{a.k}"
    fmt = lambda m, key: "-" if m is None or m.get(key) is None else f"{m[key]:.4f}"
    print(f"{'learner':8} {'Qini ours':>10} {'Qini peer':>10} {'AUUC ours':>10} {'AUUC peer':>10} "
          f"{'up@k ours':>10} {'up@k peer':>10}", file=sys.stderr)
    for l, entry in out["learners"].items():
        o, q = entry.get("ours"), entry.get("peer")
        print(f"{l:8} {fmt(o, 'qini_auc_score'):>10} {fmt(q, 'qini_auc_score'):>10} "
              f"{fmt(o, 'uplift_auc_score'):>10} {fmt(q, 'uplift_auc_score'):>10} "
              f"{fmt(o, k):>10} {fmt(q, k):>10}", file=sys.stderr)


if __name__ == "__main__":
    main()
