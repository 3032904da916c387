-- Spend against budget per promotion-uplift run this month (the latest succeeded attempt of each
-- date), with the selection's expected profit beside top-K by propensity on the same budget.
SELECT dt,
       budget.budget AS budget,
       budget.uplift_selection.spend AS spend,
       round(budget.uplift_selection.spend / budget.budget, 4) AS budget_used,
       budget.uplift_selection.customers AS customers,
       budget.uplift_selection.expected_incremental_profit AS expected_incremental_profit,
       budget.top_k_by_propensity.expected_incremental_profit AS top_k_expected_incremental_profit
FROM (
  SELECT *, row_number() OVER (PARTITION BY dt ORDER BY finished_at DESC) AS newest
  FROM targeting.summaries
  WHERE program_partition = 'promotion-uplift' AND dt BETWEEN '2026-11-01' AND '2026-11-30'
    AND status = 'succeeded'
)
WHERE newest = 1
ORDER BY dt;
