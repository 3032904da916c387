-- Every attempt of every program this month, newest first: did it succeed, and if not, who has
-- to act (error category) and why. A date whose newest attempt failed has no complete output.
SELECT program_partition AS program, dt, run_id, status, error.category AS error_category,
       error.message AS error_message, input_rows, candidates, total_ms, finished_at
FROM targeting.summaries
WHERE dt BETWEEN '2026-11-01' AND '2026-11-30'
ORDER BY dt DESC, program, finished_at DESC;
