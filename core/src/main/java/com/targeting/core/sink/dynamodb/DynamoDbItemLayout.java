package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import com.targeting.core.sink.RunPartition;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How a candidate becomes a DynamoDB item, from config: key attributes (partition key, GSI keys)
 * as Spark SQL expressions, other attributes as candidate columns typed from their Spark types
 * (numbers as N, strings as S, arrays as L, structs and maps as M), and a TTL attribute in epoch
 * seconds. Items are written as DynamoDB JSON lines ({@code {"Item": {...}}}), the format of
 * DynamoDB's Import from S3, which the batch writer parses back on the executors; the text is built
 * on the executors in Java from the typed columns ({@link DynamoDbItemText}).
 */
public record DynamoDbItemLayout(Map<String, String> keys, List<String> attributes, String ttlAttribute, int ttlDays) {
  /** Attribute every item carries: the run date that wrote it. */
  public static final String RUN_DATE_ATTRIBUTE = "run_date";

  public DynamoDbItemLayout {
    keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    attributes = List.copyOf(attributes);
    requireNonNull(ttlAttribute, "ttlAttribute is null");
  }

  public static DynamoDbItemLayout from(ConfigNode node, Map<String, Object> parameters) {
    Map<String, String> keys = new LinkedHashMap<>();
    for (Map.Entry<String, String> key : node.stringMap("keys").entrySet()) {
      keys.put(key.getKey(), SqlTemplate.expression(key.getValue(), parameters, node, "keys." + key.getKey()));
    }
    if (!keys.containsKey("pk")) {
      throw node.invalid("keys", "must define the partition key attribute pk");
    }
    int ttlDays = node.integer("ttl-days");
    if (ttlDays < 1) {
      throw node.invalid("ttl-days", "must be at least 1, was " + ttlDays);
    }
    return new DynamoDbItemLayout(keys, node.strings("attributes"), node.string("ttl-attribute"), ttlDays);
  }

  /**
   * The items as one JSON string column {@code item}, and the partition key as {@code pk}. Lazy: the
   * key expressions and attribute columns are analysed here (a bad one fails at once), the text is
   * written in Java ({@link DynamoDbItemText}) when the items are computed.
   *
   * @throws TargetingException (user error) when a key expression cannot be evaluated, an attribute
   *     is not a candidate column, or a value's type has no DynamoDB representation
   */
  public Dataset<Row> items(Dataset<Row> candidates, RunPartition partition) {
    List<Column> columns = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<DynamoDbItemText.Value> values = new ArrayList<>();
    columns.add(expr(keys.get("pk")).cast("string").as("pk"));
    for (Map.Entry<String, String> key : keys.entrySet()) {
      Column value = expr(key.getValue());
      DataType type;
      try {
        type = candidates.select(value).schema().fields()[0].dataType();
      } catch (Exception e) { // Spark throws the checked AnalysisException undeclared
        throw TargetingException.userError("DynamoDB export: key %s = %s cannot be evaluated: %s", key.getKey(), key.getValue(),
            TargetingException.firstLine(e.getMessage()));
      }
      values.add(DynamoDbItemText.value(type));
      names.add(key.getKey());
      columns.add(DynamoDbItemText.prepare(value, type).as("_" + columns.size()));
    }
    StructType schema = candidates.schema();
    for (String name : attributes) {
      if (!schema.getFieldIndex(name).isDefined()) {
        throw TargetingException.userError("DynamoDB export: attribute %s is not a candidate column (has %s)",
            name, List.of(schema.fieldNames()));
      }
      StructField field = schema.apply(name);
      values.add(DynamoDbItemText.value(field.dataType()));
      names.add(name);
      columns.add(DynamoDbItemText.prepare(col("`" + name + "`"), field.dataType()).as("_" + columns.size()));
    }
    long expiresAt = partition.runDate().plusDays(ttlDays).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    // The TTL, then which run wrote the item: items of earlier runs live on until their TTL, and
    // readers (the read-back verification among them) tell them apart by this. Null attributes are
    // left out of the item.
    return candidates.select(columns.toArray(Column[]::new))
        .mapPartitions(new DynamoDbItemText(names, values, ttlAttribute, Long.toString(expiresAt), partition.runDate().toString()),
            Encoders.row(DynamoDbItemText.SCHEMA));
  }

  /**
   * One item per partition key ({@code pk}, {@code item}, {@code copies}): DynamoDB keeps one item
   * per key anyway, and which of several would survive must not be left to chance. The smallest
   * JSON text wins. The keys alone are checked for repeats first (a shuffle of keys, not of whole
   * items); only when some key repeats are the items grouped.
   */
  public Dataset<Row> uniqueItems(Dataset<Row> candidates, RunPartition partition) {
    Dataset<Row> items = items(candidates, partition);
    boolean repeats = !candidates.select(expr(keys.get("pk")).cast("string").as("pk"))
        .groupBy(col("pk")).count().where(col("count").gt(1)).isEmpty();
    if (!repeats) {
      return items.select(col("pk"), col("item"), lit(1L).as("copies"));
    }
    return items
        .groupBy(col("pk"))
        .agg(org.apache.spark.sql.functions.min(col("item")).as("item"), org.apache.spark.sql.functions.count(lit(1)).as("copies"));
  }

  /**
   * DynamoDB refuses items over 400 KB: fail before writing any, naming the first one. An item's
   * DynamoDB JSON text is never smaller than its DynamoDB size (every name and value appears in it,
   * with type tags, quotes and braces around), so only items whose text is longer than the limit
   * are measured exactly.
   */
  public static void requireSizes(Dataset<Row> items) {
    Row[] oversize = (Row[]) items.where(org.apache.spark.sql.functions.octet_length(col("item")).gt(DynamoDbItems.MAX_ITEM_BYTES))
        .filter((org.apache.spark.api.java.function.FilterFunction<Row>) row ->
            DynamoDbItems.size(DynamoDbItems.fromImportLine(row.<String>getAs("item"))) > DynamoDbItems.MAX_ITEM_BYTES)
        .select("pk").limit(1).collect();
    if (oversize.length > 0) {
      throw TargetingException.userError("DynamoDB export: the item with pk %s is larger than DynamoDB's 400 KB limit",
          oversize[0].getString(0));
    }
  }

  /** The key attributes as columns of their own, {@code key_<attribute>}, for checks and verification. */
  public Dataset<Row> keyColumns(Dataset<Row> candidates) {
    List<Column> columns = new ArrayList<>();
    for (Map.Entry<String, String> key : keys.entrySet()) {
      columns.add(expr(key.getValue()).as("key_" + key.getKey()));
    }
    return candidates.select(columns.toArray(Column[]::new));
  }

  /** DynamoDB refuses an item without its partition key, or with an empty string in any key. */
  public void requireKeys(Dataset<Row> candidates) {
    Column broken = expr(keys.get("pk")).isNull();
    for (String key : keys.values()) {
      broken = broken.or(expr(key).cast("string").equalTo(""));
    }
    Row[] first = (Row[]) candidates.where(broken).limit(1).collect();
    if (first.length > 0) {
      long count = candidates.where(broken).count();
      String who = attributes.isEmpty() ? "" : " (first: " + attributes.get(0) + " = " + first[0].getAs(attributes.get(0)) + ")";
      throw TargetingException.userError("DynamoDB export: %d items would have a missing pk or an empty key attribute %s%s",
          count, keys.keySet(), who);
    }
  }
}
