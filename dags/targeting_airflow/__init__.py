"""Airflow DAGs and EMR Serverless requests for the targeting jobs.

Modules that need no Airflow (``resources``, ``schedules``, ``emr_requests``, ``summaries``) are
also used from the command line by ``scripts/spark-submit/emr-serverless.sh``; ``operators`` and
``dag_factory`` import Airflow and its Amazon provider.
"""
