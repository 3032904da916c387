-- Candidates of every program: one Delta Lake table (program.outputs.format = delta, the default),
-- partitioned by program and dt, at <output>/candidates/. Athena reads Delta natively: the schema
-- and the files of the latest commit come from the table's _delta_log, so a run date replaced by a
-- job is seen whole or not at all. Programs' columns differ; each program's view
-- (sql/athena/<program>.sql) names its own. ${output} is the output root.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.candidates
LOCATION '${output}/candidates/'
TBLPROPERTIES ('table_type' = 'DELTA');
