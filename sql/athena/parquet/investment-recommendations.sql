-- For program.outputs.format = parquet only (the default, Delta, is sql/athena/). Plain Parquet
-- under <output>/candidates/program=investment-recommendations/dt=<yyyy-mm-dd>/; the files hold no
-- partition columns. Partition projection: no MSCK REPAIR needed. ${output} is the output root.
-- Same name and columns as the Delta view, so sql/analyst runs unchanged on either.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.investment_candidates (
  customer_id string,
  marketplace string,
  risk_tolerance string,
  investment_goals string,
  idle_cash double,
  investment_capacity double,
  suitability_score double,
  suitability_score_reasons array<struct<rank:int, feature:string, value:string, contribution:double>>,
  asset_class_preference map<string, double>,
  score_band string,
  recommendations array<struct<rank:int, asset_class:string, bucket:string, preference:double, allocation_share:double, amount:double>>,
  channels array<struct<channel:string, priority:int, max_items:int, display_until:date>>
)
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${output}/candidates/program=investment-recommendations/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/candidates/program=investment-recommendations/dt=${dt}/'
);
