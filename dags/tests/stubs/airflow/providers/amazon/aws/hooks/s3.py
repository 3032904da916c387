"""STAND-IN for the Amazon provider's S3Hook (tests only; see dags/tests/stubs/README.md).

Objects live in ``S3Hook.objects``, {(bucket, key): text}, which each test sets."""


class S3Hook:
    objects = {}

    def __init__(self, aws_conn_id="aws_default", **kwargs):
        self.aws_conn_id = aws_conn_id

    def check_for_key(self, key, bucket_name=None):
        return (bucket_name, key) in S3Hook.objects

    def read_key(self, key, bucket_name=None):
        return S3Hook.objects[(bucket_name, key)]
