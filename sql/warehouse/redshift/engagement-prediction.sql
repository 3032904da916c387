-- Engagement prediction (seed 002): the weekly extract of marketplace customers, run by the
-- spark-redshift connector (UNLOAD through the S3 temp dir). One row per customer with exactly the
-- contract's columns, in its order (conf/programs/engagement-prediction.conf): the account and
-- privacy flags the filters read, the 42 attributes, and the protected attributes, which are never
-- model features (the fairness report reads them). Like the other extracts it keeps every customer
-- who signed up before the run date's day (the last day of the windows):
-- the trust, privacy and eligibility filters account for the ones they remove in the run summary.
--
-- Behaviour is aggregated over the 30 and 90 days that end the day before the run date, from
--   marketplace.customers         one row per customer: account, privacy flags, profile counters
--   marketplace.activity_daily    one row per customer and active day
--   marketplace.gig_transactions  one row per gig event: posted, application, completed, payment
--   marketplace.connections       one row per follow or connection request, with its status
-- The run date is CURRENT_DATE (UTC, Redshift's default session time zone): the source sends this
-- text as written (comments removed), with no parameter filled in, so a rerun on a later day reads
-- the windows of that day. A customer without a row in a window has 0 for its counts, sums and
-- per-post averages; gig_completion_rate, avg_gig_rating and response_time_hours are NULL without
-- a denominator. Casts are CAST(... AS ...), never the :: form, and no string literal holds two
-- dashes: the source strips from two dashes to the end of the line, and the project's SQL
-- templates read a colon before a name as a parameter.
SELECT c.customer_id,
       c.account_status,
       c.deletion_requested,
       c.profiling_opt_out,
       -- Account
       CAST(DATEDIFF(day, c.created_date, CURRENT_DATE) AS INTEGER) AS tenure_days,
       COALESCE(a.logins_30d, 0) AS logins_30d,
       COALESCE(a.sessions_30d, 0) AS sessions_30d,
       COALESCE(a.avg_session_minutes, 0) AS avg_session_minutes,
       -- Without a session in the year looked back (activity_daily below): the days since sign-up, at most 365.
       CAST(COALESCE(DATEDIFF(day, a.last_active_date, CURRENT_DATE), LEAST(365, DATEDIFF(day, c.created_date, CURRENT_DATE)))
           AS INTEGER) AS days_since_last_active,
       a.last_active_date,
       c.primary_device AS device_type,                     -- ios | android | web
       c.plan_type,                                         -- free | plus | pro
       c.notifications_enabled,
       COALESCE(a.support_tickets_90d, 0) AS support_tickets_90d,
       -- Social
       COALESCE(f.followers, 0) AS followers,
       COALESCE(f.following, 0) AS following,
       COALESCE(a.posts_30d, 0) AS posts_30d,
       COALESCE(a.avg_likes_per_post, 0) AS avg_likes_per_post,
       COALESCE(a.virality_score, 0) AS virality_score,     -- share of the posts reshared at least once
       COALESCE(a.shares_30d, 0) AS shares_30d,
       COALESCE(a.comments_30d, 0) AS comments_30d,
       COALESCE(a.messages_sent_30d, 0) AS messages_sent_30d,
       COALESCE(a.messages_received_30d, 0) AS messages_received_30d,
       c.communities_joined,
       COALESCE(a.community_posts_30d, 0) AS community_posts_30d,
       -- Gig
       COALESCE(g.gigs_posted_90d, 0) AS gigs_posted_90d,
       COALESCE(g.gigs_applied_90d, 0) AS gigs_applied_90d,
       COALESCE(g.gigs_completed_90d, 0) AS gigs_completed_90d,
       -- NULL without applications; at most 1 (a gig completed in the window may have been applied for before it).
       -- Redshift's LEAST skips NULLs (LEAST(1.0, NULL) is 1.0): no applications stays NULL by the CASE.
       CASE WHEN g.gigs_applied_90d > 0 THEN CAST(LEAST(1.0, g.gigs_completed_90d * 1.0 / g.gigs_applied_90d) AS FLOAT) END
           AS gig_completion_rate,
       g.avg_gig_rating,                                    -- 1-5; NULL without a rated completed gig
       COALESCE(g.gig_earnings_90d_usd, 0) AS gig_earnings_90d_usd,
       COALESCE(g.gig_spend_90d_usd, 0) AS gig_spend_90d_usd,
       COALESCE(g.transactions_90d, 0) AS transactions_90d,
       COALESCE(g.disputes_90d, 0) AS disputes_90d,
       g.response_time_hours,                               -- NULL without a gig conversation
       c.portfolio_items,
       -- Professional
       COALESCE(f.connections, 0) AS connections,
       COALESCE(f.connection_requests_30d, 0) AS connection_requests_30d,
       COALESCE(a.profile_views_30d, 0) AS profile_views_30d,
       COALESCE(a.search_appearances_30d, 0) AS search_appearances_30d,
       c.endorsements,
       c.skills_count,
       c.industry,
       c.seniority,                                         -- entry | mid | senior | executive
       COALESCE(a.job_applications_30d, 0) AS job_applications_30d,
       c.profile_completeness,                              -- 0-1
       -- Protected: never model features, read only by the fairness report.
       c.gender,
       c.race,
       CAST(FLOOR(MONTHS_BETWEEN(CURRENT_DATE, c.birth_date) / 12) AS INTEGER) AS age
FROM marketplace.customers c
LEFT JOIN (
  -- Daily activity: the 30-day window for the counts, 90 days for support tickets, a year for the last active day.
  SELECT customer_id,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN logins ELSE 0 END) AS INTEGER) AS logins_30d,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN sessions ELSE 0 END) AS INTEGER) AS sessions_30d,
         CAST(ROUND(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN session_minutes ELSE 0 END) * 1.0
             / NULLIF(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN sessions ELSE 0 END), 0), 1) AS FLOAT)
             AS avg_session_minutes,
         MAX(CASE WHEN sessions > 0 THEN activity_date END) AS last_active_date,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -90, CURRENT_DATE) THEN support_tickets ELSE 0 END) AS INTEGER)
             AS support_tickets_90d,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN posts ELSE 0 END) AS INTEGER) AS posts_30d,
         CAST(ROUND(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN likes_on_posts ELSE 0 END) * 1.0
             / NULLIF(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN posts ELSE 0 END), 0), 1) AS FLOAT)
             AS avg_likes_per_post,
         CAST(ROUND(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN posts_reshared ELSE 0 END) * 1.0
             / NULLIF(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN posts ELSE 0 END), 0), 3) AS FLOAT)
             AS virality_score,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN shares ELSE 0 END) AS INTEGER) AS shares_30d,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN comments ELSE 0 END) AS INTEGER) AS comments_30d,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN messages_sent ELSE 0 END) AS INTEGER)
             AS messages_sent_30d,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN messages_received ELSE 0 END) AS INTEGER)
             AS messages_received_30d,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN community_posts ELSE 0 END) AS INTEGER)
             AS community_posts_30d,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN profile_views ELSE 0 END) AS INTEGER)
             AS profile_views_30d,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN search_appearances ELSE 0 END) AS INTEGER)
             AS search_appearances_30d,
         CAST(SUM(CASE WHEN activity_date >= DATEADD(day, -30, CURRENT_DATE) THEN job_applications ELSE 0 END) AS INTEGER)
             AS job_applications_30d
  FROM marketplace.activity_daily
  WHERE activity_date >= DATEADD(day, -365, CURRENT_DATE) AND activity_date < CURRENT_DATE
  GROUP BY customer_id
) a ON a.customer_id = c.customer_id
LEFT JOIN (
  -- Gig events of the 90 days: as a client (posted, payment) and as a freelancer (application, completed).
  SELECT customer_id,
         CAST(SUM(CASE WHEN event_type = 'posted' THEN 1 ELSE 0 END) AS INTEGER) AS gigs_posted_90d,
         CAST(SUM(CASE WHEN event_type = 'application' THEN 1 ELSE 0 END) AS INTEGER) AS gigs_applied_90d,
         CAST(SUM(CASE WHEN event_type = 'completed' THEN 1 ELSE 0 END) AS INTEGER) AS gigs_completed_90d,
         CAST(ROUND(AVG(CASE WHEN event_type = 'completed' THEN rating END), 2) AS FLOAT) AS avg_gig_rating,
         ROUND(SUM(CASE WHEN event_type = 'completed' THEN amount_usd ELSE 0 END), 2) AS gig_earnings_90d_usd,
         ROUND(SUM(CASE WHEN event_type = 'payment' THEN amount_usd ELSE 0 END), 2) AS gig_spend_90d_usd,
         -- Money movements: payments received for completed gigs and payments made.
         CAST(SUM(CASE WHEN amount_usd IS NOT NULL THEN 1 ELSE 0 END) AS INTEGER) AS transactions_90d,
         CAST(SUM(CASE WHEN disputed THEN 1 ELSE 0 END) AS INTEGER) AS disputes_90d,
         CAST(ROUND(AVG(response_hours), 1) AS FLOAT) AS response_time_hours
  FROM marketplace.gig_transactions
  WHERE event_date >= DATEADD(day, -90, CURRENT_DATE) AND event_date < CURRENT_DATE
  GROUP BY customer_id
) g ON g.customer_id = c.customer_id
LEFT JOIN (
  -- The social and professional graph as of the day before the run date: accepted follows both
  -- ways, accepted connections either way, and the connection requests sent in the 30 days.
  SELECT customer_id,
         CAST(SUM(CASE WHEN kind = 'follow' AND direction = 'in' AND accepted THEN 1 ELSE 0 END) AS INTEGER) AS followers,
         CAST(SUM(CASE WHEN kind = 'follow' AND direction = 'out' AND accepted THEN 1 ELSE 0 END) AS INTEGER) AS following,
         CAST(SUM(CASE WHEN kind = 'connection' AND accepted THEN 1 ELSE 0 END) AS INTEGER) AS connections,
         CAST(SUM(CASE WHEN kind = 'connection' AND direction = 'out' AND requested_date >= DATEADD(day, -30, CURRENT_DATE)
             THEN 1 ELSE 0 END) AS INTEGER) AS connection_requests_30d
  FROM (
    SELECT from_customer_id AS customer_id, 'out' AS direction, kind, requested_date,
           status = 'accepted' AND accepted_date < CURRENT_DATE AS accepted
    FROM marketplace.connections
    WHERE requested_date < CURRENT_DATE
    UNION ALL
    SELECT to_customer_id AS customer_id, 'in' AS direction, kind, requested_date,
           status = 'accepted' AND accepted_date < CURRENT_DATE AS accepted
    FROM marketplace.connections
    WHERE requested_date < CURRENT_DATE
  ) edges
  GROUP BY customer_id
) f ON f.customer_id = c.customer_id
WHERE c.created_date < CURRENT_DATE
