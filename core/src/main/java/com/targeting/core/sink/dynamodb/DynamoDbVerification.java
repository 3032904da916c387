package com.targeting.core.sink.dynamodb;

import static org.apache.spark.sql.functions.col;

import com.targeting.core.TargetingException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Reads back what serving will read, on the driver: sampled items fetched by key must equal the
 * items written (numbers compared as numbers), and each GSI check's query must count exactly the
 * candidates the data says. Any difference fails the run; the figures go in the summary.
 */
final class DynamoDbVerification {
  private static final int MAX_GSI_PARTITIONS = 50;

  private DynamoDbVerification() {}

  static Map<String, Object> verify(DynamoDbSettings settings, DynamoDbItemLayout layout, Dataset<Row> candidates,
      Dataset<Row> items, int sample, List<GsiCheck> checks, String runDate) {
    Map<String, Object> result = new LinkedHashMap<>();
    try (DynamoDbClient client = settings.retryingClient()) {
      // The sample is small by construction (limit), so it is collected.
      List<Row> sampled = items.orderBy(org.apache.spark.sql.functions.xxhash64(col("pk"))).limit(sample).collectAsList();
      List<String> mismatches = new ArrayList<>();
      for (int from = 0; from < sampled.size(); from += 100) {
        List<Row> chunk = sampled.subList(from, Math.min(sampled.size(), from + 100));
        Map<String, Map<String, AttributeValue>> expected = new HashMap<>();
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        for (Row row : chunk) {
          expected.put(row.getAs("pk"), DynamoDbItems.fromImportLine(row.getAs("item")));
          keys.add(Map.of("pk", AttributeValue.fromS(row.getAs("pk"))));
        }
        Map<String, KeysAndAttributes> request = Map.of(settings.table(), KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
        while (!request.isEmpty()) {
          Map<String, KeysAndAttributes> next = request;
          var response = client.batchGetItem(r -> r.requestItems(next));
          for (Map<String, AttributeValue> item : response.responses().getOrDefault(settings.table(), List.of())) {
            String pk = item.get("pk").s();
            if (!same(AttributeValue.fromM(expected.remove(pk)), AttributeValue.fromM(item))) {
              mismatches.add(pk);
            }
          }
          request = response.unprocessedKeys();
        }
        mismatches.addAll(expected.keySet()); // keys DynamoDB does not have
      }
      result.put("sampled_items", sampled.size());
      result.put("sampled_mismatches", mismatches.size());

      List<Map<String, Object>> queries = new ArrayList<>();
      // Expected counts come from one row per key, as written (duplicates were reduced to one).
      Dataset<Row> keyColumns = layout.keyColumns(candidates).dropDuplicates("key_pk");
      for (GsiCheck check : checks) {
        queries.addAll(runCheck(client, settings.table(), check, keyColumns, runDate));
      }
      result.put("gsi_queries", queries);
      long wrong = queries.stream().filter(q -> !q.get("expected").equals(q.get("returned"))).count();
      if (!mismatches.isEmpty() || wrong > 0) {
        throw TargetingException.external(null, "DynamoDB read-back differs from what was written: %d of %d sampled items (first %s), %d GSI queries",
            mismatches.size(), sampled.size(), mismatches.isEmpty() ? "-" : mismatches.get(0), wrong);
      }
    }
    return result;
  }

  private static List<Map<String, Object>> runCheck(DynamoDbClient client, String table, GsiCheck check, Dataset<Row> keys,
      String runDate) {
    Column partition = col("key_" + check.partitionKey());
    Column sort = col("key_" + check.sortKey());
    boolean numeric = check.min() instanceof Number;
    Column atLeast = numeric ? sort.cast("double").geq(((Number) check.min()).doubleValue()) : sort.cast("string").geq(check.min().toString());
    // Expected counts per index partition: one row per value, bounded.
    Row[] expected = (Row[]) keys.where(partition.isNotNull().and(atLeast)).groupBy(partition).count()
        .orderBy(partition).limit(MAX_GSI_PARTITIONS).collect();
    List<Map<String, Object>> results = new ArrayList<>();
    for (Row row : expected) {
      String value = row.get(0).toString();
      long expectedCount = row.getLong(1);
      long returned = count(client, table, check, value, numeric, runDate);
      // GSIs are updated asynchronously: give a short-lived difference a few chances to settle.
      for (int attempt = 1; returned != expectedCount && attempt <= 5; attempt++) {
        try {
          Thread.sleep(200L << attempt);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        returned = count(client, table, check, value, numeric, runDate);
      }
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("index", check.index());
      result.put(check.partitionKey(), value);
      result.put(check.sortKey() + "_at_least", check.min());
      result.put("expected", expectedCount);
      result.put("returned", returned);
      results.add(result);
    }
    return results;
  }

  /** Items of this run in one index partition with a sort key at or above the check's minimum. */
  private static long count(DynamoDbClient client, String table, GsiCheck check, String value, boolean numeric, String runDate) {
    long returned = 0;
    Map<String, AttributeValue> start = null;
    do {
      QueryRequest.Builder request = QueryRequest.builder()
          .tableName(table)
          .indexName(check.index())
          .keyConditionExpression("#p = :p AND #s >= :min")
          // Items of earlier runs live on until their TTL; the check is about this run's.
          .filterExpression("#run = :run")
          .expressionAttributeNames(Map.of("#p", check.partitionKey(), "#s", check.sortKey(),
              "#run", DynamoDbItemLayout.RUN_DATE_ATTRIBUTE))
          .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(value),
              ":min", numeric ? AttributeValue.fromN(check.min().toString()) : AttributeValue.fromS(check.min().toString()),
              ":run", AttributeValue.fromS(runDate)))
          .select("COUNT");
      if (start != null) {
        request.exclusiveStartKey(start);
      }
      QueryResponse response = client.query(request.build());
      returned += response.count();
      start = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() ? response.lastEvaluatedKey() : null;
    } while (start != null);
    return returned;
  }

  /** Structural equality with numbers compared by value (DynamoDB normalizes their text). */
  static boolean same(AttributeValue a, AttributeValue b) {
    if (a.n() != null || b.n() != null) {
      return a.n() != null && b.n() != null && new BigDecimal(a.n()).compareTo(new BigDecimal(b.n())) == 0;
    }
    if (a.hasM() || b.hasM()) {
      if (!a.hasM() || !b.hasM() || !a.m().keySet().equals(b.m().keySet())) {
        return false;
      }
      return a.m().keySet().stream().allMatch(k -> same(a.m().get(k), b.m().get(k)));
    }
    if (a.hasL() || b.hasL()) {
      if (!a.hasL() || !b.hasL() || a.l().size() != b.l().size()) {
        return false;
      }
      for (int i = 0; i < a.l().size(); i++) {
        if (!same(a.l().get(i), b.l().get(i))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
