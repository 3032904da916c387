-- Run summaries, one JSON object per run: <output>/summaries/program=<id>/dt=<date>/summary.json.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.summaries (
  program string,
  run_date string,
  input_rows bigint,
  quarantined_rows bigint,
  quarantined_by_rule map<string,bigint>,
  removed_by_filter map<string,bigint>,
  candidates bigint,
  pass_rate_pct double,
  scored bigint,
  score_bands map<string,bigint>,
  channel_audiences map<string,bigint>,
  written map<string,bigint>,
  stage_timings_ms map<string,bigint>,
  total_ms bigint,
  status string
)
PARTITIONED BY (program_partition string, dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION '${output}/summaries/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.program_partition.type' = 'enum',
  'projection.program_partition.values' = 'investment-recommendations',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/summaries/program=${program_partition}/dt=${dt}/'
);
