-- The predictions of an engagement-prediction run (seed 002), one week's run per dt: every
-- scored customer with the engagement score (0-1), the calibrated 30-day churn probability with
-- its reason codes, the predicted lifetime value (USD), the churn-risk tier and the engagement
-- band, the lifetime value's decile (1-10, by the cut points of the model's held-out predictions)
-- and the review flags it raised (see targeting.engagement_qa); its segment (K-Means persona, an
-- id that stays from week to week, and its name) and its anomaly score (isolation forest, 0-1),
-- flag (the week's top 1%) and the features that set a flagged customer apart; the next best
-- action drawn for it (Thompson sampling) with its propensity, for off-policy evaluation once the
-- outcomes are known; its ten recommended gigs and where they came from (als, popular-in-segment). A view over the Delta candidates table (sql/athena/candidates.sql). Customers removed by
-- the trust, privacy and eligibility filters are in targeting.rejections. The protected
-- attributes (gender, race, age, age_band) are left out, as in targeting.loan_offers: the run
-- summary's fairness report reads them.
CREATE OR REPLACE VIEW targeting.engagement_predictions AS
SELECT customer_id,
       tenure_days, logins_30d, sessions_30d, avg_session_minutes, days_since_last_active, last_active_date,
       device_type, plan_type, notifications_enabled, support_tickets_90d,
       followers, following, posts_30d, avg_likes_per_post, virality_score, shares_30d, comments_30d,
       messages_sent_30d, messages_received_30d, communities_joined, community_posts_30d,
       gigs_posted_90d, gigs_applied_90d, gigs_completed_90d, gig_completion_rate, avg_gig_rating,
       gig_earnings_90d_usd, gig_spend_90d_usd, transactions_90d, disputes_90d, response_time_hours, portfolio_items,
       connections, connection_requests_30d, profile_views_30d, search_appearances_30d, endorsements, skills_count,
       industry, seniority, job_applications_30d, profile_completeness,
       engagement_score_pred, engagement_band, churn_probability, churn_probability_reasons, churn_risk_tier,
       lifetime_value_pred, ltv_decile, review_reasons,
       segment_id, segment_name, anomaly_score, is_anomaly, anomaly_reasons,
       nba_action, nba_propensity, nba_withheld, recommended_gigs, recommended_gigs_source, dt
FROM targeting.candidates
WHERE program = 'engagement-prediction';
