-- How many candidates of an investment-recommendations run each channel reaches (in-app, email, push).
-- Unnesting an array of rows yields one column per field, so the alias names all four.
SELECT a.channel AS channel, count(*) AS customers
FROM targeting.investment_candidates
CROSS JOIN UNNEST(channels) AS a(channel, priority, max_items, display_until)
WHERE dt = '2026-11-20'
GROUP BY a.channel
ORDER BY customers DESC;
