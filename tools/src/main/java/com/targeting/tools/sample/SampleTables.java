package com.targeting.tools.sample;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/** What every program's sample-data generator writes the same way: CSV extracts, contact history, opt-outs. */
final class SampleTables {
  private SampleTables() {}

  /** As warehouses write CSV (RFC 4180: a quote inside a quoted field doubled), which is how sources read it. */
  static String writeCsv(Dataset<Row> data, String path) {
    data.write().mode(SaveMode.Overwrite).option("header", "true").option("escape", "\"").csv(path);
    return path;
  }

  /** The Delta contact-history table each program run merges its candidates into. */
  static String writeContactHistory(Dataset<Row> contacts, String path) {
    contacts.write().format("delta").mode(SaveMode.Overwrite).partitionBy("program").save(path);
    return path;
  }

  /**
   * The extract's customer id as the warehouse gives it: null where {@code corrupt} (a uniform
   * draw) is below 0.001, the previous customer's id ({@code prefix} and eight digits: a duplicate)
   * below 0.002, else the customer's own.
   */
  static Column extractId(Column corrupt, String prefix) {
    return when(corrupt.lt(0.001), lit(null).cast("string"))
        .when(corrupt.lt(0.002), format_string(prefix + "%08d", greatest(col("id").minus(1), lit(0L))))
        .otherwise(col("customer_id"));
  }

  /**
   * Partitions, and so csv files, for generating {@code count} rows: one below 100,000 rows (the
   * tests' small tables, where more files only add tasks), else one per 250,000, at least 4, at
   * most 200. A warehouse unload writes several files of a large table (Redshift's UNLOAD one or
   * more per slice), and a {@code multiLine} csv file is read by one task: as a single file, the
   * README's 150,000-customer sample was read on one core (and warned of).
   */
  static int partitions(long count) {
    return count < 100_000 ? 1 : (int) Math.max(4, Math.min(200, count / 250_000 + 1));
  }

  /** One contact, for {@link #contacts}. */
  static Column contact(String program, String channel, Column date) {
    return struct(lit(program).as("program"), lit(channel).as("channel"), date.as("contact_date"));
  }

  /** A row per non-null contact of each customer. */
  static Dataset<Row> contacts(Dataset<Row> customers, Column... contacts) {
    return customers
        .select(col("customer_id"), explode(filter(array(contacts), c -> c.isNotNull())).as("c"))
        .select(col("customer_id"), col("c.program"), col("c.channel"), col("c.contact_date"));
  }

  /**
   * Opt-outs of {@code program} or of all programs (null program) for the customers whose
   * {@code opted_out} draw is set, and opt-outs of {@code otherProgram} only, which must not count.
   */
  static Dataset<Row> optOuts(Dataset<Row> customers, Draws d, String program, String otherProgram, LocalDate runDate) {
    Column mine = when(col("opted_out"), struct(
        when(d.uniform("o-all").lt(0.5), lit(null).cast("string")).otherwise(program).as("program")));
    Column other = when(d.uniform("o-other").lt(0.05), struct(lit(otherProgram).as("program")));
    return customers
        .select(col("customer_id"), explode(filter(array(mine, other), o -> o.isNotNull())).as("o"))
        .select(col("customer_id"), col("o.program"), lit(runDate.minusDays(30).toString()).as("opted_out_at"));
  }
}
