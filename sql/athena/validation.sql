-- Data-quality results: one JSON object per check of every attempt that validated its extract,
-- written to <output>/validation/program=<id>/dt=<run-date>/<run-id>.json (the same for both table
-- formats), whether its checks passed or not: an attempt whose error-level check failed wrote no
-- table, and its rows here say why. Checks come from the program's validation block (Deequ).
-- status: passed, failed, or skipped (a run-over-run check with no earlier run date to compare with).
-- value: the metric the check judged (row count, share of rows, mean), when it judged one.
-- Partition projection: no MSCK REPAIR needed; every program is enumerated. ${output} is the output root.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.validation (
  program string,
  run_id string,
  dataset string,
  check_id string,
  check_type string,
  level string,
  status string,
  columns array<string>,
  assertion string,
  value double,
  message string
)
PARTITIONED BY (program_partition string, dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION '${output}/validation/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.program_partition.type' = 'enum',
  'projection.program_partition.values' = 'investment-recommendations,loan-offer-targeting,promotion-uplift,engagement-prediction',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/validation/program=${program_partition}/dt=${dt}/'
);
