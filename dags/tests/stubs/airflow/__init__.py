"""STAND-IN for Airflow (tests only; see dags/tests/stubs/README.md)."""
from airflow.models.dag import DAG  # noqa: F401
