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

The message-sentiment model and its two features are made the same way: scikit-learn's TF-IDF of
words and word pairs (English stop words less the negations the config keeps, terms in at least two
texts) and an L2 logistic regression (C = 1 / (reg-param x rows), Spark's regularization on the mean
loss) trained on labeled_messages and measured on labeled_messages_holdout (F1 of the positive class
at 0.5); then per history row the mean probability and the negative share of the customer's messages
of the 30 days before its observed_date (messages), features of the three models.

Differences that remain: the project holds back 20% of the training rows to calibrate churn-30d
(isotonic) and trains on the other 80%; the peer trains on all of them, uncalibrated. Spark
standardizes the TF-IDF columns inside its logistic regression and hashes terms into 2^18 buckets;
scikit-learn keeps a vocabulary and does not standardize.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, mean_squared_error, r2_score, roc_auc_score

NUMERIC = """tenure_days logins_30d sessions_30d avg_session_minutes days_since_last_active support_tickets_90d
followers following posts_30d avg_likes_per_post virality_score shares_30d comments_30d messages_sent_30d
messages_received_30d communities_joined community_posts_30d gigs_posted_90d gigs_applied_90d gigs_completed_90d
gig_completion_rate avg_gig_rating gig_earnings_90d_usd gig_spend_90d_usd transactions_90d disputes_90d
response_time_hours portfolio_items connections connection_requests_30d profile_views_30d search_appearances_30d
endorsements skills_count job_applications_30d profile_completeness message_positivity negative_message_share""".split()
KEPT = {"not", "no", "nor", "never", "don't", "didn't", "isn't", "wasn't", "won't", "can't"}
SENTIMENT_REG_PARAM = 0.001
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


def sentiment(data):
    """The sentiment model (held-out metrics) and the two message features per history row."""
    labeled = read(os.path.join(data, "labeled_messages")).dropna(subset=["text", "sentiment"])
    holdout = read(os.path.join(data, "labeled_messages_holdout")).dropna(subset=["text", "sentiment"])
    vectorizer = TfidfVectorizer(lowercase=True, token_pattern=r"[^\W_][\w']*", ngram_range=(1, 2), min_df=2,
                                 stop_words=sorted(set(ENGLISH_STOP_WORDS) - KEPT))
    x = vectorizer.fit_transform(labeled["text"])
    y = (labeled["sentiment"] == "positive").astype(int)
    model = LogisticRegression(C=1.0 / (SENTIMENT_REG_PARAM * len(labeled)), max_iter=1000).fit(x, y)
    p = model.predict_proba(vectorizer.transform(holdout["text"]))[:, 1]
    actual = (holdout["sentiment"] == "positive").astype(int)
    metrics = {"f1": f1_score(actual, p >= 0.5), "auc_roc": roc_auc_score(actual, p), "rows": len(holdout)}
    messages = read(os.path.join(data, "messages")).dropna(subset=["body", "sent_on"])
    messages["p"] = model.predict_proba(vectorizer.transform(messages["body"]))[:, 1]
    messages["sent_on"] = pd.to_datetime(messages["sent_on"])
    return metrics, messages


def with_message_features(frame, messages):
    """The mean probability and negative share of each row's messages in the 30 days before its observed_date."""
    keys = frame[["customer_id", "observed_date"]].drop_duplicates()
    keys["as_of"] = pd.to_datetime(keys["observed_date"])
    joined = messages.merge(keys, on="customer_id")
    joined = joined[(joined["sent_on"] >= joined["as_of"] - pd.Timedelta(days=30)) & (joined["sent_on"] < joined["as_of"])]
    grouped = joined.groupby(["customer_id", "observed_date"])["p"]
    figures = pd.DataFrame({"message_positivity": grouped.mean(), "negative_message_share": grouped.apply(lambda v: (v < 0.5).mean())})
    return frame.merge(figures.reset_index().astype(str), on=["customer_id", "observed_date"], how="left")


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
    parser.add_argument("--without-messages", action="store_true",
                        help="fit the peer's models without the two message-sentiment features (what they add)")
    args = parser.parse_args()
    if args.without_messages:
        NUMERIC.remove("message_positivity")
        NUMERIC.remove("negative_message_share")
    sentiment_metrics, messages = sentiment(args.data)
    train = with_message_features(read(os.path.join(args.data, "engagement_history")), messages)
    test = with_message_features(read(os.path.join(args.data, "engagement_holdout")), messages)
    categories = {c: sorted(train[c].dropna().unique()) for c in CATEGORICAL}
    x_train, x_test = features(train, categories), features(test, categories)
    result = {"train_rows": len(train), "test_rows": len(test), "models": {}}
    result["models"]["message-sentiment"] = {"peer": sentiment_metrics}
    if args.models:
        versions = sorted(glob.glob(os.path.join(args.models, "message-sentiment", "v*", "text-model.json")))
        if versions:
            with open(versions[-1]) as f:
                result["models"]["message-sentiment"]["project"] = json.load(f).get("metrics")
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
