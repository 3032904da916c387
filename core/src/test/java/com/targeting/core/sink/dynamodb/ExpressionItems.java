package com.targeting.core.sink.dynamodb;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.transform_values;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.sink.RunPartition;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;

/**
 * The former, expression-built items (to_json over Spark expressions, as DynamoDbItemLayout.items
 * built them before the text was written in Java), kept for the tests only: the reference the
 * Java-written text must equal byte for byte.
 */
final class ExpressionItems {
  private ExpressionItems() {}

  static Dataset<Row> items(DynamoDbItemLayout layout, Dataset<Row> candidates, RunPartition partition) {
    List<Column> fields = new ArrayList<>();
    for (Map.Entry<String, String> key : layout.keys().entrySet()) {
      Column value = expr(key.getValue());
      DataType type = candidates.select(value).schema().fields()[0].dataType();
      fields.add(attribute(value, type).as(key.getKey()));
    }
    StructType schema = candidates.schema();
    for (String name : layout.attributes()) {
      StructField field = schema.apply(name);
      fields.add(attribute(col("`" + name + "`"), field.dataType()).as(name));
    }
    long expiresAt = partition.runDate().plusDays(layout.ttlDays()).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    fields.add(struct(lit(Long.toString(expiresAt)).as("N")).as(layout.ttlAttribute()));
    fields.add(struct(lit(partition.runDate().toString()).as("S")).as(DynamoDbItemLayout.RUN_DATE_ATTRIBUTE));
    return candidates.select(to_json(struct(struct(fields.toArray(Column[]::new)).as("Item")),
        java.util.Map.of("ignoreNullFields", "true")).as("item"), expr(layout.keys().get("pk")).cast("string").as("pk"));
  }

  static Column attribute(Column value, DataType type) {
    Column attribute;
    if (type instanceof StringType) {
      attribute = struct(value.as("S"));
    } else if (type instanceof DoubleType || type instanceof FloatType || type instanceof DecimalType) {
      Column plain = regexp_replace(format_number(value, 10), ",|\\.?0+$", "");
      Column representable = org.apache.spark.sql.functions.abs(value.cast("double")).lt(1e125);
      return when(value.isNotNull().and(representable), struct(plain.as("N")));
    } else if (type instanceof NumericType) {
      attribute = struct(value.cast("string").as("N"));
    } else if (type instanceof BooleanType) {
      attribute = struct(value.as("BOOL"));
    } else if (type instanceof DateType || type instanceof TimestampType) {
      attribute = struct(value.cast("string").as("S"));
    } else if (type instanceof ArrayType array) {
      Column elements = filter(transform(value, e -> attribute(e, array.elementType())), e -> e.isNotNull());
      attribute = struct(elements.as("L"));
    } else if (type instanceof MapType map) {
      attribute = struct(org.apache.spark.sql.functions.map_filter(
          transform_values(value, (k, v) -> attribute(v, map.valueType())), (k, v) -> v.isNotNull()).as("M"));
    } else if (type instanceof StructType struct) {
      Column[] members = new Column[struct.fields().length];
      for (int i = 0; i < members.length; i++) {
        StructField field = struct.fields()[i];
        members[i] = attribute(value.getField(field.name()), field.dataType()).as(field.name());
      }
      attribute = struct(struct(members).as("M"));
    } else {
      throw new IllegalArgumentException("cannot write a column of type " + type.simpleString());
    }
    return when(value.isNotNull(), attribute);
  }
}
