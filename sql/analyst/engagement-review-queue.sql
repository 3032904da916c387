-- The week's review queue of engagement-prediction: data-quality warnings first, then the flagged
-- customers, most valuable at risk first (churn probability times predicted lifetime value);
-- anomalies carry their distinguishing features in details.
SELECT item, customer_id, reasons, churn_probability, churn_risk_tier, lifetime_value_pred, ltv_decile,
       round(churn_probability * lifetime_value_pred, 2) AS value_at_risk, anomaly_score, details
FROM targeting.engagement_qa
WHERE dt = '2026-11-22'
ORDER BY item DESC, churn_probability * lifetime_value_pred DESC NULLS LAST, customer_id;
