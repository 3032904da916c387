-- The review (QA) queue of engagement-prediction, per weekly run (dt): what a person should look
-- at before the week's tiers are acted on. Customers whose predictions raised a review flag
-- (review_reasons, from the program's review-flags decision: near-threshold, a churn probability
-- within 0.05 of the high-risk tier's 0.5; valuable-at-risk, lifetime value in the upper half
-- (decile 6 or above) at high churn risk; anomaly, the week's most unusual customers by the
-- isolation forest, with the features that set them apart in details), and the failed warning-level data-quality checks of the week's attempts (a warning
-- lets the run go on: someone should still look). Over targeting.engagement_predictions and
-- targeting.validation, either table format; a view, so apply it after the tables it reads.
CREATE OR REPLACE VIEW targeting.engagement_qa AS
SELECT dt, 'customer' AS item, customer_id, array_join(review_reasons, ', ') AS reasons,
       churn_probability, churn_risk_tier, lifetime_value_pred, ltv_decile, engagement_score_pred, engagement_band,
       anomaly_score, nullif(array_join(anomaly_reasons, '; '), '') AS details
FROM targeting.engagement_predictions
WHERE cardinality(review_reasons) > 0
UNION ALL
SELECT dt, 'data-quality check' AS item, CAST(NULL AS varchar) AS customer_id,
       concat(check_id, ': ', assertion, coalesce(' (' || message || ')', '')) AS reasons,
       CAST(NULL AS double), CAST(NULL AS varchar), CAST(NULL AS double), CAST(NULL AS integer),
       CAST(NULL AS double), CAST(NULL AS varchar), CAST(NULL AS double), CAST(NULL AS varchar)
FROM targeting.validation
WHERE program_partition = 'engagement-prediction' AND status = 'failed' AND level = 'warning';
