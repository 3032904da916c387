package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.targeting.core.testing.Dynalite;
import com.targeting.core.testing.TestSpark;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * dynamodb-ttl-check as the weekly schedule runs it, against dynalite (which, unlike DynamoDB,
 * never deletes expired items): exit 3 while items outlive their TTL by the grace, 0 once they are
 * gone, 2 for a table that does not exist.
 */
class DynamoDbTtlCheckJobTest {
  private static final String PROGRAM = "investment-recommendations";
  private static final String TABLE = "ttl-check-job";

  private static DynamoDbClient client() {
    return DynamoDbClient.builder()
        .region(Region.US_EAST_1)
        .endpointOverride(URI.create(Dynalite.instance().endpoint()))
        .httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .build();
  }

  private static JobRun check(String table) {
    return JobRun.of(List.of("dynamodb-ttl-check", "--program", PROGRAM, "--conf-dir", TestSpark.confDirectory().toString(),
        "--conf", "program.outputs.dynamodb.batch-write.endpoint=" + Dynalite.instance().endpoint(),
        "--conf", "program.outputs.dynamodb.batch-write.credentials=local",
        "--conf", "program.outputs.dynamodb.batch-write.table=" + table,
        "--conf", "dynamodb-ttl-check.segments=2",
        "--conf", "dynamodb-ttl-check.page-size=4"));
  }

  private static void put(DynamoDbClient client, String pk, Instant expiresAt) {
    client.putItem(r -> r.tableName(TABLE).item(Map.of(
        "pk", AttributeValue.fromS(pk),
        "score_band", AttributeValue.fromS("high"),
        "expires_at", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())))));
  }

  @Test
  void failsWithExit3WhileExpiredItemsOutliveTheGraceAndPassesOnceTheyAreGone() {
    Instant now = Instant.now();
    List<String> pastGrace = new ArrayList<>();
    try (DynamoDbClient client = client()) {
      client.createTable(r -> r.tableName(TABLE).billingMode(BillingMode.PAY_PER_REQUEST)
          .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S))
          .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH)));
      client.waiter().waitUntilTableExists(r -> r.tableName(TABLE));
      for (int i = 0; i < 7; i++) {
        String pk = "C" + (100 + i) + "#" + PROGRAM;
        put(client, pk, now.minus(Duration.ofDays(9)));    // the seed's 7-day TTL, expired 9 days ago
        pastGrace.add(pk);
      }
      for (int i = 0; i < 5; i++) {
        put(client, "C" + (200 + i) + "#" + PROGRAM, now.minus(Duration.ofHours(12)));  // expiring: DynamoDB's normal lag
        put(client, "C" + (300 + i) + "#" + PROGRAM, now.plus(Duration.ofDays(5)));     // live
        put(client, "C" + (400 + i) + "#loan-offer-targeting", now.minus(Duration.ofDays(9)));
      }
    }

    JobRun failed = check(TABLE);

    JsonNode summary = failed.summary();
    assertThat(failed.code()).as(summary.toString()).isEqualTo(3);
    assertThat(summary.get("status").asText()).isEqualTo("failed");
    assertThat(summary.get("error").get("category").asText()).isEqualTo("external");
    assertThat(summary.get("error").get("message").asText())
        .startsWith("DynamoDB table ttl-check-job: 7 items of program investment-recommendations are past their TTL (expires_at) "
            + "by more than 48 hours");
    assertThat(summary.get("scanned_items").asLong()).isEqualTo(22);
    assertThat(summary.get("past_grace").asLong()).isEqualTo(7);
    assertThat(summary.get("expired_within_grace").asLong()).isEqualTo(5);
    assertThat(summary.get("grace_hours").asInt()).isEqualTo(48);
    assertThat(summary.get("ttl_status").asText()).isEqualTo("DISABLED");
    List<String> sampled = new ArrayList<>();
    summary.get("sample").forEach(s -> sampled.add(s.get("pk").asText()));
    assertThat(sampled).containsExactlyElementsOf(pastGrace.subList(0, 5));
    assertThat(summary.get("sample").get(0).get("hours_past_ttl").asLong()).isEqualTo(9 * 24);

    // DynamoDB catches up: the items past the grace are deleted, and the next check passes.
    try (DynamoDbClient client = client()) {
      for (String pk : pastGrace) {
        client.deleteItem(r -> r.tableName(TABLE).key(Map.of("pk", AttributeValue.fromS(pk))));
      }
    }
    JobRun passed = check(TABLE);
    assertThat(passed.code()).as(passed.summary().toString()).isZero();
    assertThat(passed.summary().get("status").asText()).isEqualTo("succeeded");
    assertThat(passed.summary().get("past_grace").asLong()).isZero();
    assertThat(passed.summary().get("expired_within_grace").asLong()).isEqualTo(5);

    JobRun missing = check("no-such-table");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.summary().get("error").get("message").asText())
        .startsWith("DynamoDB table no-such-table (region us-east-1, endpoint " + Dynalite.instance().endpoint() + ") does not exist");
  }
}
