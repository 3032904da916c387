#!/usr/bin/env python3
"""The engagement-prediction models in Python xgboost, on the rows the project trains and is measured on.

A peer, never a dependency: Debian's python3-xgboost, python3-pandas and python3-sklearn. It reads
the generated history the program trains on (engagement_history) and its held-out table
(engagement_holdout), fits the three models of conf/programs/engagement-prediction.conf with the
same objective, rounds, depth and learning rate (categorical features as the index of the value
among the sorted training values, as the project's `categorical-encoding = index`), and prints the
held-out metrics as JSON; with --summary, the project's metrics from that run's model registry
beside them.

  /usr/bin/python3 scripts/bench/engagement-peer.py --data local-runs/data/engagement-prediction \
      --models local-runs/models

Differences that remain: the project holds back 20% of the training rows to calibrate churn-30d
(isotonic) and trains on the other 80%; the peer trains on all of them, uncalibrated.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import mean_squared_error, r2_score, roc_auc_score

NUMERIC = """tenure_days logins_30d sessions_30d avg_session_minutes days_since_last_active support_tickets_90d
followers following posts_30d avg_likes_per_post virality_score shares_30d comments_30d messages_sent_30d
messages_received_30d communities_joined community_posts_30d gigs_posted_90d gigs_applied_90d gigs_completed_90d
gig_completion_rate avg_gig_rating gig_earnings_90d_usd gig_spend_90d_usd transactions_90d disputes_90d
response_time_hours portfolio_items connections connection_requests_30d profile_views_30d search_appearances_30d
endorsements skills_count job_applications_30d profile_completeness""".split()
CATEGORICAL = ["device_type", "plan_type", "notifications_enabled", "industry", "seniority"]
# id: (label, xgboost parameters as in the program's config)
MODELS = {
    "engagement": ("engagement_score", dict(objective="reg:logistic", n_estimators=200, max_depth=5, learning_rate=0.1)),
    "churn-30d": ("churn_30_day", dict(objective="binary:logistic", n_estimators=200, max_depth=4, learning_rate=0.1)),
    "lifetime-value": ("lifetime_value_usd", dict(objective="reg:tweedie", tweedie_variance_power=1.5, n_estimators=300,
                                                  max_depth=5, learning_rate=0.1)),
}


def read(directory):
    files = sorted(glob.glob(os.path.join(directory, "*.csv")))
    if not files:
        sys.exit(f"engagement-peer: no csv files in {directory}")
    return pd.concat((pd.read_csv(f, dtype=str) for f in files), ignore_index=True)


def features(frame, categories):
    x = frame[NUMERIC].apply(pd.to_numeric, errors="coerce")
    for column in CATEGORICAL:
        x[column] = frame[column].map({v: i for i, v in enumerate(categories[column])}).astype(float)
    return x


def project_metrics(models, model_id):
    """The newest version's held-out metrics from the project's registry (<models>/<id>/v<N>/model.json)."""
    versions = sorted(glob.glob(os.path.join(models, model_id, "v*", "model.json")),
                      key=lambda path: int(os.path.basename(os.path.dirname(path))[1:]))
    if not versions:
        return None
    with open(versions[-1]) as f:
        return json.load(f).get("metrics")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the program's data directory (engagement_history, engagement_holdout)")
    parser.add_argument("--models", help="the project's model registry, to print its metrics beside the peer's")
    args = parser.parse_args()
    train = read(os.path.join(args.data, "engagement_history"))
    test = read(os.path.join(args.data, "engagement_holdout"))
    categories = {c: sorted(train[c].dropna().unique()) for c in CATEGORICAL}
    x_train, x_test = features(train, categories), features(test, categories)
    result = {"train_rows": len(train), "test_rows": len(test), "models": {}}
    for model_id, (label, params) in MODELS.items():
        y_train = pd.to_numeric(train[label])
        y_test = pd.to_numeric(test[label])
        if params["objective"] == "binary:logistic":
            model = xgb.XGBClassifier(**params).fit(x_train, y_train)
            metrics = {"auc_roc": roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])}
        else:
            model = xgb.XGBRegressor(**params).fit(x_train, y_train)
            predicted = model.predict(x_test)
            metrics = {"rmse": float(np.sqrt(mean_squared_error(y_test, predicted))), "r2": r2_score(y_test, predicted)}
        entry = {"peer": metrics}
        if args.models:
            entry["project"] = project_metrics(args.models, model_id)
        result["models"][model_id] = entry
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
