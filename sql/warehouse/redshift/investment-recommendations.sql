-- Investment recommendations (seed 000): the daily extract of customer investment profiles,
-- run by the spark-redshift connector (UNLOAD through the S3 temp dir). The seed's query selects
-- only rows that already pass its idle-cash and status conditions; this one keeps them all so
-- that the trust and qualification filters account for every customer in the run summary.
SELECT customer_id,
       marketplace,
       account_status,
       identity_verified,
       account_open_date,
       account_balance,
       idle_cash,
       risk_tolerance,
       investment_goals,
       portfolio_allocation,
       age,
       income,
       investment_experience,
       time_horizon,          -- days
       kyc_status,
       accredited_investor,
       suitability_assessed
FROM investments.customer_investment_profiles
