-- A promotion-uplift run's selected customers per uplift segment: how many, what they cost, their
-- mean predicted uplift and the expected incremental profit, best profit first.
SELECT uplift_segment,
       count(*) AS customers,
       round(sum(contact_cost), 2) AS spend,
       round(avg(uplift), 4) AS mean_uplift,
       round(sum(expected_incremental_profit), 2) AS expected_incremental_profit
FROM targeting.promotion_selections
WHERE dt = '2026-11-23'
GROUP BY uplift_segment
ORDER BY expected_incremental_profit DESC;
