package com.targeting.tools.sample;

import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What the generators of a program's customer extract share (investment, loans): the customers
 * drawn once and cached, then from them the warehouse extract (CSV, all text), the Delta contact
 * history and the opt-out list, then the program's own datasets (a labeled history, market data).
 */
abstract class CustomerSampleData {
  final SparkSession spark;
  final long rows;
  final long seed;
  final LocalDate runDate;
  private final String program;
  private final String otherProgram;
  private final String extractName;

  /**
   * {@code rows} customers of {@code program} drawn with {@code seed} for {@code runDate}; the
   * extract is written as {@code extractName}; {@code otherProgram}'s opt-outs and contacts must
   * not count against this program.
   */
  CustomerSampleData(SparkSession spark, long rows, long seed, LocalDate runDate, String program, String otherProgram,
      String extractName) {
    this.spark = spark;
    this.rows = rows;
    this.seed = seed;
    this.runDate = runDate;
    this.program = program;
    this.otherProgram = otherProgram;
    this.extractName = extractName;
  }

  /** Writes every dataset under {@code directory} and returns their paths, in the order written. */
  public List<String> writeAll(String directory, long historyRows) {
    Dataset<Row> customers = customers().cache(); // read by the extract, contact history and opt-outs
    try {
      List<String> written = new ArrayList<>();
      written.add(SampleTables.writeCsv(extract(customers), directory + "/" + extractName));
      // The contact history is the Delta table each run merges its candidates into.
      written.add(SampleTables.writeContactHistory(contactHistory(customers), directory + "/contact_history"));
      written.add(SampleTables.writeCsv(optOuts(customers), directory + "/opt_outs"));
      written.addAll(writeOwn(directory, historyRows));
      return written;
    } finally {
      customers.unpersist();
    }
  }

  /** Customer profiles with the hidden draws that decide which filter (if any) fails them. */
  abstract Dataset<Row> customers();

  /** The extract as the warehouse gives it: all text, with a small share of rows that break the contract. */
  abstract Dataset<Row> extract(Dataset<Row> customers);

  /** Past contacts of the customers, by this program and by another one (which must not count). */
  abstract Dataset<Row> contactHistory(Dataset<Row> customers);

  /** The program's other datasets, written under {@code directory}: their paths, in the order written. */
  abstract List<String> writeOwn(String directory, long historyRows);

  /**
   * A contact of the customer by {@code program} on {@code channel}, between {@code fewest} and
   * {@code most} days before the run date (drawn with {@code salt}), for {@link #contactHistory}.
   */
  Column contactDaysAgo(Draws d, String program, String channel, String salt, long fewest, long most) {
    return SampleTables.contact(program, channel, date_sub(lit(runDate.toString()).cast("date"), d.integer(salt, fewest, most).cast("int")));
  }

  /** Opt-outs of this program or of all programs (null program), and of another program only. */
  Dataset<Row> optOuts(Dataset<Row> customers) {
    return SampleTables.optOuts(customers, new Draws(seed, "id"), program, otherProgram, runDate);
  }
}
