-- For program.outputs.format = parquet only (the default, Delta, is sql/athena/). The customers a
-- promotion-uplift run selected, under <output>/candidates/program=promotion-uplift/dt=<yyyy-mm-dd>/.
-- Partition projection: no MSCK REPAIR needed. ${output} is the output root. Same name and columns
-- as the Delta view, so sql/analyst runs unchanged on either.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.promotion_selections (
  customer_id string,
  age int,
  income double,
  tenure_months int,
  digital_engagement double,
  balance double,
  num_products int,
  region string,
  preferred_channel string,
  contact_cost double,
  conversion_value double,
  uplift double,
  uplift_treated double,
  uplift_control double,
  uplift_segment string,
  expected_incremental_profit double,
  budget_rank bigint,
  cumulative_cost double,
  budget_decision string,
  channels array<struct<channel:string, priority:int, max_items:int, display_until:date>>
)
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${output}/candidates/program=promotion-uplift/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/candidates/program=promotion-uplift/dt=${dt}/'
);
