-- The customers a promotion-uplift run selected (seed 003): within the budget, by expected
-- incremental profit per unit of cost, never a customer whose predicted uplift is not positive.
-- A view over the Delta candidates table (sql/athena/candidates.sql). Customers declined by the
-- do-no-harm, profitability and budget filters are in targeting.rejections with their scores.
CREATE OR REPLACE VIEW targeting.promotion_selections AS
SELECT customer_id, age, income, tenure_months, digital_engagement, balance, num_products, region,
       preferred_channel, contact_cost, conversion_value,
       uplift, uplift_treated, uplift_control, uplift_segment,
       expected_incremental_profit, budget_rank, cumulative_cost, budget_decision,
       channels, dt
FROM targeting.candidates
WHERE program = 'promotion-uplift';
