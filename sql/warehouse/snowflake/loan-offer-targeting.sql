-- Loan offer targeting (seed 001): the weekly extract of credit profiles from Snowflake
-- (database customer_data, schema credit), pushed down by spark-snowflake. The seed's columns come
-- first; the rest are what the filters, the fair-lending report and the offers need (state,
-- identity and account status, employment, income history, screening flags, and the protected
-- attributes, which are never model features). Like the investment extract, it keeps every
-- customer the seed's WHERE clause (credit_score >= 680, debt_to_income_ratio <= 0.43,
-- existing_loans < 3) would have dropped, so the credit-qualification filter accounts for them
-- in the run summary.
SELECT customer_id, credit_score, income,
       debt_to_income_ratio, account_age,
       deposit_balance, transaction_history,
       existing_loans, payment_history,
       marketplace, state, identity_verified, account_status,
       income_history, employment_status, employment_months,
       ofac_match, prescreen_opt_out,
       gender, age, marital_status
FROM customer_credit_profiles
