package com.targeting.core.sink.dynamodb;

import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.transform_keys;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.targeting.core.TargetingException;
import java.io.CharArrayWriter;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
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
 * Writes DynamoDB JSON items ({@code {"Item": {...}}}) in Java, from rows of prepared columns: the
 * key expressions' values and the attribute columns, with dates and timestamps already cast to
 * strings by Spark (in the session time zone) and maps turned into arrays of key/value entries
 * (keeping their order). The text is what Spark's {@code to_json} (with {@code ignoreNullFields})
 * wrote from the former expression-built items, byte for byte: the same Jackson generator, the same
 * numbers ({@code format_number(x, 10)} with the grouping commas and trailing zeros removed), the
 * same omissions (null attributes, null or unrepresentable array elements and map values).
 *
 * <p>Input rows: column 0 the partition key as a string, then one column per item attribute, in
 * {@link #names} order. Output rows: {@link #SCHEMA}.
 */
final class DynamoDbItemText implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  /** The items' shape: the item's JSON text and its partition key. */
  static final StructType SCHEMA = new StructType()
      .add("item", DataTypes.StringType, false)
      .add("pk", DataTypes.StringType, true);

  private final String[] names;
  private final Value[] values;
  private final String ttlAttribute;
  private final String expiresAt;
  private final String runDate;

  DynamoDbItemText(List<String> names, List<Value> values, String ttlAttribute, String expiresAt, String runDate) {
    this.names = names.toArray(String[]::new);
    this.values = values.toArray(Value[]::new);
    this.ttlAttribute = ttlAttribute;
    this.expiresAt = expiresAt;
    this.runDate = runDate;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    Writer writer = new Writer();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        Row row = rows.next();
        return RowFactory.create(writer.item(row), row.get(0));
      }
    };
  }

  /** One partition's generator, buffer and number format (none of them thread-safe). */
  private final class Writer {
    private final CharArrayWriter buffer = new CharArrayWriter(1024);
    private final JsonGenerator gen;
    private final DecimalFormat numbers = numberFormat();

    Writer() {
      try {
        // As Spark's JacksonGenerator: a plain factory, no separator between root values.
        gen = new JsonFactory().createGenerator(buffer).setRootValueSeparator(null);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String item(Row row) {
      try {
        gen.writeStartObject();
        gen.writeFieldName("Item");
        gen.writeStartObject();
        for (int i = 0; i < values.length; i++) {
          Object value = row.get(i + 1);
          if (value != null) {
            values[i].write(gen, names[i], value, numbers);
          }
        }
        gen.writeFieldName(ttlAttribute);
        gen.writeStartObject();
        gen.writeStringField("N", expiresAt);
        gen.writeEndObject();
        gen.writeFieldName(DynamoDbItemLayout.RUN_DATE_ATTRIBUTE);
        gen.writeStartObject();
        gen.writeStringField("S", runDate);
        gen.writeEndObject();
        gen.writeEndObject();
        gen.writeEndObject();
        gen.flush();
        String text = buffer.toString();
        buffer.reset();
        return text;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Spark's {@code format_number(x, 10)} format (FormatNumber in Spark 3.5): US symbols, grouping
   * by three, ten decimals, HALF_EVEN rounding (DecimalFormat's default).
   */
  static DecimalFormat numberFormat() {
    DecimalFormat format = new DecimalFormat("", new DecimalFormatSymbols(Locale.US));
    format.applyLocalizedPattern("#,###,###,###,###,###,##0.0000000000");
    return format;
  }

  /**
   * The N text of a double, float (as its double widening) or decimal: {@code format_number(x, 10)}
   * without the grouping commas and without the trailing zeros (and the point when nothing is left
   * after it); null for NaN, infinities and magnitudes of 1e125 and over, which DynamoDB cannot hold.
   */
  static String number(Object value, DecimalFormat format) {
    String formatted;
    if (value instanceof BigDecimal decimal) {
      if (!(Math.abs(decimal.doubleValue()) < 1e125)) {
        return null;
      }
      formatted = format.format(decimal);
    } else {
      double x = ((Number) value).doubleValue(); // a float widens exactly, as in Spark's cast and format
      if (!(Math.abs(x) < 1e125)) {
        return null;
      }
      String quick = quickNumber(x);
      if (quick != null) {
        return quick;
      }
      formatted = format.format(x);
    }
    // As regexp_replace(_, ",|\\.?0+$", ""): the formatted text always ends in ".dddddddddd".
    StringBuilder plain = new StringBuilder(formatted.length());
    for (int i = 0; i < formatted.length(); i++) {
      char c = formatted.charAt(i);
      if (c != ',') {
        plain.append(c);
      }
    }
    int point = plain.lastIndexOf(".");
    int end = plain.length();
    if (point >= 0) {
      while (end > point + 1 && plain.charAt(end - 1) == '0') {
        end--;
      }
      if (end == point + 1) {
        end = point;
      }
    }
    plain.setLength(end);
    return plain.toString();
  }

  /** Whether Double.toString gives DecimalFormat's digits: the same converter up to JDK 18. */
  private static final boolean SAME_DIGITS = Runtime.version().feature() <= 18;

  /**
   * {@link #number} of a double without DecimalFormat (whose synchronized StringBuffer dominated the
   * items' cost), for 1e-3 <= |x| < 1e7, where Double.toString is plain notation: DecimalFormat
   * (JDK 17's DigitList) takes the same shortest digits from the same converter and rounds them
   * HALF_EVEN to ten decimals only when there are more. Null, for DecimalFormat to decide, outside
   * that range, on another JDK, and on a tie (the 11th decimal a final 5: there DigitList asks the
   * converter whether its digits were rounded).
   */
  static String quickNumber(double x) {
    double abs = Math.abs(x);
    if (!SAME_DIGITS || !(abs >= 1e-3 && abs < 1e7)) {
      return null;
    }
    String text = Double.toString(abs);
    int point = text.indexOf('.');
    if (point < 0 || text.indexOf('E') >= 0) {
      return null;
    }
    char[] digits = text.toCharArray();
    int end = digits.length;
    boolean carry = false;
    if (end - point - 1 > 10) {
      int cut = point + 11; // the first decimal dropped
      char first = digits[cut];
      if (first == '5') {
        boolean more = false;
        for (int i = cut + 1; i < end; i++) {
          more |= digits[i] != '0';
        }
        if (!more) {
          return null;
        }
        carry = true;
      } else {
        carry = first > '5';
      }
      end = cut;
      for (int i = end - 1; carry && i >= 0; i--) {
        if (digits[i] == '.') {
          continue;
        }
        if (digits[i] == '9') {
          digits[i] = '0';
        } else {
          digits[i]++;
          carry = false;
        }
      }
    }
    while (end > point + 1 && digits[end - 1] == '0') {
      end--;
    }
    if (end == point + 1) {
      end = point;
    }
    StringBuilder plain = new StringBuilder(end + 2);
    if (x < 0) {
      plain.append('-');
    }
    if (carry) {
      plain.append('1');
    }
    return plain.append(digits, 0, end).toString();
  }

  /**
   * The writer of a value of {@code type} (as prepared by {@link #prepare}), checked at analysis.
   *
   * @throws TargetingException (user error) for a type with no DynamoDB representation, naming it
   */
  static Value value(DataType type) {
    if (type instanceof StringType || type instanceof DateType || type instanceof TimestampType) {
      return new Text();
    } else if (type instanceof DoubleType || type instanceof FloatType || type instanceof DecimalType) {
      return new Fraction();
    } else if (type instanceof NumericType) {
      return new Whole();
    } else if (type instanceof BooleanType) {
      return new Bool();
    } else if (type instanceof ArrayType array) {
      return new ListValue(value(array.elementType()));
    } else if (type instanceof MapType map) {
      Value values = value(map.valueType());
      DataType key = map.keyType();
      if (!(key instanceof StringType || key instanceof NumericType || key instanceof BooleanType
          || key instanceof DateType || key instanceof TimestampType)) {
        throw TargetingException.userError("DynamoDB export: cannot write a map with keys of type %s", key.simpleString());
      }
      return new MapValue(values);
    } else if (type instanceof StructType struct) {
      StructField[] fields = struct.fields();
      String[] names = new String[fields.length];
      Value[] members = new Value[fields.length];
      for (int i = 0; i < fields.length; i++) {
        names[i] = fields[i].name();
        members[i] = value(fields[i].dataType());
      }
      return new StructValue(names, members);
    }
    throw TargetingException.userError("DynamoDB export: cannot write a column of type %s", type.simpleString());
  }

  /**
   * The column as the writers read it: dates and timestamps cast to strings (Spark's cast, in the
   * session time zone, as the former items had them), maps as arrays of {@code key}/{@code value}
   * structs in the maps' order (a Row's map would lose it), date and timestamp map keys as the days
   * and microseconds since the epoch that {@code to_json} wrote for them.
   */
  static Column prepare(Column value, DataType type) {
    DataType text = datesAsText(type);
    Column prepared = text.equals(type) ? value : value.cast(text);
    return entries(prepared, text);
  }

  /** The type with every date and timestamp (but map keys) a string. */
  private static DataType datesAsText(DataType type) {
    if (type instanceof DateType || type instanceof TimestampType) {
      return DataTypes.StringType;
    } else if (type instanceof ArrayType array) {
      DataType element = datesAsText(array.elementType());
      return element.equals(array.elementType()) ? type : DataTypes.createArrayType(element, true);
    } else if (type instanceof MapType map) {
      DataType values = datesAsText(map.valueType());
      return values.equals(map.valueType()) ? type : DataTypes.createMapType(map.keyType(), values, true);
    } else if (type instanceof StructType struct) {
      StructField[] fields = struct.fields().clone();
      boolean changed = false;
      for (int i = 0; i < fields.length; i++) {
        DataType field = datesAsText(fields[i].dataType());
        if (!field.equals(fields[i].dataType())) {
          fields[i] = new StructField(fields[i].name(), field, true, fields[i].metadata());
          changed = true;
        }
      }
      return changed ? new StructType(fields) : type;
    }
    return type;
  }

  private static boolean hasMap(DataType type) {
    if (type instanceof MapType) {
      return true;
    } else if (type instanceof ArrayType array) {
      return hasMap(array.elementType());
    } else if (type instanceof StructType struct) {
      for (StructField field : struct.fields()) {
        if (hasMap(field.dataType())) {
          return true;
        }
      }
    }
    return false;
  }

  /** Maps (at any depth) as arrays of entries; the column unchanged when it holds no map. */
  private static Column entries(Column value, DataType type) {
    if (!hasMap(type)) {
      return value;
    }
    if (type instanceof MapType map) {
      Column keyed = value;
      if (map.keyType() instanceof DateType) {
        keyed = transform_keys(value, (k, v) -> org.apache.spark.sql.functions.unix_date(k));
      } else if (map.keyType() instanceof TimestampType) {
        keyed = transform_keys(value, (k, v) -> org.apache.spark.sql.functions.unix_micros(k));
      }
      Column pairs = map_entries(keyed);
      if (!hasMap(map.valueType())) {
        return pairs;
      }
      return transform(pairs, e -> struct(e.getField("key").as("key"), entries(e.getField("value"), map.valueType()).as("value")));
    } else if (type instanceof ArrayType array) {
      return transform(value, e -> entries(e, array.elementType()));
    }
    StructType struct = (StructType) type;
    Column[] members = new Column[struct.fields().length];
    for (int i = 0; i < members.length; i++) {
      StructField field = struct.fields()[i];
      members[i] = entries(value.getField(field.name()), field.dataType()).as(field.name());
    }
    return when(value.isNotNull(), struct(members));
  }

  /** Writes one non-null value as a DynamoDB attribute value. */
  abstract static class Value implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Writes {@code name} (when not null) and the attribute value of {@code value}, or nothing at
     * all when the value has no DynamoDB representation.
     */
    abstract void write(JsonGenerator gen, String name, Object value, DecimalFormat numbers) throws IOException;

    static void open(JsonGenerator gen, String name, String tag) throws IOException {
      if (name != null) {
        gen.writeFieldName(name);
      }
      gen.writeStartObject();
      gen.writeFieldName(tag);
    }
  }

  private static final class Text extends Value {
    private static final long serialVersionUID = 1L;

    @Override
    void write(JsonGenerator gen, String name, Object value, DecimalFormat numbers) throws IOException {
      open(gen, name, "S");
      gen.writeString((String) value);
      gen.writeEndObject();
    }
  }

  private static final class Fraction extends Value {
    private static final long serialVersionUID = 1L;

    @Override
    void write(JsonGenerator gen, String name, Object value, DecimalFormat numbers) throws IOException {
      String text = number(value, numbers);
      if (text == null) {
        return;
      }
      open(gen, name, "N");
      gen.writeString(text);
      gen.writeEndObject();
    }
  }

  /** Bytes, shorts, ints and longs: their decimal text, as Spark's cast to string. */
  private static final class Whole extends Value {
    private static final long serialVersionUID = 1L;

    @Override
    void write(JsonGenerator gen, String name, Object value, DecimalFormat numbers) throws IOException {
      open(gen, name, "N");
      gen.writeString(value.toString());
      gen.writeEndObject();
    }
  }

  private static final class Bool extends Value {
    private static final long serialVersionUID = 1L;

    @Override
    void write(JsonGenerator gen, String name, Object value, DecimalFormat numbers) throws IOException {
      open(gen, name, "BOOL");
      gen.writeBoolean((Boolean) value);
      gen.writeEndObject();
    }
  }

  private static final class ListValue extends Value {
    private static final long serialVersionUID = 1L;
    private final Value element;

    ListValue(Value element) {
      this.element = element;
    }

    @Override
    void write(JsonGenerator gen, String name, Object value, DecimalFormat numbers) throws IOException {
      open(gen, name, "L");
      gen.writeStartArray();
      scala.collection.Iterator<?> elements = ((scala.collection.Iterable<?>) value).iterator();
      while (elements.hasNext()) {
        Object e = elements.next();
        if (e != null) {
          element.write(gen, null, e, numbers);
        }
      }
      gen.writeEndArray();
      gen.writeEndObject();
    }
  }

  /** A map, prepared as an array of key/value entries; keys written as to_json wrote them. */
  private static final class MapValue extends Value {
    private static final long serialVersionUID = 1L;
    private final Value values;

    MapValue(Value values) {
      this.values = values;
    }

    @Override
    void write(JsonGenerator gen, String name, Object value, DecimalFormat numbers) throws IOException {
      open(gen, name, "M");
      gen.writeStartObject();
      scala.collection.Iterator<?> entries = ((scala.collection.Iterable<?>) value).iterator();
      while (entries.hasNext()) {
        Row entry = (Row) entries.next();
        Object v = entry.get(1);
        if (v != null) {
          values.write(gen, entry.get(0).toString(), v, numbers);
        }
      }
      gen.writeEndObject();
      gen.writeEndObject();
    }
  }

  private static final class StructValue extends Value {
    private static final long serialVersionUID = 1L;
    private final String[] names;
    private final Value[] members;

    StructValue(String[] names, Value[] members) {
      this.names = names;
      this.members = members;
    }

    @Override
    void write(JsonGenerator gen, String name, Object value, DecimalFormat numbers) throws IOException {
      Row row = (Row) value;
      open(gen, name, "M");
      gen.writeStartObject();
      for (int i = 0; i < members.length; i++) {
        Object v = row.get(i);
        if (v != null) {
          members[i].write(gen, names[i], v, numbers);
        }
      }
      gen.writeEndObject();
      gen.writeEndObject();
    }
  }
}
