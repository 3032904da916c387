#!/usr/bin/env bash
# Submits a job of the job jar to an EMR Serverless application (EMR 7.x: Spark 3.5, Java 17).
#
#   scripts/spark-submit/emr-serverless.sh <job> [job options]
#
# Needs the AWS CLI and these variables:
#   EMR_APPLICATION_ID   the EMR Serverless application
#   EMR_EXECUTION_ROLE   the job role ARN (it signs S3 and DynamoDB requests: no keys anywhere)
#   TARGETING_ROOT       s3://bucket/prefix where data/, models/ and output/ live
#   TARGETING_ARTIFACTS  s3://bucket/prefix holding targeting-jobs.jar and conf/ (copy them with
#                        `aws s3 cp jobs/target/targeting-jobs.jar` and `aws s3 sync conf`)
# Airflow's EmrServerlessStartJobOperator takes the same jobDriver and configuration.
set -euo pipefail

: "${EMR_APPLICATION_ID:?set EMR_APPLICATION_ID}"
: "${EMR_EXECUTION_ROLE:?set EMR_EXECUTION_ROLE}"
: "${TARGETING_ROOT:?set TARGETING_ROOT}"
: "${TARGETING_ARTIFACTS:?set TARGETING_ARTIFACTS}"
[[ $# -ge 1 ]] || { echo "usage: $0 <job> [job options]" >&2; exit 2; }

arguments=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' \
  "$@" --env emr --conf-dir "$TARGETING_ARTIFACTS/conf")

job_driver=$(cat <<JSON
{"sparkSubmit": {
  "entryPoint": "$TARGETING_ARTIFACTS/targeting-jobs.jar",
  "entryPointArguments": $arguments,
  "sparkSubmitParameters": "--class com.targeting.jobs.Main --conf spark.emr-serverless.driverEnv.TARGETING_ROOT=$TARGETING_ROOT --conf spark.executorEnv.TARGETING_ROOT=$TARGETING_ROOT"
}}
JSON
)

exec aws emr-serverless start-job-run \
  --application-id "$EMR_APPLICATION_ID" \
  --execution-role-arn "$EMR_EXECUTION_ROLE" \
  --name "targeting-$1" \
  --job-driver "$job_driver"
