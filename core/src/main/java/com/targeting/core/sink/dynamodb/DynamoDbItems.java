package com.targeting.core.sink.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB JSON (the {@code {"Item": {...}}} lines the import export writes) to SDK attribute
 * values, and the item size DynamoDB bills and limits (400 KB): attribute names plus values.
 */
public final class DynamoDbItems {
  /** DynamoDB's item size limit. */
  public static final int MAX_ITEM_BYTES = 400 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private DynamoDbItems() {}

  /** Parses one export line ({@code {"Item": {...}}}) into an item. */
  public static Map<String, AttributeValue> fromImportLine(String line) {
    try {
      return item(JSON.readTree(line).get("Item"));
    } catch (IOException e) {
      throw new UncheckedIOException("not a DynamoDB JSON item line", e);
    }
  }

  static Map<String, AttributeValue> item(JsonNode object) {
    Map<String, AttributeValue> item = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      item.put(field.getKey(), value(field.getValue()));
    }
    return item;
  }

  private static AttributeValue value(JsonNode typed) {
    Map.Entry<String, JsonNode> only = typed.fields().next();
    JsonNode node = only.getValue();
    return switch (only.getKey()) {
      case "S" -> AttributeValue.fromS(node.asText());
      case "N" -> AttributeValue.fromN(node.asText());
      case "BOOL" -> AttributeValue.fromBool(node.asBoolean());
      case "NULL" -> AttributeValue.fromNul(true);
      case "M" -> AttributeValue.fromM(item(node));
      case "L" -> {
        List<AttributeValue> values = new ArrayList<>();
        node.forEach(element -> values.add(value(element)));
        yield AttributeValue.fromL(values);
      }
      default -> throw new IllegalArgumentException("unsupported DynamoDB JSON type " + only.getKey());
    };
  }

  /** The item's size by DynamoDB's rules: names and values in UTF-8, numbers by significant digits. */
  public static int size(Map<String, AttributeValue> item) {
    int size = 0;
    for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
      size += utf8(attribute.getKey()) + size(attribute.getValue());
    }
    return size;
  }

  private static int size(AttributeValue value) {
    if (value.s() != null) {
      return utf8(value.s());
    }
    if (value.n() != null) {
      String digits = value.n().replace("-", "").replace(".", "");
      return (digits.replaceAll("^0+", "").length() + 1) / 2 + 1;
    }
    if (value.bool() != null || Boolean.TRUE.equals(value.nul())) {
      return 1;
    }
    if (value.hasM()) {
      return 3 + size(value.m()) + value.m().size();
    }
    if (value.hasL()) {
      int size = 3;
      for (AttributeValue element : value.l()) {
        size += 1 + size(element);
      }
      return size;
    }
    return 0;
  }

  /** Write capacity units one put of the item costs: one per started kilobyte. */
  public static int writeUnits(int itemBytes) {
    return Math.max(1, (itemBytes + 1023) / 1024);
  }

  private static int utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }
}
