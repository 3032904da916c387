-- The candidates of an investment-recommendations run (seed 000): suitability score, score band,
-- top-5 asset-class recommendations with amounts, channels. A view over the Delta candidates table
-- (sql/athena/candidates.sql); the rows of a run date change in one commit.
CREATE OR REPLACE VIEW targeting.investment_candidates AS
SELECT customer_id, marketplace, risk_tolerance, investment_goals, idle_cash, investment_capacity,
       suitability_score, suitability_score_reasons, asset_class_preference, score_band,
       recommendations, channels, dt
FROM targeting.candidates
WHERE program = 'investment-recommendations';
