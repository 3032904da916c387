package com.targeting.core.sink;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.delta.tables.DeltaTable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The Delta contact-history table the eligibility filters read ("no recommendation in the last 7
 * days"): each run MERGEs its selected candidates in as contacts on the run date, in one atomic
 * commit. A rerun of the date replaces that date's contacts of the program (customers no longer
 * selected are removed), so reruns are idempotent; other dates and programs are untouched.
 */
public record ContactHistory(String path, String keyColumn, String channelColumn) {
  public ContactHistory {
    requireNonNull(path, "path is null");
    requireNonNull(keyColumn, "keyColumn is null");
    requireNonNull(channelColumn, "channelColumn is null");
  }

  /** Merges the run's candidates; returns the contacts the table now holds for this run. */
  public long merge(Dataset<Row> candidates, RunPartition partition) {
    SparkSession spark = candidates.sparkSession();
    Column runDate = lit(partition.runDate().toString()).cast("date");
    Dataset<Row> contacts = candidates.select(
        col(keyColumn).cast("string").as("customer_id"),
        lit(partition.program()).as("program"),
        org.apache.spark.sql.functions.expr(channelColumn).cast("string").as("channel"),
        runDate.as("contact_date"));
    if (!DeltaTable.isDeltaTable(spark, path)) {
      contacts.limit(0).write().format("delta").partitionBy("program").save(path);
    }
    String thisRun = "h.program = '" + partition.program() + "' AND h.contact_date = DATE '" + partition.runDate() + "'";
    DeltaTable.forPath(spark, path).as("h")
        .merge(contacts.as("c"), "h.customer_id = c.customer_id AND h.program = c.program AND h.contact_date = c.contact_date")
        .whenMatched().updateAll()
        .whenNotMatched().insertAll()
        .whenNotMatchedBySource(thisRun).delete()
        .execute();
    return spark.read().format("delta").load(path)
        .where(col("program").equalTo(partition.program()).and(col("contact_date").equalTo(runDate)))
        .count();
  }
}
