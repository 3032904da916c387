-- How many candidates each channel reaches in a run (in-app, email, push).
SELECT c.channel AS channel, count(*) AS customers
FROM targeting.candidates
CROSS JOIN UNNEST(channels) AS t(c)
WHERE program = 'investment-recommendations' AND dt = '2026-11-20'
GROUP BY c.channel
ORDER BY customers DESC;
