package com.targeting.core.testing;

import static com.targeting.core.testing.AthenaDdlTest.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.program.RunSummary;
import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.PartitionedTableSink.Format;
import com.targeting.core.sink.RunPartition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables of {@code sql/athena} (and DDL in the same form) created in a real Trino over files the
 * project's own sinks wrote with the one Spark session, and queried with exact results.
 */
class TrinoServerTest {
  private static final String PROGRAM = "investment-recommendations";
  private static final String LOANS = "loan-offer-targeting";
  private static final String CHANNEL = "struct<channel:string, priority:int, max_items:int, display_until:date>";
  private static final String OFFERS_DDL = """
      -- Athena's native Delta Lake table: no columns, Athena reads them from the Delta log.
      CREATE EXTERNAL TABLE IF NOT EXISTS targeting.offers
      LOCATION '${output}/offers'
      TBLPROPERTIES ('table_type' = 'DELTA');

      CREATE OR REPLACE VIEW targeting.offers_per_day AS
      SELECT program, dt, count(*) AS offers, sum(loan_amount) AS amount
      FROM targeting.offers
      GROUP BY program, dt;
      """;

  @TempDir
  static Path output;
  private static TrinoServer trino;

  @BeforeAll
  static void writeOutputAndCreateTables() throws IOException {
    TrinoServer.startInBackground();
    String root = output.toString();

    // Candidates: Parquet without the partition columns, as the sink writes them; the file holds
    // only some of the investment program's Parquet DDL columns (the others read as null, as on Athena).
    PartitionedTableSink.of("candidates", root + "/candidates").write(TestSpark.rows(
        "customer_id STRING, suitability_score DOUBLE, score_band STRING, asset_class_preference MAP<STRING, DOUBLE>, "
            + "channels ARRAY<" + CHANNEL + ">",
        new Object[] {"c1", 0.9, "high", Map.of("equity", 0.7), List.of(channel("email", 1, 5, "2026-12-01"),
            channel("push", 2, 3, "2026-11-25"))},
        new Object[] {"c2", 0.7, "medium", Map.of("bonds", 0.5), List.of(channel("email", 1, 5, "2026-12-01"))},
        new Object[] {"c3", 0.4, "low", Map.of(), List.of()}), new RunPartition(PROGRAM, LocalDate.parse("2026-11-20")));

    PartitionedTableSink rejections = PartitionedTableSink.of("rejections", root + "/rejections");
    String rejection = "customer_id STRING, removed_by STRING, removal_reason STRING";
    rejections.write(TestSpark.rows(rejection,
        new Object[] {"r1", "trust", "no consent"},
        new Object[] {"r2", "trust", "no consent"},
        new Object[] {"r3", "eligibility", "minor"}), new RunPartition(PROGRAM, LocalDate.parse("2026-11-20")));
    rejections.write(TestSpark.rows(rejection,
        new Object[] {"r4", "eligibility", "minor"}), new RunPartition(PROGRAM, LocalDate.parse("2026-11-21")));
    // No quarantine at all: its table's projected partitions have no directory.

    // Summaries: one JSON object per run, written as the runner writes it (RunSummary, one line).
    Path summaries = Files.createDirectories(output.resolve("summaries/program=" + PROGRAM + "/dt=2026-11-20"));
    Files.writeString(summaries.resolve("run-a.json"), new RunSummary()
        .put("program", PROGRAM).put("run_date", "2026-11-20").put("input_rows", 10)
        .put("removed_by_filter", Map.of("trust", 2, "eligibility", 1)).put("candidates", 3)
        .put("channel_audiences", Map.of("email", 2, "push", 1)).put("models", Map.of("suitability", Map.of("version", 3)))
        .put("status", "succeeded").toJson());
    Files.writeString(summaries.resolve("run-b.json"), new RunSummary()
        .put("program", PROGRAM).put("run_date", "2026-11-20").put("input_rows", 10).put("status", "failed")
        .put("error", Map.of("category", "external", "message", "extract missing")).toJson());

    // Offers: a Delta table partitioned by program and dt, as the sink writes it in DELTA mode.
    PartitionedTableSink offers = PartitionedTableSink.of("offers", root + "/offers", Format.DELTA);
    String offer = "customer_id STRING, credit_tier STRING, loan_amount DOUBLE, channels ARRAY<" + CHANNEL + ">";
    offers.write(TestSpark.rows(offer,
        new Object[] {"o1", "excellent", 50000.0, List.of(channel("email", 1, 1, "2026-11-30"), channel("sms", 2, 1, "2026-11-30"))},
        new Object[] {"o2", "good", 30000.0, List.of(channel("email", 1, 1, "2026-11-30"))}),
        new RunPartition(LOANS, LocalDate.parse("2026-11-16")));
    offers.write(TestSpark.rows(offer,
        new Object[] {"o3", "fair", 15000.0, List.of(channel("in_app", 1, 1, "2026-12-07"))}),
        new RunPartition(LOANS, LocalDate.parse("2026-11-23")));

    Files.writeString(output.resolve("offers.sql"), OFFERS_DDL);
    trino = TrinoServer.instance();
    createTables();
  }

  /** The schema anew, with the tables of every test. */
  private static void createTables() {
    trino.recreateSchema("targeting");
    trino.createTables(AthenaDdl.location(output), List.of(sql("parquet/investment-recommendations.sql"), sql("parquet/rejections.sql"),
        sql("summaries.sql"), output.resolve("offers.sql")));
  }

  @Test
  void parquetTableWithPartitionProjectionReadsTheSinksPartitions() {
    assertThat(query("""
        SELECT dt, removed_by, count(*) AS customers
        FROM targeting.rejections
        WHERE program = 'investment-recommendations' AND dt IN ('2026-11-20', '2026-11-21')
        GROUP BY dt, removed_by
        ORDER BY dt, removed_by""")).containsExactly(
        Map.of("dt", "2026-11-20", "removed_by", "eligibility", "customers", 1L),
        Map.of("dt", "2026-11-20", "removed_by", "trust", "customers", 2L),
        Map.of("dt", "2026-11-21", "removed_by", "eligibility", "customers", 1L));

    assertThat(query("""
        SELECT customer_id, suitability_score, asset_class_preference, channels, marketplace
        FROM targeting.investment_candidates
        WHERE dt = '2026-11-20' AND customer_id = 'c2'""")).singleElement()
        .satisfies(row -> {
          assertThat(row).containsEntry("customer_id", "c2").containsEntry("suitability_score", 0.7)
              .containsEntry("asset_class_preference", Map.of("bonds", 0.5)).containsEntry("marketplace", null);
          assertThat(row.get("channels")).isEqualTo(List.of(Map.of("channel", "email", "priority", 1, "max_items", 5,
              "display_until", LocalDate.parse("2026-12-01"))));
        });
  }

  @Test
  void projectedPartitionsWithoutDirectoryReadAsEmptyAsOnAthena() throws IOException {
    // Athena returns no rows for a projected partition that has no files; Trino fails unless
    // hive.ignore-absent-partitions is set, which TrinoServer sets.
    assertThat(query("SELECT count(*) AS n FROM targeting.quarantine WHERE program = 'investment-recommendations' AND dt = '2026-11-20'"))
        .containsExactly(Map.of("n", 0L));
    // A query that filters on neither key (as sql/analyst/funnel-by-day.sql): every projected date
    // since 2026-01-01, all but two without a directory.
    Path funnel = output.resolve("funnel-by-day.sql");
    Files.writeString(funnel, """
        -- Where the customers of each run went: removed per filter, per day.
        SELECT dt, program, removed_by, count(*) AS customers
        FROM targeting.rejections
        GROUP BY dt, program, removed_by
        ORDER BY dt, program, customers DESC;
        """);
    assertThat(trino.queryFile(TrinoServer.HIVE, funnel)).containsExactly(
        Map.of("dt", "2026-11-20", "program", PROGRAM, "removed_by", "trust", "customers", 2L),
        Map.of("dt", "2026-11-20", "program", PROGRAM, "removed_by", "eligibility", "customers", 1L),
        Map.of("dt", "2026-11-21", "program", PROGRAM, "removed_by", "eligibility", "customers", 1L));
  }

  @Test
  void unnestOfAnArrayOfRowsNeedsOneAliasPerField() {
    // The fault sql/analyst must not have: Trino (and so Athena engine v3) unnests an array of
    // rows into one column per field, so a single alias is rejected.
    assertThatThrownBy(() -> query("""
        SELECT c.channel AS channel, count(*) AS customers
        FROM targeting.investment_candidates
        CROSS JOIN UNNEST(channels) AS t(c)
        WHERE dt = '2026-11-20'
        GROUP BY c.channel"""))
        .hasMessageContaining("Column alias list has 1 entries but 't' has 4 columns available");

    assertThat(query("""
        SELECT channel, count(*) AS customers
        FROM targeting.investment_candidates
        CROSS JOIN UNNEST(channels) AS t(channel, priority, max_items, display_until)
        WHERE dt = '2026-11-20'
        GROUP BY channel
        ORDER BY customers DESC""")).containsExactly(
        Map.of("channel", "email", "customers", 2L),
        Map.of("channel", "push", "customers", 1L));
  }

  @Test
  void openXJsonSummariesReadOneRowPerRunFile() {
    List<Map<String, Object>> rows = query("""
        SELECT program, run_date, status, input_rows, candidates, removed_by_filter, channel_audiences['push'] AS push
        FROM targeting.summaries
        WHERE program_partition = 'investment-recommendations' AND dt = '2026-11-20'
        ORDER BY status DESC""");

    assertThat(rows).hasSize(2);
    assertThat(rows.get(0)).containsEntry("program", PROGRAM).containsEntry("run_date", "2026-11-20")
        .containsEntry("status", "succeeded").containsEntry("input_rows", 10L).containsEntry("candidates", 3L)
        .containsEntry("removed_by_filter", Map.of("trust", 2L, "eligibility", 1L)).containsEntry("push", 1L);
    assertThat(rows.get(1)).containsEntry("status", "failed").containsEntry("input_rows", 10L)
        .containsEntry("candidates", null).containsEntry("removed_by_filter", null).containsEntry("push", null);
  }

  @Test
  void registeredDeltaTableAndItsViewReadFromEitherCatalog() {
    List<Map<String, Object>> perDay = List.of(
        Map.of("program", LOANS, "dt", "2026-11-16", "offers", 2L, "amount", 80000.0),
        Map.of("program", LOANS, "dt", "2026-11-23", "offers", 1L, "amount", 15000.0));
    assertThat(trino.query(TrinoServer.HIVE, null, "SELECT * FROM targeting.offers_per_day ORDER BY dt")).isEqualTo(perDay);
    assertThat(trino.query(TrinoServer.DELTA, null, "SELECT * FROM targeting.offers_per_day ORDER BY dt")).isEqualTo(perDay);

    assertThat(trino.query(TrinoServer.DELTA, "targeting", """
        SELECT DISTINCT customer_id
        FROM offers
        CROSS JOIN UNNEST(channels) AS t(channel, priority, max_items, display_until)
        WHERE dt = '2026-11-16' AND channel = 'sms'""")).containsExactly(Map.of("customer_id", "o1"));
  }

  @Test
  void recreatingTheSchemaDropsTablesAndViewsButKeepsTheirFiles() throws IOException {
    try {
      trino.recreateSchema("targeting");

      assertThatThrownBy(() -> query("SELECT count(*) FROM targeting.offers")).hasMessageContaining("does not exist");
      assertThatThrownBy(() -> query("SELECT count(*) FROM targeting.offers_per_day")).hasMessageContaining("does not exist");
      assertThat(output.resolve("offers/_delta_log")).isDirectory();
      assertThat(output.resolve("rejections/program=" + PROGRAM + "/dt=2026-11-20")).isDirectory();

      // The same files serve the recreated tables.
      trino.createTables(AthenaDdl.location(output), List.of(sql("parquet/rejections.sql"), output.resolve("offers.sql")));
      assertThat(query("SELECT count(*) AS n FROM targeting.offers")).containsExactly(Map.of("n", 3L));
      assertThat(query("SELECT count(*) AS n FROM targeting.rejections WHERE program = 'investment-recommendations' AND dt = '2026-11-20'"))
          .containsExactly(Map.of("n", 3L));
    } finally {
      // The other tests' tables, whatever failed above: a failure here must not fail them too.
      createTables();
    }
  }

  private static List<Map<String, Object>> query(String sql) {
    return trino.query(TrinoServer.HIVE, null, sql);
  }

  private static Row channel(String channel, int priority, int maxItems, String displayUntil) {
    return RowFactory.create(channel, priority, maxItems, Date.valueOf(displayUntil));
  }
}
