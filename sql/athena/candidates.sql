-- Candidates of every program, as the jobs write them: Parquet under
-- <output>/candidates/program=<id>/dt=<yyyy-mm-dd>/. Partition projection: no MSCK REPAIR needed.
-- Columns shown are the investment-recommendations program's; ${output} is the output root.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.candidates (
  customer_id string,
  marketplace string,
  risk_tolerance string,
  investment_goals string,
  idle_cash double,
  investment_capacity double,
  suitability_score double,
  asset_class_preference map<string, double>,
  score_band string,
  recommendations array<struct<rank:int, asset_class:string, bucket:string, preference:double, allocation_share:double, amount:double>>,
  channels array<struct<channel:string, priority:int, max_items:int, display_until:date>>
)
PARTITIONED BY (program string, dt string)
STORED AS PARQUET
LOCATION '${output}/candidates/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.program.type' = 'enum',
  'projection.program.values' = 'investment-recommendations',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/candidates/program=${program}/dt=${dt}/'
);
