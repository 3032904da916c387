-- Where the customers of each run went: removed per filter, per day.
SELECT dt, program, removed_by, count(*) AS customers
FROM targeting.rejections
GROUP BY dt, program, removed_by
ORDER BY dt, program, customers DESC;
