package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The serving table's shape: partition key {@code pk} and global secondary indexes with their key
 * attributes and types. Used to create the table where config allows it (local runs, tests) and
 * to enable TTL; production tables are created by infrastructure code.
 */
public record TableDefinition(List<Index> indexes) {

  /** A GSI: name, partition-key attribute and sort-key attribute with its type (S or N). */
  public record Index(String name, String partitionKey, String sortKey, String sortType) {
    public Index {
      requireNonNull(name, "name is null");
      requireNonNull(partitionKey, "partitionKey is null");
      requireNonNull(sortKey, "sortKey is null");
      requireNonNull(sortType, "sortType is null");
    }
  }

  public TableDefinition {
    indexes = List.copyOf(indexes);
  }

  public static TableDefinition from(List<ConfigNode> nodes) {
    List<Index> indexes = new ArrayList<>();
    for (ConfigNode node : nodes) {
      String type = node.string("sort-type", "S");
      if (!type.equals("S") && !type.equals("N")) {
        throw node.invalid("sort-type", "must be S or N, was " + type);
      }
      indexes.add(new Index(node.string("name"), node.string("partition-key"), node.string("sort-key"), type));
    }
    return new TableDefinition(indexes);
  }

  /** Creates the table (on-demand capacity) with TTL on {@code ttlAttribute}, unless it exists. */
  public boolean createIfMissing(DynamoDbClient client, String table, String ttlAttribute) {
    try {
      client.describeTable(r -> r.tableName(table));
      return false;
    } catch (ResourceNotFoundException e) {
      // create below
    }
    List<AttributeDefinition> definitions = ImportTable.attributes(this);
    List<GlobalSecondaryIndex> gsis = ImportTable.indexes(this);
    client.createTable(r -> {
      r.tableName(table)
          .billingMode(BillingMode.PAY_PER_REQUEST)
          .attributeDefinitions(definitions)
          .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build());
      if (!gsis.isEmpty()) {
        r.globalSecondaryIndexes(gsis);
      }
    });
    client.waiter().waitUntilTableExists(r -> r.tableName(table));
    client.updateTimeToLive(r -> r.tableName(table).timeToLiveSpecification(t -> t.attributeName(ttlAttribute).enabled(true)));
    return true;
  }
}
