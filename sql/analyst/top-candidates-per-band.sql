-- The best-scored candidates of an investment-recommendations run per score band, with their
-- first recommendation.
SELECT score_band, customer_id, suitability_score, recommendations[1].asset_class AS top_asset_class,
       recommendations[1].amount AS top_amount
FROM (
  SELECT *, row_number() OVER (PARTITION BY score_band ORDER BY suitability_score DESC) AS position
  FROM targeting.investment_candidates
  WHERE dt = '2026-11-20'
)
WHERE position <= 10
ORDER BY score_band, position;
