-- Data quality of every validated attempt this month, newest first: how many checks passed,
-- failed (errors stop the run before it writes; warnings do not) or were skipped, and which failed.
SELECT program_partition AS program, dt, run_id, dataset,
       count_if(status = 'passed') AS passed,
       count_if(status = 'failed' AND level = 'error') AS failed_errors,
       count_if(status = 'failed' AND level = 'warning') AS failed_warnings,
       count_if(status = 'skipped') AS skipped,
       array_join(array_sort(filter(array_agg(CASE WHEN status = 'failed' THEN check_id END), x -> x IS NOT NULL)), ', ') AS failed_checks
FROM targeting.validation
WHERE dt BETWEEN '2026-11-01' AND '2026-11-30'
GROUP BY program_partition, dt, run_id, dataset
ORDER BY dt DESC, program, run_id;
