"""STAND-IN for airflow.models (tests only; see dags/tests/stubs/README.md)."""
