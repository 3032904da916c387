package com.targeting.jobs;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.program.RunSummary;
import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.sink.dynamodb.DynamoDbExport;
import com.targeting.core.sink.dynamodb.DynamoDbSink;
import com.typesafe.config.Config;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Re-exports one run date's candidates from their Parquet partition to DynamoDB, without
 * re-scoring: {@code dynamodb-export --program P --run-date D}, in the program's configured mode
 * ({@code --conf program.outputs.dynamodb.mode=batch-write} to choose another).
 */
final class DynamoDbExportJob {
  private DynamoDbExportJob() {}

  static RunSummary run(JobArguments arguments) {
    String programId = arguments.requireProgram();
    Config config = arguments.loadConfig(arguments.configFilesFor(programId));
    ProgramConfig program = ProgramConfig.from(config);
    DynamoDbSink sink = program.dynamodb().map(DynamoDbExport::newSink).orElseThrow(() ->
        TargetingException.userError("Program %s has no program.outputs.dynamodb section", programId));
    SparkSession spark = Sessions.start(config, "dynamodb-export");
    RunPartition partition = new RunPartition(program.id(), program.runDate());
    PartitionedTableSink table = program.outputs().candidatesTable();
    if (!table.exists(spark, partition)) {
      throw TargetingException.userError("No candidates for %s on %s in %s: run the program for that date first",
          program.id(), program.runDate(), table.basePath());
    }
    long start = System.nanoTime();
    // Read by the count and the export: cache.
    Dataset<Row> candidates = table.read(spark, partition).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long rows = candidates.count();
      long written = sink.write(candidates, partition);
      if (written != rows) {
        throw TargetingException.internal("DynamoDB export wrote %d items for %d candidates", written, rows);
      }
      return new RunSummary()
          .put("job", "dynamodb-export")
          .put("program", program.id())
          .put("run_date", program.runDate().toString())
          .put("candidates", rows)
          .put("written", written)
          .put("dynamodb", sink.report())
          .put("total_ms", (System.nanoTime() - start) / 1_000_000)
          .put("status", "succeeded");
    } finally {
      candidates.unpersist();
    }
  }
}
