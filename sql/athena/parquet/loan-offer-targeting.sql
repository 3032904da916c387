-- For program.outputs.format = parquet only (the default, Delta, is sql/athena/). Pre-approved loan
-- offers under <output>/candidates/program=loan-offer-targeting/dt=<yyyy-mm-dd>/. Partition
-- projection: no MSCK REPAIR needed. ${output} is the output root. Same name and columns as the
-- Delta view, so sql/analyst runs unchanged on either.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.loan_offers (
  customer_id string,
  state string,
  credit_score int,
  income double,
  debt_to_income_ratio double,
  payment_capacity double,
  approval_score double,
  approval_score_reasons array<struct<rank:int, feature:string, value:string, contribution:double>>,
  default_probability double,
  default_probability_reasons array<struct<rank:int, feature:string, value:string, contribution:double>>,
  credit_tier string,
  credit_tier_limited_by string,
  affordable_amount double,
  loan_amount double,
  interest_rate_pct double,
  apr_pct double,
  term_months int,
  monthly_payment double,
  origination_fee double,
  amount_financed double,
  total_of_payments double,
  finance_charge double,
  channels array<struct<channel:string, priority:int, max_items:int, display_until:date>>
)
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${output}/candidates/program=loan-offer-targeting/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/candidates/program=loan-offer-targeting/dt=${dt}/'
);
