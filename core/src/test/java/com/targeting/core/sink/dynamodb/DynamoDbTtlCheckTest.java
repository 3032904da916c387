package com.targeting.core.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.testing.Dynalite;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The TTL check against dynalite, a real DynamoDB-compatible server that never deletes expired
 * items: whatever the items' TTLs say, they stay, so the counts are exactly what was written (the
 * stand-in for DynamoDB's deletion lagging behind, or TTL not being enabled at all).
 */
class DynamoDbTtlCheckTest {
  private static final String PROGRAM = "investment-recommendations";
  private static final Instant NOW = Instant.parse("2026-11-22T01:00:00Z");

  private static DynamoDbTtlCheck.Settings settings(String table, int segments, int pageSize) {
    return new DynamoDbTtlCheck.Settings(table, "us-east-1", Dynalite.instance().endpoint(), true, "expires_at", PROGRAM,
        48, segments, 10_000, pageSize, 3, 3);
  }

  private static Map<String, AttributeValue> item(String pk, Instant expiresAt) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("pk", AttributeValue.fromS(pk));
    item.put("customer_id", AttributeValue.fromS(pk.substring(0, pk.indexOf('#'))));
    item.put("suitability_score", AttributeValue.fromN("0.8"));
    if (expiresAt != null) {
      item.put("expires_at", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())));
    }
    return item;
  }

  /** Creates the table and writes the items, 25 per BatchWriteItem. */
  private static void table(String table, List<Map<String, AttributeValue>> items) {
    DynamoDbTtlCheck.Settings settings = settings(table, 1, 100);
    try (DynamoDbClient client = settings.client()) {
      // Created here without TTL (TableDefinition.createIfMissing would enable it): DISABLED at first.
      client.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
          .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S))
          .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH)));
      client.waiter().waitUntilTableExists(r -> r.tableName(table));
      for (int from = 0; from < items.size(); from += 25) {
        List<WriteRequest> requests = items.subList(from, Math.min(items.size(), from + 25)).stream()
            .map(i -> WriteRequest.builder().putRequest(p -> p.item(i)).build()).toList();
        client.batchWriteItem(r -> r.requestItems(Map.of(table, requests)));
      }
    }
  }

  private static List<Map<String, AttributeValue>> items(String prefix, int count, String program, Instant expiresAt) {
    List<Map<String, AttributeValue>> items = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      items.add(item(String.format("%s%03d#%s", prefix, i, program), expiresAt));
    }
    return items;
  }

  @Test
  void countsExactlyTheProgramsItemsPastTheGraceAcrossSegmentsAndPages() {
    List<Map<String, AttributeValue>> items = new ArrayList<>();
    items.addAll(items("A", 17, PROGRAM, NOW.minus(Duration.ofHours(72))));    // past TTL + 48 h grace
    items.addAll(items("B", 11, PROGRAM, NOW.minus(Duration.ofHours(47))));    // expired, within the grace
    items.addAll(items("C", 9, PROGRAM, NOW.plus(Duration.ofDays(3))));        // not expired
    items.addAll(items("D", 4, PROGRAM, null));                                // no TTL attribute: never expires
    items.addAll(items("E", 13, "loan-offer-targeting", NOW.minus(Duration.ofDays(30))));  // another program
    items.addAll(items("F", 6, PROGRAM + "-v2", NOW.minus(Duration.ofDays(30))));          // a longer id, same prefix
    table("ttl-check-mixed", items);

    // 4 segments of pages of 5: every segment pages, and every page is paid from the read budget.
    DynamoDbTtlCheck.Result result = DynamoDbTtlCheck.run(settings("ttl-check-mixed", 4, 5), NOW);

    assertThat(result.scannedItems()).isEqualTo(60);
    assertThat(result.pastGrace()).isEqualTo(17);
    assertThat(result.withinGrace()).isEqualTo(11);
    assertThat(result.pages()).isGreaterThan(12);
    assertThat(result.readUnits()).isPositive();
    assertThat(result.oldestExpiry()).hasValue(NOW.minus(Duration.ofHours(72)).getEpochSecond());
    assertThat(result.sample()).extracting(DynamoDbTtlCheck.ExpiredKey::pk)
        .containsExactly("A000#" + PROGRAM, "A001#" + PROGRAM, "A002#" + PROGRAM);
    assertThat(result.ttlStatus()).isEqualTo("DISABLED");
    assertThat(result.passed()).isFalse();
    assertThat(result.failure()).hasValue("DynamoDB table ttl-check-mixed: 17 items of program investment-recommendations are past "
        + "their TTL (expires_at) by more than 48 hours, the oldest since 2026-11-19T01:00:00Z; TTL on the table is DISABLED, "
        + "not enabled on expires_at: DynamoDB will not delete these items until it is");
    // Keys and expiries only: no customer attribute leaves the table.
    assertThat(result.toJson().toString()).doesNotContain("suitability_score").doesNotContain("customer_id");

    // With TTL enabled on the attribute, the same items mean DynamoDB's background deletion is behind.
    try (DynamoDbClient client = settings("ttl-check-mixed", 1, 100).client()) {
      client.updateTimeToLive(r -> r.tableName("ttl-check-mixed").timeToLiveSpecification(t -> t.attributeName("expires_at").enabled(true)));
    }
    DynamoDbTtlCheck.Result enabled = DynamoDbTtlCheck.run(settings("ttl-check-mixed", 2, 7), NOW);
    assertThat(enabled.ttlStatus()).isEqualTo("ENABLED");
    assertThat(enabled.pastGrace()).isEqualTo(17);
    assertThat(enabled.failure()).hasValue("DynamoDB table ttl-check-mixed: 17 items of program investment-recommendations are past "
        + "their TTL (expires_at) by more than 48 hours, the oldest since 2026-11-19T01:00:00Z; TTL is enabled on expires_at: "
        + "DynamoDB's deletion is behind, check again later");

    // A week later, those within the grace and those then expired for 4 days have joined them; another
    // program's items and items without a TTL never count.
    DynamoDbTtlCheck.Result later = DynamoDbTtlCheck.run(settings("ttl-check-mixed", 1, 1000), NOW.plus(Duration.ofDays(7)));
    assertThat(later.pastGrace()).isEqualTo(17 + 11 + 9);
    assertThat(later.withinGrace()).isZero();
  }

  @Test
  void passesWhenNothingOutlivedTheGraceAndNamesATableThatDoesNotExist() {
    List<Map<String, AttributeValue>> items = new ArrayList<>(items("B", 3, PROGRAM, NOW.minus(Duration.ofHours(1))));
    items.addAll(items("E", 3, "loan-offer-targeting", NOW.minus(Duration.ofDays(30))));
    table("ttl-check-clean", items);

    DynamoDbTtlCheck.Result result = DynamoDbTtlCheck.run(settings("ttl-check-clean", 2, 2), NOW);

    assertThat(result.passed()).isTrue();
    assertThat(result.failure()).isEmpty();
    assertThat(result.pastGrace()).isZero();
    assertThat(result.withinGrace()).isEqualTo(3);
    assertThat(result.sample()).isEmpty();

    assertThatThrownBy(() -> DynamoDbTtlCheck.run(settings("ttl-check-missing", 2, 2), NOW))
        .isInstanceOf(TargetingException.class)
        .hasMessage("DynamoDB table ttl-check-missing (region us-east-1, endpoint " + Dynalite.instance().endpoint()
            + ") does not exist: check program.outputs.dynamodb.batch-write.table and region")
        .extracting(e -> ((TargetingException) e).category()).isEqualTo(TargetingException.Category.USER_ERROR);
  }
}
