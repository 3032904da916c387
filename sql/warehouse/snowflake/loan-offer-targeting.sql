-- Loan offer targeting (seed 001): the weekly extract of credit profiles from Snowflake
-- (database customer_data, schema credit), pushed down by spark-snowflake. Like the investment
-- extract, it keeps every customer the seed's WHERE clause would have dropped, so the
-- credit-qualification filter accounts for them in the run summary.
SELECT customer_id, credit_score, income,
       debt_to_income_ratio, account_age,
       deposit_balance, transaction_history,
       existing_loans, payment_history
FROM customer_credit_profiles
