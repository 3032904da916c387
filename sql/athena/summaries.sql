-- Run summaries: one JSON object per attempt, failed or not, written by every program run to
-- <output>/summaries/program=<id>/dt=<run-date>/<run-id>.json (the same for both table formats).
-- A failed attempt has status = 'failed' and error.category (user_error: fix the input, do not
-- retry; external: a store failed, retry; internal: a bug) and error.message.
-- Partition projection: no MSCK REPAIR needed; every program is enumerated. ${output} is the output root.
-- scored: the rows that reached the models (the candidates and the rows removed after scoring).
-- churn_risk_tier, engagement_band: an engagement-prediction run's candidates per tier and band.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.summaries (
  program string,
  run_date string,
  run_id string,
  started_at string,
  finished_at string,
  status string,
  error struct<category:string, message:string>,
  input_rows bigint,
  quarantined_rows bigint,
  quarantined_by_rule map<string,bigint>,
  removed_by_filter map<string,bigint>,
  candidates bigint,
  pass_rate_pct double,
  scored bigint,
  score_bands map<string,bigint>,
  top_asset_classes map<string,bigint>,
  credit_tiers map<string,bigint>,
  channel_audiences map<string,bigint>,
  uplift_segments map<string,bigint>,
  churn_risk_tier map<string,bigint>,
  engagement_band map<string,bigint>,
  budget struct<
    budget:double,
    decisions:map<string,bigint>,
    uplift_selection:struct<customers:bigint, spend:double, expected_incremental_conversions:double,
      expected_incremental_revenue:double, expected_incremental_profit:double, roi:double,
      customers_with_uplift_not_positive:bigint>,
    fractional_upper_bound_profit:double,
    top_k_by_propensity:struct<customers:bigint, spend:double, expected_incremental_conversions:double,
      expected_incremental_revenue:double, expected_incremental_profit:double, roi:double,
      customers_with_uplift_not_positive:bigint>,
    profit_gain_over_top_k:double,
    chart:string>,
  written map<string,bigint>,
  stage_timings_ms map<string,bigint>,
  total_ms bigint,
  report_path string
)
PARTITIONED BY (program_partition string, dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION '${output}/summaries/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.program_partition.type' = 'enum',
  'projection.program_partition.values' = 'investment-recommendations,loan-offer-targeting,promotion-uplift,engagement-prediction',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/summaries/program=${program_partition}/dt=${dt}/'
);
