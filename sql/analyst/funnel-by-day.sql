-- Where the customers of each run went: removed per filter, per program and day, this month.
SELECT dt, program, removed_by, count(*) AS customers
FROM targeting.rejections
WHERE dt BETWEEN '2026-11-01' AND '2026-11-30'
GROUP BY dt, program, removed_by
ORDER BY dt, program, customers DESC;
