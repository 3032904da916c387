-- The week's engagement predictions per churn-risk tier and engagement band: how many customers,
-- their mean churn probability and predicted lifetime value, and the lifetime value at risk (each
-- customer's predicted value times the probability of losing them within 30 days), most at risk first.
SELECT churn_risk_tier,
       engagement_band,
       count(*) AS customers,
       round(avg(churn_probability), 4) AS average_churn_probability,
       round(avg(lifetime_value_pred), 2) AS average_lifetime_value,
       round(sum(churn_probability * lifetime_value_pred), 2) AS lifetime_value_at_risk
FROM targeting.engagement_predictions
WHERE dt = '2026-11-22'
GROUP BY churn_risk_tier, engagement_band
ORDER BY lifetime_value_at_risk DESC;
