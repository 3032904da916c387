-- Pre-approved loan offers of the loan-offer-targeting program (seed 001), one week's run per dt.
-- The Truth in Lending disclosures are columns: apr_pct, origination_fee, amount_financed,
-- finance_charge, total_of_payments, term_months. A view over the Delta candidates table
-- (sql/athena/candidates.sql). Declines after scoring are in targeting.rejections with their scores.
CREATE OR REPLACE VIEW targeting.loan_offers AS
SELECT customer_id, state, credit_score, income, debt_to_income_ratio, payment_capacity,
       approval_score, approval_score_reasons, default_probability, default_probability_reasons,
       credit_tier, credit_tier_limited_by, affordable_amount, loan_amount, interest_rate_pct, apr_pct,
       term_months, monthly_payment, origination_fee, amount_financed, total_of_payments, finance_charge,
       channels, dt
FROM targeting.candidates
WHERE program = 'loan-offer-targeting';
