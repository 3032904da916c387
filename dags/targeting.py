"""The targeting DAGs (Airflow): one per entry of conf/schedules.json, named targeting-<id>.

Built by targeting_airflow.dag_factory from conf/schedules.json and the EMR Serverless request
templates in scripts/spark-submit/emr-serverless/ (the DAG bundle carries copies of both: see
`scripts/spark-submit/emr-serverless.sh deploy-dags`).
"""
from targeting_airflow.dag_factory import build_all

for _dag in build_all():
    globals()[_dag.dag_id] = _dag
