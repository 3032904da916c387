#!/usr/bin/env bash
# EMR Serverless (EMR 7.9.0: Spark 3.5.5, Java 17) for the targeting jobs: create the
# application, deploy the artifacts, submit a job run from a request template.
#
#   scripts/spark-submit/emr-serverless.sh create-application
#   scripts/spark-submit/emr-serverless.sh deploy
#   scripts/spark-submit/emr-serverless.sh deploy-dags DEST          # a folder, or s3://mwaa-bucket/dags
#   scripts/spark-submit/emr-serverless.sh render TEMPLATE [--run-date D] [--run-id ID] [--program P]
#   scripts/spark-submit/emr-serverless.sh submit TEMPLATE [--run-date D] [--run-id ID] [--program P]
#   scripts/spark-submit/emr-serverless.sh eventbridge                # each schedule as cron(...)
#
# TEMPLATE is a file of scripts/spark-submit/emr-serverless/ without .json: a program
# (investment-recommendations, ...), retrain-<program>, daily-metrics, refresh-market-data,
# dynamodb-ttl-check (with --program). Each is a whole StartJobRun request with ${PLACEHOLDERS}
# (see dags/targeting_airflow/emr_requests.py); render fills them from these variables:
#   EMR_APPLICATION_ID   the application (create-application prints it)
#   EMR_EXECUTION_ROLE   the job role ARN: it signs S3, DynamoDB and Redshift requests, no keys
#   TARGETING_ARTIFACTS  s3://bucket/prefix for targeting-jobs.jar, conf/ and sql/ (deploy)
#   TARGETING_ROOT       s3://bucket/prefix where data/, models/, output/ and logs/ live
#   REDSHIFT_JDBC_URL, REDSHIFT_IAM_ROLE   for investment-recommendations (its Redshift source)
# deploy uploads TARGETING_JAR (default jobs/target/targeting-jobs.jar, built when missing).
# --run-id defaults to manual-<UTC time>; the run's summary is
# $TARGETING_ROOT/output/summaries/program=<p>/dt=<date>/<run-id>.json. Needs the AWS CLI and python3.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
templates="$repo/scripts/spark-submit/emr-serverless"
python="${PYTHON:-python3}"
aws="${AWS:-aws}"

usage() {
  sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

need() {
  local name
  for name in "$@"; do
    [[ -n ${!name:-} ]] || { echo "emr-serverless.sh: set $name" >&2; exit 2; }
  done
}

render() {
  PYTHONPATH="$repo/dags" "$python" -m targeting_airflow.emr_requests "$@"
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case $command in
  create-application)
    exec "$aws" emr-serverless create-application --cli-input-json "file://$templates/application.json"
    ;;
  deploy)
    need TARGETING_ARTIFACTS
    artifacts=${TARGETING_ARTIFACTS%/}
    jar="${TARGETING_JAR:-$repo/jobs/target/targeting-jobs.jar}"
    if [[ ! -f $jar ]]; then
      echo "emr-serverless.sh: building the job jar (mvn package, tests skipped)" >&2
      (cd "$repo" && mvn -B -ntp -q -DskipTests package) >&2
    fi
    "$aws" s3 cp "$jar" "$artifacts/targeting-jobs.jar"
    # conf/ for --conf-dir and --config; sql/ for the sources' query-file
    # (${TARGETING_ARTIFACTS}/sql/warehouse/..., read by the driver through EMRFS).
    "$aws" s3 sync "$repo/conf" "$artifacts/conf" --delete
    "$aws" s3 sync "$repo/sql" "$artifacts/sql" --delete
    ;;
  deploy-dags)
    [[ $# -eq 1 ]] || usage
    dest=${1%/}
    bundle=$(mktemp -d)
    trap 'rm -rf "$bundle"' EXIT
    mkdir -p "$bundle/targeting_airflow/resources/conf" \
      "$bundle/targeting_airflow/resources/scripts/spark-submit/emr-serverless"
    cp "$repo/dags/targeting.py" "$repo/dags/.airflowignore" "$bundle/"
    cp "$repo"/dags/targeting_airflow/*.py "$bundle/targeting_airflow/"
    cp "$repo/conf/schedules.json" "$bundle/targeting_airflow/resources/conf/"
    cp "$templates"/*.json "$bundle/targeting_airflow/resources/scripts/spark-submit/emr-serverless/"
    if [[ $dest == s3://* ]]; then
      # No --delete: the DAG folder may hold other teams' DAGs.
      "$aws" s3 sync "$bundle" "$dest"
    else
      mkdir -p "$dest"
      cp -R "$bundle/." "$dest/"
    fi
    ;;
  render)
    [[ $# -ge 1 ]] || usage
    render "$@"
    ;;
  submit)
    [[ $# -ge 1 ]] || usage
    request=$(mktemp)
    trap 'rm -f "$request"' EXIT
    render "$@" > "$request"
    "$aws" emr-serverless start-job-run --cli-input-json "file://$request"
    ;;
  eventbridge)
    PYTHONPATH="$repo/dags" "$python" -m targeting_airflow.schedules
    ;;
  *)
    usage
    ;;
esac
