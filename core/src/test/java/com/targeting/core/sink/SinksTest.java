package com.targeting.core.sink;

import static com.targeting.core.testing.TestSpark.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.sink.dynamodb.DynamoDbImportSink;
import com.targeting.core.sink.dynamodb.DynamoDbItemLayout;
import com.targeting.core.testing.TestSpark;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinksTest {
  private static final RunPartition RUN = new RunPartition("investment-recommendations", LocalDate.of(2026, 11, 20));
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path temp;

  private static Dataset<Row> candidates(int count) {
    List<Object[]> values = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      values.add(new Object[] {"C" + i, 0.5 + i / 1000.0, "moderate"});
    }
    return rows("customer_id STRING, score DOUBLE, risk_tolerance STRING", values.toArray(Object[][]::new));
  }

  @Test
  void rewritingARunReplacesOnlyItsPartition() {
    PartitionedTableSink sink = PartitionedTableSink.of("candidates", temp.resolve("candidates").toString());
    RunPartition otherDay = new RunPartition(RUN.program(), RUN.runDate().minusDays(1));

    assertThat(sink.write(candidates(30), otherDay)).isEqualTo(30);
    assertThat(sink.write(candidates(20), RUN)).isEqualTo(20);
    assertThat(sink.write(candidates(20), RUN)).isEqualTo(20);
    assertThat(sink.write(candidates(15), RUN)).isEqualTo(15);

    Dataset<Row> table = TestSpark.session().read().parquet(sink.basePath());
    assertThat(table.columns()).contains("program", "dt");
    Map<String, Long> byDay = new LinkedHashMap<>();
    for (Row row : (Row[]) table.groupBy("dt").count().orderBy("dt").collect()) {
      byDay.put(row.get(0).toString(), row.getLong(1));
    }
    assertThat(byDay).containsExactly(Map.entry("2026-11-19", 30L), Map.entry("2026-11-20", 15L));
  }

  @Test
  void aDeltaTableReplacesOneRunDateInOneCommitAndKeepsTheOthers() {
    PartitionedTableSink sink = PartitionedTableSink.of("candidates", temp.resolve("delta").toString(), PartitionedTableSink.Format.DELTA);
    RunPartition otherDay = new RunPartition(RUN.program(), RUN.runDate().minusDays(1));

    assertThat(sink.write(candidates(30), otherDay)).isEqualTo(30);
    assertThat(sink.write(candidates(20), RUN)).isEqualTo(20);
    assertThat(sink.write(candidates(15), RUN)).isEqualTo(15);
    assertThat(sink.write(candidates(5).limit(0), RUN)).as("an empty run clears its date").isZero();

    Dataset<Row> table = TestSpark.session().read().format("delta").load(sink.basePath());
    assertThat(table.where(functions.col("dt").equalTo("2026-11-19")).count()).isEqualTo(30);
    assertThat(table.count()).isEqualTo(30);
  }

  @Test
  void aTableKeepsItsFormatAndTheOtherFormatIsRefusedBeforeAnythingIsWritten() {
    String delta = temp.resolve("one-format-delta").toString();
    PartitionedTableSink.of("candidates", delta, PartitionedTableSink.Format.DELTA).write(candidates(4), RUN);
    assertThatThrownBy(() -> PartitionedTableSink.of("candidates", delta).write(candidates(2), RUN))
        .hasMessage("Cannot write candidates as Parquet: " + delta + " is a Delta table (program.outputs.format = parquet); "
            + "write it as delta, or give the Parquet table a path of its own");
    PartitionedTableSink deltaTable = PartitionedTableSink.of("candidates", delta, PartitionedTableSink.Format.DELTA);
    assertThat(deltaTable.read(TestSpark.session(), RUN).count()).as("the Delta table is whole and readable").isEqualTo(4);

    String parquet = temp.resolve("one-format-parquet").toString();
    PartitionedTableSink.of("candidates", parquet).write(candidates(3), RUN);
    assertThatThrownBy(() -> PartitionedTableSink.of("candidates", parquet, PartitionedTableSink.Format.DELTA).write(candidates(2), RUN))
        .hasMessage("Cannot write candidates as Delta: " + parquet + " holds files but no Delta log (a Parquet table?); "
            + "write it as parquet (program.outputs.format), or give the Delta table a path of its own");
    assertThat(Files.exists(temp.resolve("one-format-parquet/_delta_log"))).isFalse();
  }

  @Test
  void theContactHistoryHoldsExactlyTheLastAttemptOfEachRunDate() {
    ContactHistory history = new ContactHistory(temp.resolve("contacts").toString(), "customer_id", "'email'");
    RunPartition otherDay = new RunPartition(RUN.program(), RUN.runDate().minusDays(1));
    RunPartition otherProgram = new RunPartition("loan-offer-targeting", RUN.runDate());

    assertThat(history.merge(candidates(10), otherDay)).isEqualTo(10);
    assertThat(history.merge(candidates(4), otherProgram)).isEqualTo(4);
    assertThat(history.merge(candidates(8), RUN)).isEqualTo(8);
    assertThat(history.merge(candidates(8), RUN)).as("a rerun adds nothing").isEqualTo(8);
    assertThat(history.merge(candidates(3), RUN)).as("customers no longer selected are no longer contacts").isEqualTo(3);

    Dataset<Row> contacts = TestSpark.session().read().format("delta").load(history.path());
    assertThat(contacts.count()).isEqualTo(17);
    assertThat(contacts.where(functions.col("program").equalTo("loan-offer-targeting")).count())
        .as("the same date of another program is untouched").isEqualTo(4);
    assertThat(contacts.where(functions.col("contact_date").equalTo(functions.lit("2026-11-19").cast("date"))).count()).isEqualTo(10);
    assertThat(contacts.columns()).containsExactlyInAnyOrder("customer_id", "program", "channel", "contact_date");
  }

  @Test
  void anEmptyRunClearsItsPartition() {
    PartitionedTableSink sink = PartitionedTableSink.of("candidates", temp.resolve("candidates").toString());
    sink.write(candidates(5), RUN);

    assertThat(sink.write(candidates(5).limit(0), RUN)).isZero();
    assertThat(TestSpark.session().read().parquet(sink.basePath()).where(functions.col("dt").equalTo("2026-11-20")).count()).isZero();
  }

  @Test
  void valuesDynamoDbCannotHoldAreLeftOutAndEmptyKeysAreRefused() throws IOException {
    Dataset<Row> scored = rows("customer_id STRING, scores ARRAY<DOUBLE>, weights MAP<STRING, DOUBLE>, huge DOUBLE",
        new Object[] {"C1", java.util.Arrays.asList(1.0, Double.NaN, null, Double.POSITIVE_INFINITY, 2.5),
            new java.util.HashMap<>(Map.of("a", 1.0)), 1e300});
    scored = scored.withColumn("weights", functions.map_concat(functions.col("weights"),
        functions.map(functions.lit("b"), functions.lit(null).cast("double"))));
    DynamoDbItemLayout layout = new DynamoDbItemLayout(
        Map.of("pk", "customer_id"), List.of("customer_id", "scores", "weights", "huge"), "expires_at", 7);
    DynamoDbImportSink sink = new DynamoDbImportSink(temp.resolve("ddb").toString(), layout);

    JsonNode item = JSON.readTree(layout.items(scored, RUN).first().getString(0)).get("Item");

    assertThat(item.get("scores").get("L")).hasSize(2);
    assertThat(item.get("scores").get("L").get(1).get("N").asText()).isEqualTo("2.5");
    assertThat(item.get("weights").get("M").has("a")).isTrue();
    assertThat(item.get("weights").get("M").has("b")).isFalse();
    assertThat(item.has("huge")).isFalse();

    Dataset<Row> emptyKey = rows("customer_id STRING", new Object[] {"C1"}, new Object[] {""});
    assertThatThrownBy(() -> sink.write(emptyKey, RUN))
        .isInstanceOf(com.targeting.core.TargetingException.class)
        .hasMessage("DynamoDB export: 1 items would have a missing pk or an empty key attribute [pk] (first: customer_id = )");
  }

  @Test
  void anItemOverDynamoDbsLimitFailsTheExportAndLeavesThePreviousOneWhole() {
    DynamoDbItemLayout layout = new DynamoDbItemLayout(Map.of("pk", "customer_id"), List.of("customer_id", "note"), "expires_at", 7);
    DynamoDbImportSink sink = new DynamoDbImportSink(temp.resolve("ddb").toString(), layout);
    // 300 KB of quotes: over 400 KB as JSON text (each is escaped), 300 KB as DynamoDB counts it.
    Dataset<Row> fits = rows("customer_id STRING, note STRING", new Object[] {"C1", "short"}, new Object[] {"C2", "\"".repeat(300 * 1024)});
    assertThat(sink.write(fits, RUN)).isEqualTo(2);

    Dataset<Row> tooLarge = rows("customer_id STRING, note STRING", new Object[] {"C1", "short"}, new Object[] {"C3", "x".repeat(410 * 1024)});
    assertThatThrownBy(() -> sink.write(tooLarge, RUN))
        .isInstanceOf(com.targeting.core.TargetingException.class)
        .hasMessage("DynamoDB export: the item with pk C3 is larger than DynamoDB's 400 KB limit");
    assertThat(TestSpark.session().read().text(RUN.under(sink.basePath())).count()).as("the previous export is whole").isEqualTo(2);
    assertThat(Files.exists(Path.of(RUN.stagingUnder(sink.basePath())))).as("no staging left behind").isFalse();
  }

  @Test
  void dynamoDbItemsAreImportReadyJsonWithTypedAttributesKeysAndTtl() throws IOException {
    Dataset<Row> scored = rows(
        "customer_id STRING, score DOUBLE, risk_tolerance STRING, capacity DOUBLE, flags ARRAY<STRING>, "
            + "recommendations ARRAY<STRUCT<rank: INT, asset_class: STRING, amount: DOUBLE>>, note STRING",
        new Object[] {"C1", 0.8125, "moderate", 1.0E-7, List.of("a"), List.of(
            org.apache.spark.sql.RowFactory.create(1, "stocks", 1500.25), org.apache.spark.sql.RowFactory.create(2, "bonds", 100.0)), null},
        new Object[] {"C2", 0.0, "aggressive", 100000000.0, List.of(), List.of(), "x"})
        .withColumn("recommendations", functions.col("recommendations"));
    DynamoDbImportSink sink = new DynamoDbImportSink(temp.resolve("ddb").toString(), new DynamoDbItemLayout(
        Map.of("pk", "concat(customer_id, '#', 'investment-recommendations')",
            "gsi1pk", "concat('investment-recommendations', '#', risk_tolerance)",
            "gsi1sk", "score"),
        List.of("customer_id", "score", "capacity", "flags", "recommendations", "note"), "expires_at", 7));

    assertThat(sink.write(scored, RUN)).isEqualTo(2);
    assertThat(sink.write(scored, RUN)).as("a rerun replaces the run's files").isEqualTo(2);

    Map<String, JsonNode> items = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(Path.of(RUN.under(sink.basePath())))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".gz")).toList()) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
            new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
          for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            JsonNode item = JSON.readTree(line).get("Item");
            items.put(item.get("pk").get("S").asText(), item);
          }
        }
      }
    }
    assertThat(items).containsOnlyKeys("C1#investment-recommendations", "C2#investment-recommendations");
    JsonNode first = items.get("C1#investment-recommendations");
    assertThat(first.get("gsi1pk").get("S").asText()).isEqualTo("investment-recommendations#moderate");
    assertThat(first.get("gsi1sk").get("N").asText()).isEqualTo("0.8125");
    assertThat(first.get("capacity").get("N").asText()).isEqualTo("0.0000001");
    assertThat(first.get("expires_at").get("N").asText()).isEqualTo("1795737600"); // 2026-11-27T00:00Z, run date + 7 days
    assertThat(first.get("flags").get("L").get(0).get("S").asText()).isEqualTo("a");
    JsonNode recommendation = first.get("recommendations").get("L").get(0).get("M");
    assertThat(recommendation.get("rank").get("N").asText()).isEqualTo("1");
    assertThat(recommendation.get("asset_class").get("S").asText()).isEqualTo("stocks");
    assertThat(recommendation.get("amount").get("N").asText()).isEqualTo("1500.25");
    assertThat(first.has("note")).as("null attributes are left out").isFalse();
    JsonNode second = items.get("C2#investment-recommendations");
    assertThat(second.get("score").get("N").asText()).isEqualTo("0");
    assertThat(second.get("capacity").get("N").asText()).isEqualTo("100000000");
    assertThat(second.get("recommendations").get("L")).isEmpty();
  }
}
