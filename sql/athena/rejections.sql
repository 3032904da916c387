-- Customers removed by a filter, with the filter and the reason: <output>/rejections/program=/dt=/.
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
  'projection.program.values' = 'investment-recommendations',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/rejections/program=${program}/dt=${dt}/'
);

-- Rows that broke the extract's contract: <output>/quarantine/program=/dt=/.
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
  'projection.program.values' = 'investment-recommendations',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/quarantine/program=${program}/dt=${dt}/'
);
