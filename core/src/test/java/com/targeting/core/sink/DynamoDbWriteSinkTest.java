package com.targeting.core.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.sink.dynamodb.DynamoDbItemLayout;
import com.targeting.core.sink.dynamodb.DynamoDbSettings;
import com.targeting.core.sink.dynamodb.DynamoDbWriteSink;
import com.targeting.core.sink.dynamodb.GsiCheck;
import com.targeting.core.sink.dynamodb.TableDefinition;
import com.targeting.core.testing.Dynalite;
import com.targeting.core.testing.FaultProxy;
import com.targeting.core.testing.TestSpark;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * BatchWriteItem into dynalite (a real DynamoDB-compatible server, its own process; through
 * {@link Dynalite#endpoint()} it also has DynamoDB's TTL operations), with and without the fault
 * proxy's throttling, server errors and unprocessed items.
 */
class DynamoDbWriteSinkTest {
  private static final String PROGRAM = "investment-recommendations";
  private static final RunPartition RUN = new RunPartition(PROGRAM, LocalDate.of(2026, 11, 20));
  private static final String[] PROFILES = {"conservative", "moderate", "aggressive"};
  private static final String[] CLASSES = {"stocks", "bonds", "etfs"};
  // The program's own 7 days: long past for the fixed run date, but dynalite never deletes expired
  // items, so every item written is there to read back.
  private static final int TTL_DAYS = 7;
  static final DynamoDbItemLayout INVESTMENT_LAYOUT = new DynamoDbItemLayout(
      Map.of("pk", "concat(customer_id, '#', '" + PROGRAM + "')",
          "gsi1pk", "concat('" + PROGRAM + "', '#', risk_tolerance)",
          "gsi1sk", "suitability_score",
          "gsi2pk", "concat('" + PROGRAM + "', '#', recommendations[0].asset_class)",
          "gsi2sk", "CAST(DATE '2026-11-20' AS STRING)"),
      List.of("customer_id", "risk_tolerance", "suitability_score", "score_band", "recommendations"), "expires_at", TTL_DAYS);
  static final TableDefinition INVESTMENT_TABLE = new TableDefinition(List.of(
      new TableDefinition.Index("gsi1", "gsi1pk", "gsi1sk", "N"),
      new TableDefinition.Index("gsi2", "gsi2pk", "gsi2sk", "S")));

  /** Candidates C0..C(n-1): profile, score and top asset class cycle so every GSI partition is used. */
  static Dataset<Row> candidates(int count) {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      double score = (i % 100) / 100.0;
      rows.add(new Object[] {"C" + i, PROFILES[i % 3], score, score >= 0.7 ? "high" : score >= 0.4 ? "medium" : "low",
          List.of(RowFactory.create(1, CLASSES[i % 3], 1000.0 + i), RowFactory.create(2, "bonds", 250.5))});
    }
    return TestSpark.rows("customer_id STRING, risk_tolerance STRING, suitability_score DOUBLE, score_band STRING, "
        + "recommendations ARRAY<STRUCT<rank: INT, asset_class: STRING, amount: DOUBLE>>", rows.toArray(Object[][]::new));
  }

  private static DynamoDbSettings settings(String endpoint, String table, int maxAttempts) {
    return new DynamoDbSettings(table, "us-east-1", endpoint, true, 2_000, 2, maxAttempts, 5, 100, 2);
  }

  private static DynamoDbWriteSink sink(DynamoDbSettings settings, int sample, List<GsiCheck> checks) {
    return new DynamoDbWriteSink(settings, INVESTMENT_LAYOUT, Optional.of(INVESTMENT_TABLE), sample, checks);
  }

  private static long itemsIn(DynamoDbSettings settings) {
    try (DynamoDbClient client = settings.client()) {
      return client.scanPaginator(r -> r.tableName(settings.table()).select("COUNT")).stream().mapToLong(p -> p.count()).sum();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void itemsLandWithTheirLayoutAndTheServingQueriesReturnExactlyTheExpectedCustomers() {
    DynamoDbSettings settings = settings(Dynalite.instance().endpoint(), "investment-layout", 3);
    DynamoDbWriteSink sink = sink(settings, 50, List.of(new GsiCheck("gsi1", "gsi1pk", "gsi1sk", 0.7),
        new GsiCheck("gsi2", "gsi2pk", "gsi2sk", "2026-11-20")));

    assertThat(sink.write(candidates(300), RUN)).isEqualTo(300);

    Map<String, Object> verification = (Map<String, Object>) sink.report().get("verification");
    assertThat(verification).containsEntry("sampled_items", 50).containsEntry("sampled_mismatches", 0);
    List<Map<String, Object>> queries = (List<Map<String, Object>>) verification.get("gsi_queries");
    assertThat(queries).hasSize(6).allSatisfy(q -> assertThat(q.get("returned")).isEqualTo(q.get("expected")));
    try (DynamoDbClient client = settings.client()) {
      // High scorers among conservative customers: i % 3 == 0 and i % 100 >= 70.
      QueryResponse high = client.query(r -> r.tableName(settings.table()).indexName("gsi1")
          .keyConditionExpression("gsi1pk = :p AND gsi1sk >= :min")
          .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(PROGRAM + "#conservative"), ":min", AttributeValue.fromN("0.7"))));
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        if (i % 3 == 0 && i % 100 >= 70) {
          expected.add("C" + i);
        }
      }
      assertThat(high.items()).extracting(item -> item.get("customer_id").s()).containsExactlyInAnyOrderElementsOf(expected);

      Map<String, AttributeValue> item = client.getItem(r -> r.tableName(settings.table())
          .key(Map.of("pk", AttributeValue.fromS("C7#" + PROGRAM)))).item();
      assertThat(item.get("expires_at").n())
          .isEqualTo(Long.toString(LocalDate.of(2026, 11, 20).plusDays(TTL_DAYS).atStartOfDay(java.time.ZoneOffset.UTC).toEpochSecond()));
      assertThat(item.get("suitability_score").n()).isEqualTo("0.07");
      assertThat(item.get("gsi2pk").s()).isEqualTo(PROGRAM + "#bonds");
      assertThat(item.get("recommendations").l().get(0).m().get("amount").n()).isEqualTo("1007");
      assertThat(client.describeTimeToLive(r -> r.tableName(settings.table())).timeToLiveDescription().attributeName())
          .isEqualTo("expires_at");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theLoanOfferLayoutServesOffersByTierAboveAScoreAndByAmountAndDate() {
    // Seed 001: pk CustomerId:Program, GSI1 Program:CreditTier:Score, GSI2 Program:LoanAmount:Date, TTL 90 days.
    String program = "loan-offer-targeting";
    DynamoDbItemLayout loans = new DynamoDbItemLayout(
        Map.of("pk", "concat(customer_id, '#', '" + program + "')",
            "gsi1pk", "concat('" + program + "', '#', credit_tier)",
            "gsi1sk", "approval_score",
            "gsi2pk", "concat('" + program + "', '#', CAST(offer_amount AS STRING))",
            "gsi2sk", "CAST(DATE '2026-11-16' AS STRING)"),
        List.of("customer_id", "credit_tier", "approval_score", "offer_amount", "apr", "term_months"), "expires_at", 90);
    String[] tiers = {"excellent", "good", "fair"};
    double[] amounts = {50_000, 30_000, 15_000};
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      rows.add(new Object[] {"L" + i, tiers[i % 3], (i % 10) / 10.0, amounts[i % 3], 5.5 + i % 3, 60 - 12 * (i % 3)});
    }
    Dataset<Row> offers = TestSpark.rows("customer_id STRING, credit_tier STRING, approval_score DOUBLE, offer_amount DOUBLE, "
        + "apr DOUBLE, term_months INT", rows.toArray(Object[][]::new));
    DynamoDbSettings settings = settings(Dynalite.instance().endpoint(), "loan-offers", 3);
    DynamoDbWriteSink sink = new DynamoDbWriteSink(settings, loans, Optional.of(INVESTMENT_TABLE), 20,
        List.of(new GsiCheck("gsi1", "gsi1pk", "gsi1sk", 0.5), new GsiCheck("gsi2", "gsi2pk", "gsi2sk", "2026-11-16")));

    assertThat(sink.write(offers, new RunPartition(program, LocalDate.of(2026, 11, 16)))).isEqualTo(90);

    List<Map<String, Object>> queries = (List<Map<String, Object>>) ((Map<String, Object>) sink.report().get("verification")).get("gsi_queries");
    assertThat(queries).hasSize(6).allSatisfy(q -> assertThat(q.get("returned")).isEqualTo(q.get("expected")));
    try (DynamoDbClient client = settings.client()) {
      QueryResponse excellent = client.query(r -> r.tableName(settings.table()).indexName("gsi1")
          .keyConditionExpression("gsi1pk = :p AND gsi1sk >= :min")
          .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(program + "#excellent"), ":min", AttributeValue.fromN("0.8"))));
      // excellent: i % 3 == 0; score (i % 10) / 10 >= 0.8: i % 10 in {8, 9}
      assertThat(excellent.items()).extracting(item -> item.get("customer_id").s())
          .containsExactlyInAnyOrder("L9", "L18", "L39", "L48", "L69", "L78");
      Map<String, AttributeValue> item = client.getItem(r -> r.tableName(settings.table())
          .key(Map.of("pk", AttributeValue.fromS("L0#" + program)))).item();
      assertThat(item.get("expires_at").n()).isEqualTo(Long.toString(LocalDate.of(2026, 11, 16).plusDays(90)
          .atStartOfDay(java.time.ZoneOffset.UTC).toEpochSecond()));
      assertThat(item.get("gsi2pk").s()).isEqualTo(program + "#50000.0");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aNightlyImportCreatesTheRunsTableWithItsIndexesAndMovesTheServingPointer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path temp) {
    java.nio.file.Path bucket = temp.resolve("bucket");
    try (com.targeting.core.testing.ImportTableFake fake = new com.targeting.core.testing.ImportTableFake(
        Dynalite.instance().endpoint(), Map.of("exports", bucket))) {
      DynamoDbSettings settings = new DynamoDbSettings("serving", "us-east-1", fake.endpoint(), true, 100, 1, 3, 5, 100, 2);
      try (DynamoDbClient client = settings.client()) {
        new TableDefinition(List.of()).createIfMissing(client, "serving-pointers", "unused", true);
      }
      com.targeting.core.sink.dynamodb.DynamoDbImportSink sink = new com.targeting.core.sink.dynamodb.DynamoDbImportSink(
          bucket.resolve("dynamodb-import").toString(), INVESTMENT_LAYOUT, Optional.of(
              new com.targeting.core.sink.dynamodb.DynamoDbImportSink.TableImport(
                  new com.targeting.core.sink.dynamodb.ImportTable("serving-pointers", Optional.of("s3://exports/dynamodb-import"),
                      java.time.Duration.ofMinutes(1), java.time.Duration.ofMillis(10)),
                  settings, INVESTMENT_TABLE)));

      assertThat(sink.write(candidates(90), RUN)).isEqualTo(90);

      Map<String, Object> result = (Map<String, Object>) sink.report().get("import_table");
      assertThat(result).containsEntry("table", "serving-2026-11-20").containsEntry("imported_items", 90L)
          .containsEntry("source", "s3://exports/dynamodb-import/program=" + PROGRAM + "/dt=2026-11-20/");
      com.fasterxml.jackson.databind.JsonNode request = fake.importRequests.get(0);
      assertThat(request.get("InputFormat").asText()).isEqualTo("DYNAMODB_JSON");
      assertThat(request.get("InputCompressionType").asText()).isEqualTo("GZIP");
      assertThat(request.get("TableCreationParameters").get("GlobalSecondaryIndexes")).hasSize(2);
      // The request as sent has AWS's own shape (botocore's model), and the check can fail.
      assertThat(com.targeting.core.testing.AwsServiceModel.problems("dynamodb", "ImportTable", request)).isEmpty();
      com.fasterxml.jackson.databind.node.ObjectNode broken = request.deepCopy();
      broken.remove("InputFormat");
      broken.put("Compression", "GZIP");
      assertThat(com.targeting.core.testing.AwsServiceModel.problems("dynamodb", "ImportTable", broken))
          .contains("Missing required parameter in input: \"InputFormat\"").contains("Unknown parameter in input: \"Compression\"");
      try (DynamoDbClient client = settings.client()) {
        Map<String, AttributeValue> pointer = client.getItem(r -> r.tableName("serving-pointers")
            .key(Map.of("pk", AttributeValue.fromS(PROGRAM)))).item();
        assertThat(pointer.get("table").s()).isEqualTo("serving-2026-11-20");
        assertThat(client.describeTimeToLive(r -> r.tableName("serving-2026-11-20")).timeToLiveDescription().attributeName())
            .isEqualTo("expires_at");
        QueryResponse moderate = client.query(r -> r.tableName("serving-2026-11-20").indexName("gsi1")
            .keyConditionExpression("gsi1pk = :p").expressionAttributeValues(Map.of(":p", AttributeValue.fromS(PROGRAM + "#moderate"))));
        assertThat(moderate.count()).isEqualTo(30);
      }
      assertThatThrownBy(() -> sink.write(candidates(90), RUN))
          .hasMessageContaining("DynamoDB table serving-2026-11-20 is serving");

      // A backfill of an earlier date imports its table but leaves serving on the newer one.
      sink.write(candidates(30), new RunPartition(PROGRAM, LocalDate.of(2026, 11, 19)));
      Map<String, Object> backfill = (Map<String, Object>) sink.report().get("import_table");
      assertThat(backfill).containsEntry("table", "serving-2026-11-19").containsEntry("pointer_moved", false);
      try (DynamoDbClient client = settings.client()) {
        assertThat(client.getItem(r -> r.tableName("serving-pointers").key(Map.of("pk", AttributeValue.fromS(PROGRAM))))
            .item().get("table").s()).isEqualTo("serving-2026-11-20");
      }

      // An import that skipped items (DynamoDB reports them only as a count) never moves the pointer.
      fake.skipItemsWithPk("C3#");
      assertThatThrownBy(() -> sink.write(candidates(10), new RunPartition(PROGRAM, LocalDate.of(2026, 11, 21))))
          .isInstanceOf(TargetingException.class)
          .hasMessage("DynamoDB import into serving-2026-11-21 imported 9 of 10 items with 1 errors; the serving pointer was not moved");
      try (DynamoDbClient client = settings.client()) {
        assertThat(client.getItem(r -> r.tableName("serving-pointers").key(Map.of("pk", AttributeValue.fromS(PROGRAM))))
            .item().get("table").s()).isEqualTo("serving-2026-11-20");
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aLocalServerWithoutUpdateTimeToLiveGetsTheTableWithoutTtlAndEveryItem() {
    // dynalite itself, as scripts/dynalite.sh runs it: UpdateTimeToLive is an UnknownOperationException.
    DynamoDbSettings settings = settings(Dynalite.instance().serverEndpoint(), "investment-no-ttl", 3);
    DynamoDbWriteSink sink = sink(settings, 120, List.of(new GsiCheck("gsi1", "gsi1pk", "gsi1sk", 0.5)));

    assertThat(sink.write(candidates(120), RUN)).isEqualTo(120);

    assertThat(sink.report()).containsEntry("ttl", "not enabled: the local server does not implement UpdateTimeToLive");
    Map<String, Object> verification = (Map<String, Object>) sink.report().get("verification");
    assertThat(verification).containsEntry("sampled_items", 120).containsEntry("sampled_mismatches", 0);
    assertThat(itemsIn(settings)).isEqualTo(120);
    try (DynamoDbClient client = settings.client()) {
      assertThat(client.describeTimeToLive(r -> r.tableName(settings.table())).timeToLiveDescription().timeToLiveStatusAsString())
          .isEqualTo("DISABLED");
      // Against DynamoDB itself (not a local server) the same answer is a failure, never ignored.
      assertThatThrownBy(() -> new TableDefinition(List.of()).createIfMissing(client, "no-ttl-not-local", "expires_at", false))
          .isInstanceOf(software.amazon.awssdk.services.dynamodb.model.DynamoDbException.class)
          .hasMessageContaining("UnknownOperationException");
    }
  }

  @Test
  void credentialsAreTheAwsChainOrALocalServersMadeUpKeyAndNothingElse() {
    com.typesafe.config.Config base = com.typesafe.config.ConfigFactory.parseString(
        "table = investment-local, endpoint = \"http://127.0.0.1:8000\", write-budget = 10");
    assertThat(DynamoDbSettings.from(com.targeting.core.config.ConfigNode.root(
        com.typesafe.config.ConfigFactory.parseString("credentials = local").withFallback(base))).localCredentials()).isTrue();
    assertThat(DynamoDbSettings.from(com.targeting.core.config.ConfigNode.root(base)).localCredentials()).isFalse();

    assertThatThrownBy(() -> DynamoDbSettings.from(com.targeting.core.config.ConfigNode.root(
        com.typesafe.config.ConfigFactory.parseString("credentials = dynamo-local").withFallback(base))))
        .isInstanceOf(TargetingException.class)
        .hasMessageEndingWith("credentials: must be default (the AWS provider chain) or local (a local server's made-up key)")
        .extracting(e -> ((TargetingException) e).category()).isEqualTo(TargetingException.Category.USER_ERROR);
  }

  @Test
  void duplicateKeysAreResolvedBeforeBatchingAndRerunsAreIdempotent() {
    DynamoDbSettings settings = settings(Dynalite.instance().endpoint(), "investment-rerun", 3);
    Dataset<Row> withDuplicate = candidates(120).union(candidates(1));

    DynamoDbWriteSink first = sink(settings, 0, List.of());
    assertThat(first.write(withDuplicate, RUN)).isEqualTo(120);
    assertThat(first.report()).containsEntry("duplicate_keys_resolved", 1L);
    DynamoDbWriteSink again = sink(settings, 10, List.of());
    assertThat(again.write(withDuplicate, RUN)).isEqualTo(120);
    assertThat(itemsIn(settings)).isEqualTo(120);
  }

  @Test
  void throttlingServerErrorsAndUnprocessedItemsAreRetriedUntilNothingIsLost() {
    DynamoDbSettings direct = settings(Dynalite.instance().endpoint(), "investment-faults", 12);
    try (FaultProxy proxy = new FaultProxy(Dynalite.instance().endpoint(), 4, 7, 3)) {
      DynamoDbSettings settings = settings(proxy.endpoint(), "investment-faults", 12);
      DynamoDbWriteSink sink = sink(settings, 100, List.of(new GsiCheck("gsi1", "gsi1pk", "gsi1sk", 0.5)));

      assertThat(sink.write(candidates(1_000), RUN)).isEqualTo(1_000);

      assertThat(proxy.throttled.get()).isPositive();
      assertThat(proxy.serverErrors.get()).isPositive();
      assertThat(proxy.partial.get()).isPositive();
      assertThat(sink.report()).containsEntry("failed", 0L).containsEntry("throttled", proxy.throttled.get())
          .containsEntry("server_errors", proxy.serverErrors.get());
      assertThat((Long) sink.report().get("unprocessed_retried")).isPositive();
    }
    assertThat(itemsIn(direct)).isEqualTo(1_000);
  }

  @Test
  void whenRetriesRunOutTheRunFailsWithTheNumberOfItemsNotWritten() {
    try (FaultProxy proxy = new FaultProxy(Dynalite.instance().endpoint(), 1, 0, 0)) {
      DynamoDbWriteSink sink = sink(settings(proxy.endpoint(), "investment-exhausted", 3), 0, List.of());

      assertThatThrownBy(() -> sink.write(candidates(60), RUN))
          .isInstanceOf(TargetingException.class)
          .hasMessageStartingWith("DynamoDB batch-write to investment-exhausted: 60 of 60 items were not written "
              + "(retry limit of 3 attempts reached (last: ProvisionedThroughputExceededException))");
      assertThat(((TargetingException) catchThrowable(sink, candidates(60))).category()).isEqualTo(TargetingException.Category.EXTERNAL);
    }
  }

  @Test
  void anItemOverFourHundredKilobytesFailsNamingItsCustomer() {
    Dataset<Row> big = candidates(3).withColumn("score_band",
        org.apache.spark.sql.functions.when(org.apache.spark.sql.functions.col("customer_id").equalTo("C1"),
            org.apache.spark.sql.functions.repeat(org.apache.spark.sql.functions.lit("x"), 420 * 1024)).otherwise(org.apache.spark.sql.functions.col("score_band")));
    DynamoDbWriteSink sink = sink(settings(Dynalite.instance().endpoint(), "investment-big", 3), 0, List.of());

    assertThatThrownBy(() -> sink.write(big, RUN))
        .hasMessage("DynamoDB export: the item with pk C1#investment-recommendations is larger than DynamoDB's 400 KB limit");
  }

  private static Throwable catchThrowable(DynamoDbWriteSink sink, Dataset<Row> rows) {
    try {
      sink.write(rows, RUN);
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }
}
