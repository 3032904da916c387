package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.ImportStatus;
import software.amazon.awssdk.services.dynamodb.model.ImportTableDescription;
import software.amazon.awssdk.services.dynamodb.model.InputCompressionType;
import software.amazon.awssdk.services.dynamodb.model.InputFormat;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The nightly full refresh: DynamoDB's ImportTable creates {@code <table>-<run-date>} from the
 * export files (with its GSIs), the job waits for the import, enables TTL on the new table and
 * moves the serving pointer (an item per program in a pointer table) to it. The table the pointer
 * left is not deleted here: serving may still read it until it sees the new pointer.
 */
public record ImportTable(String pointerTable, Optional<String> s3Uri, Duration timeout, Duration pollInterval) {

  public ImportTable {
    requireNonNull(pointerTable, "pointerTable is null");
    requireNonNull(s3Uri, "s3Uri is null");
    requireNonNull(timeout, "timeout is null");
    requireNonNull(pollInterval, "pollInterval is null");
  }

  public static ImportTable from(ConfigNode node) {
    return new ImportTable(node.string("pointer-table"), node.optionalString("s3-uri"),
        Duration.ofMinutes(node.longValue("timeout-minutes", 120)), Duration.ofMillis(node.longValue("poll-ms", 15_000)));
  }

  /** Imports the files under {@code exportPath} (the run's prefix) and returns what happened. */
  public Map<String, Object> run(DynamoDbSettings settings, TableDefinition definition, String ttlAttribute, String program,
      String runDate, String exportPath, long itemsWritten) {
    String table = settings.table() + "-" + runDate;
    URI source = URI.create(s3Uri.map(uri -> uri.endsWith("/") ? uri : uri + "/").map(uri -> uri + relative(exportPath)).orElse(exportPath));
    if (!"s3".equals(source.getScheme()) && !"s3a".equals(source.getScheme())) {
      throw TargetingException.userError("DynamoDB import-table reads from S3, but the export path is %s "
          + "(set program.outputs.dynamodb.path to s3a://bucket/prefix)", exportPath);
    }
    String bucket = source.getHost();
    String path = source.getPath().startsWith("/") ? source.getPath().substring(1) : source.getPath();
    // The trailing slash keeps dt=2026-11-20 from also matching dt=2026-11-20.staging.
    String prefix = path.endsWith("/") ? path : path + "/";
    Map<String, Object> report = new LinkedHashMap<>();
    try (DynamoDbClient client = settings.retryingClient()) {
      Optional<String> current = pointer(client, program);
      if (tableExists(client, table)) {
        if (current.isPresent() && current.get().equals(table)) {
          throw TargetingException.userError("DynamoDB table %s is serving (the pointer for %s names it); "
              + "re-importing the same run date would replace the table serving reads from", table, program);
        }
        client.deleteTable(r -> r.tableName(table));
        client.waiter().waitUntilTableNotExists(r -> r.tableName(table));
      }
      ImportTableDescription started = client.importTable(r -> r
          // A token per call: a rerun of the date within AWS's 8-hour window must start a new import.
          .clientToken(java.util.UUID.randomUUID().toString())
          .s3BucketSource(s -> s.s3Bucket(bucket).s3KeyPrefix(prefix))
          .inputFormat(InputFormat.DYNAMODB_JSON)
          .inputCompressionType(InputCompressionType.GZIP)
          .tableCreationParameters(t -> {
            t.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .attributeDefinitions(attributes(definition));
            if (!definition.indexes().isEmpty()) {
              t.globalSecondaryIndexes(indexes(definition));
            }
          })).importTableDescription();
      ImportTableDescription done = await(client, started);
      if (done.importStatus() != ImportStatus.COMPLETED) {
        throw TargetingException.external(null, "DynamoDB import into %s ended %s: %s (%s items processed, %s errors)", table,
            done.importStatus(), done.failureMessage(), done.processedItemCount(), done.errorCount());
      }
      // COMPLETED also covers imports that skipped bad items: those only show in the counts.
      long errors = done.errorCount() == null ? 0 : done.errorCount();
      long importedItems = done.importedItemCount() == null ? 0 : done.importedItemCount();
      if (errors > 0 || importedItems != itemsWritten) {
        throw TargetingException.external(null, "DynamoDB import into %s imported %d of %d items with %d errors; "
            + "the serving pointer was not moved", table, importedItems, itemsWritten, errors);
      }
      client.updateTimeToLive(r -> r.tableName(table).timeToLiveSpecification(t -> t.attributeName(ttlAttribute).enabled(true)));
      boolean moved;
      try {
        // Only forward in time: a backfill of an older date must not send serving back to old data.
        client.putItem(r -> r.tableName(pointerTable)
            .item(Map.of(
                "pk", AttributeValue.fromS(program),
                "table", AttributeValue.fromS(table),
                "run_date", AttributeValue.fromS(runDate),
                "imported_items", AttributeValue.fromN(String.valueOf(importedItems))))
            .conditionExpression("attribute_not_exists(run_date) OR run_date <= :run_date")
            .expressionAttributeValues(Map.of(":run_date", AttributeValue.fromS(runDate))));
        moved = true;
      } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException e) {
        moved = false;
      }
      report.put("import_arn", done.importArn());
      report.put("table", table);
      report.put("source", "s3://" + bucket + "/" + prefix);
      report.put("imported_items", importedItems);
      report.put("errors", errors);
      report.put("pointer_moved", moved);
      report.put("previous_table", current.orElse(null));
      report.put("pointer_table", pointerTable);
      return report;
    }
  }

  private ImportTableDescription await(DynamoDbClient client, ImportTableDescription started) {
    long deadline = System.nanoTime() + timeout.toNanos();
    ImportTableDescription description = started;
    while (description.importStatus() == ImportStatus.IN_PROGRESS) {
      if (System.nanoTime() > deadline) {
        throw TargetingException.external(null, "DynamoDB import %s did not finish within %s", started.importArn(), timeout);
      }
      try {
        Thread.sleep(pollInterval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw TargetingException.external(e, "Interrupted waiting for DynamoDB import %s", started.importArn());
      }
      String arn = started.importArn();
      description = client.describeImport(r -> r.importArn(arn)).importTableDescription();
    }
    return description;
  }

  private Optional<String> pointer(DynamoDbClient client, String program) {
    Map<String, AttributeValue> item = client.getItem(r -> r.tableName(pointerTable)
        .key(Map.of("pk", AttributeValue.fromS(program))).consistentRead(true)).item();
    return item == null || !item.containsKey("table") ? Optional.empty() : Optional.of(item.get("table").s());
  }

  private static boolean tableExists(DynamoDbClient client, String table) {
    try {
      client.describeTable(r -> r.tableName(table));
      return true;
    } catch (ResourceNotFoundException e) {
      return false;
    }
  }

  /** The run's prefix relative to the export base (program=<id>/dt=<date>). */
  private static String relative(String exportPath) {
    int program = exportPath.indexOf("program=");
    return program < 0 ? "" : exportPath.substring(program);
  }

  static List<AttributeDefinition> attributes(TableDefinition definition) {
    Map<String, String> types = new LinkedHashMap<>();
    types.put("pk", "S");
    for (TableDefinition.Index index : definition.indexes()) {
      types.put(index.partitionKey(), "S");
      types.put(index.sortKey(), index.sortType());
    }
    List<AttributeDefinition> attributes = new ArrayList<>();
    types.forEach((name, type) -> attributes.add(AttributeDefinition.builder()
        .attributeName(name).attributeType(ScalarAttributeType.fromValue(type)).build()));
    return attributes;
  }

  static List<GlobalSecondaryIndex> indexes(TableDefinition definition) {
    return definition.indexes().stream().map(index -> GlobalSecondaryIndex.builder()
        .indexName(index.name())
        .keySchema(KeySchemaElement.builder().attributeName(index.partitionKey()).keyType(KeyType.HASH).build(),
            KeySchemaElement.builder().attributeName(index.sortKey()).keyType(KeyType.RANGE).build())
        .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
        .build()).toList();
  }
}
