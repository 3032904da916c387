-- For program.outputs.format = parquet only (the default, Delta, is sql/athena/rejections.sql).
-- Customers removed by a filter, of every program: <output>/rejections/program=<id>/dt=<date>/.
-- The columns every program writes; each program's extract columns are in the files too.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.rejections (
  customer_id string,
  removed_by string,
  removal_reason string
)
PARTITIONED BY (program string, dt string)
STORED AS PARQUET
LOCATION '${output}/rejections/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.program.type' = 'enum',
  'projection.program.values' = 'investment-recommendations,loan-offer-targeting,promotion-uplift,engagement-prediction',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/rejections/program=${program}/dt=${dt}/'
);

-- Rows that broke an extract's contract, of every program: <output>/quarantine/program=<id>/dt=<date>/.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.quarantine (
  customer_id string,
  quarantine_rule string,
  quarantine_reason string
)
PARTITIONED BY (program string, dt string)
STORED AS PARQUET
LOCATION '${output}/quarantine/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.program.type' = 'enum',
  'projection.program.values' = 'investment-recommendations,loan-offer-targeting,promotion-uplift,engagement-prediction',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/quarantine/program=${program}/dt=${dt}/'
);
