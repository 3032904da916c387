-- Customers removed by a filter (removed_by, removal_reason; after scoring with their scores) and
-- rows that broke an extract's contract (quarantine_rule, quarantine_reason), of every program:
-- Delta Lake tables partitioned by program and dt. Each holds the extract's columns of every
-- program that wrote to it. ${output} is the output root.
CREATE EXTERNAL TABLE IF NOT EXISTS targeting.rejections
LOCATION '${output}/rejections/'
TBLPROPERTIES ('table_type' = 'DELTA');

CREATE EXTERNAL TABLE IF NOT EXISTS targeting.quarantine
LOCATION '${output}/quarantine/'
TBLPROPERTIES ('table_type' = 'DELTA');
