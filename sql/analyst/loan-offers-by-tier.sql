-- The week's pre-approved offers per credit tier: how many, the amounts, rates and payments, and
-- how many also go out by SMS (the excellent tier only, per the seed).
WITH sms AS (
  SELECT DISTINCT customer_id
  FROM targeting.loan_offers
  CROSS JOIN UNNEST(channels) AS a(channel, priority, max_items, display_until)
  WHERE dt = '2026-11-16' AND a.channel = 'sms'
)
SELECT o.credit_tier AS credit_tier,
       count(*) AS offers,
       round(sum(o.loan_amount), 2) AS total_amount,
       max(o.loan_amount) AS max_amount,
       min(o.apr_pct) AS apr_pct,
       round(avg(o.monthly_payment), 2) AS average_monthly_payment,
       count(s.customer_id) AS sms
FROM targeting.loan_offers o
LEFT JOIN sms s ON o.customer_id = s.customer_id
WHERE o.dt = '2026-11-16'
GROUP BY o.credit_tier
ORDER BY max_amount DESC;
