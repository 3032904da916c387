package com.targeting.core.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.testing.TestSpark;
import java.math.BigDecimal;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The items' text, written in Java, against the former Spark-expression items (to_json over
 * format_number, transform, filter, map_filter: {@link ExpressionItems}), byte for byte, on values
 * chosen for the edges: nulls at every depth, NaN and infinities, 1e125 and over, negative zero,
 * values that round away at ten decimals, grouping, decimals with scale over ten, floats, every
 * integral type, dates and timestamps (in two session time zones), JSON escapes and non-ASCII text,
 * arrays of structs with nulls, maps with null values and unrepresentable numbers, nested structs,
 * empty arrays and maps, maps of maps, map keys of every accepted type.
 */
class DynamoDbItemTextTest {
  private static final RunPartition RUN = new RunPartition("investment-recommendations", LocalDate.of(2026, 11, 20));

  private static final String DDL = "id STRING, s STRING, d DOUBLE, f FLOAT, dec DECIMAL(20,4), big DECIMAL(38,18), i INT,"
      + " l BIGINT, sh SMALLINT, tiny TINYINT, b BOOLEAN, dt DATE, ts TIMESTAMP,"
      + " arr ARRAY<STRUCT<name: STRING, score: DOUBLE, day: DATE>>, m MAP<STRING, DOUBLE>,"
      + " nested STRUCT<a: STRUCT<x: FLOAT, y: ARRAY<INT>>, t: TIMESTAMP, mm: MAP<INT, STRING>>,"
      + " ea ARRAY<DOUBLE>, em MAP<STRING, STRING>, dm MAP<DATE, TIMESTAMP>, tm MAP<TIMESTAMP, STRING>,"
      + " marr ARRAY<MAP<STRING, DECIMAL(10,2)>>, fm MAP<DOUBLE, BOOLEAN>, lm MAP<BIGINT, ARRAY<FLOAT>>,"
      + " mm MAP<STRING, MAP<STRING, DOUBLE>>, dk MAP<DECIMAL(10,3), STRING>";

  private static final Object[] STRINGS = {null, "", "plain",
      "quote \" back \\ slash / tab\t nl\n cr\r bs\b ff\f nul\u0000 us\u001f del\u007f",
      "unicode \u00e9 \u00fc \u4e2d\u6587 \ud83d\ude00 \u2028 \u2029 \ufeff", "<b>&'</b>"};
  private static final Object[] DOUBLES = {null, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e125, -1e125,
      1e200, -0.0, 0.0, 1e-11, -1e-11, 5e-11, 1.5e-10, 1234567.891, -1234567.891, 0.1 + 0.2, 1.0 / 3, 123.456, 1e124,
      9.99e124, Double.MIN_VALUE, Double.MAX_VALUE, 2.5e-10, 1e15 + 0.3, 100.0, 0.5, 12345678901234567890.0};
  private static final Object[] FLOATS = {null, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.1f, -0.0f,
      1234567.9f, 3.4e38f, 1e-11f, 16777217f, 1.17549435e-38f, 0.3f};
  private static final Object[] DECIMALS = {null, new BigDecimal("0.0000"), new BigDecimal("1234567.8912"),
      new BigDecimal("-0.0001"), new BigDecimal("9999999999999999.9999"), new BigDecimal("100.5000")};
  private static final Object[] BIG = {null, new BigDecimal("12345678901234567890.123456789012345678"),
      new BigDecimal("0.000000000050000000"), new BigDecimal("0.000000000150000000"), new BigDecimal("-0.000000000001000000"),
      new BigDecimal("1.000000000000000001"), new BigDecimal("-99999999999999999999.999999999999999999")};
  private static final Object[] INTS = {null, 0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE};
  private static final Object[] LONGS = {null, 0L, Long.MAX_VALUE, Long.MIN_VALUE, 1234567890123L};
  private static final Object[] SHORTS = {null, (short) 0, Short.MAX_VALUE, Short.MIN_VALUE};
  private static final Object[] BYTES = {null, (byte) 0, Byte.MAX_VALUE, Byte.MIN_VALUE};
  private static final Object[] BOOLEANS = {null, true, false};
  private static final Object[] DATES = {null, Date.valueOf("2026-11-20"), Date.valueOf("1970-01-01"), Date.valueOf("9999-12-31"),
      Date.valueOf("1900-02-28")};
  private static final Object[] TIMESTAMPS = {null, Timestamp.valueOf("2026-11-20 10:15:30"),
      Timestamp.valueOf("2026-11-20 10:15:30.123456"), Timestamp.valueOf("2026-03-08 10:30:00.5"),
      Timestamp.valueOf("1969-12-31 23:59:59.999")};

  private static Object pick(Object[] values, int i) {
    return values[i % values.length];
  }

  private static Map<Object, Object> map(Object... entries) {
    Map<Object, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < entries.length; i += 2) {
      map.put(entries[i], entries[i + 1]);
    }
    return map;
  }

  private static Dataset<Row> candidates(int count) {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Object d = pick(DOUBLES, i);
      Object s = pick(STRINGS, i);
      Object dt = pick(DATES, i);
      Object ts = pick(TIMESTAMPS, i + 1);
      Object f = pick(FLOATS, i);
      Object arr = switch (i % 4) {
        case 0 -> null;
        case 1 -> List.of();
        case 2 -> Arrays.asList(RowFactory.create(s, d, dt), null, RowFactory.create(null, null, null));
        default -> List.of(RowFactory.create("nan", Double.NaN, dt));
      };
      Object m = switch (i % 4) {
        case 0 -> null;
        case 1 -> map();
        case 2 -> map("a", d, "b", null, "c", 1.5, "z\"q", -0.0, "e", 7.0, "f", 1e130, "g", 8.25);
        default -> map("only", Double.NaN);
      };
      Object nested = switch (i % 3) {
        case 0 -> null;
        case 1 -> RowFactory.create(RowFactory.create(f, Arrays.asList(1, null, 3)), ts, map(1, "one", 2, null, -3, s));
        default -> RowFactory.create(null, null, null);
      };
      Object ea = switch (i % 3) {
        case 0 -> null;
        case 1 -> List.of();
        default -> Arrays.asList(d, null, 2.0, Double.NEGATIVE_INFINITY);
      };
      Object em = switch (i % 3) {
        case 0 -> null;
        case 1 -> map();
        default -> map("k", s, "n", null, "\u00e9\n", "x");
      };
      Object dm = switch (i % 3) {
        case 0 -> null;
        case 1 -> map(Date.valueOf("2026-11-20"), ts, Date.valueOf("1969-07-20"), null);
        default -> map();
      };
      Object tm = i % 2 == 0 ? null : map(Timestamp.valueOf("2026-11-20 10:15:30.25"), "x");
      Object marr = switch (i % 3) {
        case 0 -> null;
        case 1 -> Arrays.asList(map("a", new BigDecimal("1.25"), "b", null), null, map());
        default -> List.of();
      };
      Object fm = i % 2 == 0 ? null : map(1.5, true, -0.0, false, 1e20, null, 3.0e-5, true);
      Object lm = i % 2 == 1 ? null : map(7L, Arrays.asList(f, null, 2.5f), -7L, null, 0L, List.of());
      Object mm = switch (i % 3) {
        case 0 -> null;
        case 1 -> map("outer", map("x", d, "y", null, "z", Double.NaN), "empty", map(), "none", null);
        default -> map();
      };
      Object dk = i % 2 == 0 ? null : map(new BigDecimal("1.500"), "a", new BigDecimal("-0.001"), null, new BigDecimal("1234567.000"), s);
      rows.add(new Object[] {"C" + i, s, d, f, pick(DECIMALS, i), pick(BIG, i), pick(INTS, i), pick(LONGS, i), pick(SHORTS, i),
          pick(BYTES, i), pick(BOOLEANS, i), dt, ts, arr, m, nested, ea, em, dm, tm, marr, fm, lm, mm, dk});
    }
    return TestSpark.rows(DDL, rows.toArray(Object[][]::new));
  }

  private static DynamoDbItemLayout layout() {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("pk", "concat(id, '#', 'investment-recommendations')");
    keys.put("gsi1sk", "d");
    keys.put("gsi2sk", "CAST(dt AS STRING)");
    keys.put("when", "ts");
    keys.put("rank", "i + 1");
    keys.put("flag", "b");
    keys.put("pair", "named_struct('a', d, 'b', s, 'c', dt)");
    return new DynamoDbItemLayout(keys, List.of("id", "s", "d", "f", "dec", "big", "i", "l", "sh", "tiny", "b", "dt", "ts", "arr",
        "m", "nested", "ea", "em", "dm", "tm", "marr", "fm", "lm", "mm", "dk"), "expires_at", 7);
  }

  private static List<String> lines(Dataset<Row> items) {
    return items.collectAsList().stream().map(r -> r.<String>getAs("pk") + "\t" + r.<String>getAs("item")).sorted().toList();
  }

  @Test
  void javaTextEqualsTheExpressionItemsByteForByte() {
    SparkSession spark = TestSpark.session();
    Dataset<Row> candidates = candidates(240).repartition(3);
    DynamoDbItemLayout layout = layout();
    String zone = spark.conf().get("spark.sql.session.timeZone");
    try {
      for (String timeZone : List.of("UTC", "America/Los_Angeles")) {
        spark.conf().set("spark.sql.session.timeZone", timeZone);
        List<String> expected = lines(ExpressionItems.items(layout, candidates, RUN));
        List<String> actual = lines(layout.items(candidates, RUN));

        assertThat(actual).hasSize(240).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
          assertThat(actual.get(i)).as("item %d in %s", i, timeZone).isEqualTo(expected.get(i));
        }
      }
    } finally {
      spark.conf().set("spark.sql.session.timeZone", zone);
    }
  }

  /** The former rule in Java: Spark's format_number(x, 10), then regexp_replace(_, ",|\\.?0+$", ""). */
  private static String formerNumber(double x) {
    return DynamoDbItemText.numberFormat().format(x).replaceAll(",|\\.?0+$", "");
  }

  @Test
  void numbersWithoutDecimalFormatEqualTheFormerRule() {
    java.util.Random random = new java.util.Random(17);
    java.text.DecimalFormat format = DynamoDbItemText.numberFormat();
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      double magnitude = Math.pow(10, random.nextInt(14) - 5);
      double x = random.nextDouble() * magnitude * (random.nextBoolean() ? 1 : -1);
      values.add(x);
      values.add(Math.round(x * 100) / 100.0); // two decimals, as amounts
      values.add((double) (float) x); // floats, widened
      values.add(Math.nextUp(Math.round(x * 1e10) / 1e10)); // near the tenth decimal
      values.add(Math.round(x * 2048) / 2048.0); // exact binary fractions: ties at the eleventh decimal
      values.add(Math.round(x * 1e11 + 0.5) / 1e11); // ending in 5 at the eleventh decimal
    }
    values.addAll(List.of(9.99999999995, 9.999999999951, 999999.99999999999, 0.001, 0.00099999, 1e7, 9999999.99999999,
        -0.0, 0.0, 1.00048828125, 2.00048828125, 0.5, 100.0));
    int quick = 0;
    for (double x : values) {
      quick += DynamoDbItemText.quickNumber(x) == null ? 0 : 1;
      assertThat(DynamoDbItemText.number(x, format)).as("%s", x).isEqualTo(formerNumber(x));
    }
    assertThat(quick).as("values written without DecimalFormat").isGreaterThan(values.size() / 2);
  }

  @Test
  void itemsKeepTheirShapeAndRunNoJobUntilComputed() {
    SparkSession spark = TestSpark.session();
    Dataset<Row> candidates = candidates(12);
    String group = "items-analysis-" + System.nanoTime();
    spark.sparkContext().setJobGroup(group, "analysis only", false);
    Dataset<Row> items;
    try {
      items = layout().items(candidates, RUN);
      assertThat(spark.sparkContext().statusTracker().getJobIdsForGroup(group)).isEmpty();
    } finally {
      spark.sparkContext().clearJobGroup();
    }
    assertThat(items.schema().fieldNames()).containsExactly("item", "pk");
    assertThat(items.count()).isEqualTo(12);
  }

  @Test
  void keysAndColumnsThatCannotBeWrittenFailAtAnalysis() {
    Dataset<Row> candidates = candidates(3);
    assertThatThrownBy(() -> new DynamoDbItemLayout(Map.of("pk", "no_such_column"), List.of(), "expires_at", 7).items(candidates, RUN))
        .isInstanceOf(TargetingException.class)
        .hasMessageStartingWith("DynamoDB export: key pk = no_such_column cannot be evaluated: [UNRESOLVED_COLUMN");
    assertThatThrownBy(() -> new DynamoDbItemLayout(Map.of("pk", "id"), List.of("missing"), "expires_at", 7).items(candidates, RUN))
        .isInstanceOf(TargetingException.class)
        .hasMessageStartingWith("DynamoDB export: attribute missing is not a candidate column (has [id, s, d,");
    assertThatThrownBy(() -> new DynamoDbItemLayout(Map.of("pk", "id", "raw", "array(encode(s, 'UTF-8'))"), List.of(), "expires_at", 7)
        .items(candidates, RUN))
        .isInstanceOf(TargetingException.class)
        .hasMessage("DynamoDB export: cannot write a column of type binary");
    assertThatThrownBy(() -> new DynamoDbItemLayout(Map.of("pk", "id", "odd", "map(named_struct('a', 1), 'x')"), List.of(),
        "expires_at", 7).items(candidates, RUN))
        .isInstanceOf(TargetingException.class)
        .hasMessage("DynamoDB export: cannot write a map with keys of type struct<a:int>");
  }
}
