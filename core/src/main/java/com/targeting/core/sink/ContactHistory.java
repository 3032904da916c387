package com.targeting.core.sink;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.delta.tables.DeltaTable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The Delta contact-history table the eligibility filters read ("no recommendation in the last 7
 * days"): each run writes its selected candidates as contacts on the run date, in one atomic
 * commit. A rerun of the date replaces that date's contacts of the program (customers no longer
 * selected are removed), so reruns are idempotent; other dates and programs are untouched.
 */
public record ContactHistory(String path, String keyColumn, String channelColumn) {
  public ContactHistory {
    requireNonNull(path, "path is null");
    requireNonNull(keyColumn, "keyColumn is null");
    requireNonNull(channelColumn, "channelColumn is null");
  }

  /** Records the run's candidates as its contacts; returns the contacts the table now holds for this run. */
  public long merge(Dataset<Row> candidates, RunPartition partition) {
    SparkSession spark = candidates.sparkSession();
    Column runDate = lit(partition.runDate().toString()).cast("date");
    Dataset<Row> contacts = candidates.select(
        col(keyColumn).cast("string").as("customer_id"),
        lit(partition.program()).as("program"),
        org.apache.spark.sql.functions.expr(channelColumn).cast("string").as("channel"),
        runDate.as("contact_date"));
    // One atomic commit that replaces exactly this run's contacts (program and date) and leaves the
    // rest alone. Rows of earlier dates are skipped by the files' contact_date statistics, so the
    // cost is this run's contacts, not the size of the history: a MERGE would join the whole table.
    String thisRun = "program = '" + partition.program() + "' AND contact_date = DATE '" + partition.runDate() + "'";
    if (!DeltaTable.isDeltaTable(spark, path)) {
      contacts.limit(0).write().format("delta").partitionBy("program").save(path);
    }
    contacts.write().format("delta")
        .mode(SaveMode.Overwrite)
        .option("replaceWhere", thisRun)
        .partitionBy("program")
        .save(path);
    return spark.read().format("delta").load(path)
        .where(col("program").equalTo(partition.program()).and(col("contact_date").equalTo(runDate)))
        .count();
  }
}
