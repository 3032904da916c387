-- For program.outputs.format = parquet only (the default, Delta, is sql/athena/). The predictions
-- of an engagement-prediction run under <output>/candidates/program=engagement-prediction/dt=<yyyy-mm-dd>/.
-- Partition projection: no MSCK REPAIR needed. ${output} is the output root. Same name and columns
-- as the Delta view, so sql/analyst runs unchanged on either.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.engagement_predictions (
  customer_id string,
  tenure_days int,
  logins_30d int,
  sessions_30d int,
  avg_session_minutes double,
  days_since_last_active int,
  last_active_date date,
  device_type string,
  plan_type string,
  notifications_enabled boolean,
  support_tickets_90d int,
  followers int,
  following int,
  posts_30d int,
  avg_likes_per_post double,
  virality_score double,
  shares_30d int,
  comments_30d int,
  messages_sent_30d int,
  messages_received_30d int,
  communities_joined int,
  community_posts_30d int,
  gigs_posted_90d int,
  gigs_applied_90d int,
  gigs_completed_90d int,
  gig_completion_rate double,
  avg_gig_rating double,
  gig_earnings_90d_usd double,
  gig_spend_90d_usd double,
  transactions_90d int,
  disputes_90d int,
  response_time_hours double,
  portfolio_items int,
  connections int,
  connection_requests_30d int,
  profile_views_30d int,
  search_appearances_30d int,
  endorsements int,
  skills_count int,
  industry string,
  seniority string,
  job_applications_30d int,
  profile_completeness double,
  engagement_score_pred double,
  engagement_band string,
  churn_probability double,
  churn_probability_reasons array<struct<rank:int, feature:string, value:string, contribution:double>>,
  churn_risk_tier string,
  lifetime_value_pred double,
  ltv_decile int,
  review_reasons array<string>
)
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${output}/candidates/program=engagement-prediction/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2026-01-01,NOW',
  'storage.location.template' = '${output}/candidates/program=engagement-prediction/dt=${dt}/'
);
