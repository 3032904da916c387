#!/usr/bin/env python3
"""The public bank-churn trial (conf/models/bank-churners.conf) in Python xgboost, on the same rows.

A peer, never a dependency: Debian's python3-xgboost, python3-pandas and python3-sklearn.

  split: splits Kaggle's BankChurners.csv once, 80/20, seeded and stratified by Attrition_Flag,
         into <out>/train.csv and <out>/test.csv, every column and row kept as text (a row whose
         label is neither value, such as the description line some copies carry, goes to train,
         where the project quarantines it);
  fit:   fits the model of the config (its features, protected columns left out, and its XGBoost
         rounds, depth and learning rate; categorical features as the index of the value among the
         sorted training values, as the project's `categorical-encoding = index`) on train.csv,
         and prints the held-out AUC-ROC on test.csv; with --models, the project's own figure from
         the registry's latest version beside it.

  /usr/bin/python3 scripts/bench/churn-peer.py split --data BankChurners.csv --out /tmp/bank-churners
  /usr/bin/python3 scripts/bench/churn-peer.py fit --data /tmp/bank-churners --models local-runs/models
"""
import argparse
import glob
import json
import os

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

LABEL, POSITIVE, NEGATIVE = "Attrition_Flag", "Attrited Customer", "Existing Customer"
# As conf/models/bank-churners.conf.
NUMERIC = """Dependent_count Months_on_book Total_Relationship_Count Months_Inactive_12_mon Contacts_Count_12_mon
Credit_Limit Total_Revolving_Bal Avg_Open_To_Buy Total_Amt_Chng_Q4_Q1 Total_Trans_Amt Total_Trans_Ct
Total_Ct_Chng_Q4_Q1 Avg_Utilization_Ratio""".split()
CATEGORICAL = ["Education_Level", "Income_Category", "Card_Category"]
PARAMS = dict(objective="binary:logistic", n_estimators=300, max_depth=4, learning_rate=0.05, tree_method="hist")


def split(args):
    data = pd.read_csv(args.data, dtype=str, keep_default_na=False)
    labeled = data[data[LABEL].isin([POSITIVE, NEGATIVE])]
    other = data[~data[LABEL].isin([POSITIVE, NEGATIVE])]
    train, test = train_test_split(labeled, test_size=0.2, random_state=args.seed, stratify=labeled[LABEL])
    os.makedirs(args.out, exist_ok=True)
    pd.concat([other, train]).to_csv(os.path.join(args.out, "train.csv"), index=False)
    test.to_csv(os.path.join(args.out, "test.csv"), index=False)
    print(json.dumps({"train": len(train) + len(other), "test": len(test), "unlabeled_in_train": len(other)}))


def matrix(rows, categories):
    columns = {name: pd.to_numeric(rows[name], errors="coerce") for name in NUMERIC}
    for name in CATEGORICAL:
        columns[name] = rows[name].map({value: i for i, value in enumerate(categories[name])}).astype(float)
    return pd.DataFrame(columns)[NUMERIC + CATEGORICAL].to_numpy(dtype=np.float64)


def fit(args):
    train = pd.read_csv(os.path.join(args.data, "train.csv"), dtype=str, keep_default_na=False)
    test = pd.read_csv(os.path.join(args.data, "test.csv"), dtype=str, keep_default_na=False)
    train = train[train[LABEL].isin([POSITIVE, NEGATIVE])]
    categories = {name: sorted(train[name].unique()) for name in CATEGORICAL}
    model = xgb.XGBClassifier(**PARAMS)
    model.fit(matrix(train, categories), (train[LABEL] == POSITIVE).astype(int))
    scores = model.predict_proba(matrix(test, categories))[:, 1]
    result = {"peer": {"auc_roc": round(roc_auc_score((test[LABEL] == POSITIVE).astype(int), scores), 4),
                       "train_rows": len(train), "test_rows": len(test)}}
    if args.models:
        versions = sorted(glob.glob(os.path.join(args.models, "bank-churners", "v*", "model.json")),
                          key=lambda path: int(path.split(os.sep)[-2][1:]))
        if versions:
            with open(versions[-1]) as f:
                saved = json.load(f)
            result["project"] = {"auc_roc": round(saved["metrics"]["auc_roc"], 4), "rows": saved["rows"],
                                 "version": saved["version"]}
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    s = commands.add_parser("split")
    s.add_argument("--data", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--seed", type=int, default=7)
    f = commands.add_parser("fit")
    f.add_argument("--data", required=True)
    f.add_argument("--models")
    args = parser.parse_args()
    split(args) if args.command == "split" else fit(args)


if __name__ == "__main__":
    main()
