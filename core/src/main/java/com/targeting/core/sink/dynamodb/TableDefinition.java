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
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
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

  /** What {@link #createIfMissing} did. */
  public enum Created {
    /** The table existed and was left as it was. */
    EXISTED,
    /** The table was created, with TTL enabled. */
    CREATED,
    /** The table was created on a local server that has no UpdateTimeToLive: its items never expire. */
    CREATED_WITHOUT_TTL
  }

  /**
   * Creates the table (on-demand capacity) with TTL on {@code ttlAttribute}, unless it exists.
   *
   * @param localServer the client talks to a local DynamoDB-compatible server ({@code credentials =
   *     local}): when that server answers UpdateTimeToLive with UnknownOperationException (dynalite
   *     does), the table stays without TTL and {@link Created#CREATED_WITHOUT_TTL} says so. Against
   *     DynamoDB itself every failure propagates.
   * @throws software.amazon.awssdk.services.dynamodb.model.DynamoDbException as DynamoDB answers
   */
  public Created createIfMissing(DynamoDbClient client, String table, String ttlAttribute, boolean localServer) {
    try {
      client.describeTable(r -> r.tableName(table));
      return Created.EXISTED;
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
    try {
      client.updateTimeToLive(r -> r.tableName(table).timeToLiveSpecification(t -> t.attributeName(ttlAttribute).enabled(true)));
    } catch (DynamoDbException e) {
      if (localServer && e.awsErrorDetails() != null && "UnknownOperationException".equals(e.awsErrorDetails().errorCode())) {
        return Created.CREATED_WITHOUT_TTL;
      }
      throw e;
    }
    return Created.CREATED;
  }
}
