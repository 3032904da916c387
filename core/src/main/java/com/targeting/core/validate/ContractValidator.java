package com.targeting.core.validate;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.instr;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.Columns;
import com.targeting.core.TargetingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;

/**
 * Checks an extract against its {@link Contract}. Schema problems (missing columns, types that
 * cannot be converted) stop the run before any scan. Row problems never drop a row: each row gets
 * {@code quarantine_rule} / {@code quarantine_reason}, null when the row is good, so that the
 * funnel can account for it and the quarantine sink can write it out.
 *
 * <p>One rule for every value that enters (issue 15), whatever the source's types (text from CSV,
 * typed from Parquet or JDBC): a float or double that is NaN or infinite is quarantined as
 * {@value #NON_FINITE}, a date or timestamp outside the contract's date range as
 * {@value #DATE_OUT_OF_RANGE}, and, where the contract has a serving key, a key that cannot
 * form one as {@value #INVALID_KEY}; each reason names the column and the value (cut to 40
 * characters). A row's first problem, in column order, is its reason.
 */
public final class ContractValidator {
  public static final String NULL_KEY = "null-key";
  public static final String DUPLICATE_KEY = "duplicate-key";
  public static final String UNPARSEABLE = "unparseable";
  /** A float or double that is NaN or infinite (as text "NaN", "Infinity", or too large, e.g. "1e309"). */
  public static final String NON_FINITE = "non-finite";
  /** A date or timestamp outside the contract's {@code date-range}. */
  public static final String DATE_OUT_OF_RANGE = "date-out-of-range";
  /** A key that cannot form a serving key ({@link Contract.ServingKey}). */
  public static final String INVALID_KEY = "invalid-key";

  private static final String CONTROL_CHARACTERS = "\\p{Cc}";
  /** A record the reader could not read as a row (wrong number of fields, a quote left open). */
  public static final String MALFORMED_RECORD = "malformed-record";

  private static final int MAX_VALUE_CHARS = 40;
  /** The most of a malformed record of several lines its reason keeps. */
  private static final int MAX_RECORD_CHARS = 20_000;

  private ContractValidator() {}

  /**
   * Returns the extract with contract columns converted to their types and the two quarantine
   * columns added; other columns pass through unchanged. An extract read by
   * {@code ReaderSource.readForContract} may carry {@link Columns#MALFORMED_RECORD}: a row with
   * it set is quarantined as {@link #MALFORMED_RECORD} (before any other rule, with the record's
   * first characters in the reason, line breaks shown as {@code \n}) and the column is dropped.
   *
   * @param sourceName names the extract in error messages
   */
  public static Dataset<Row> validate(Dataset<Row> extract, Contract contract, String sourceName) {
    Map<String, StructField> actual = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    boolean readsMalformed = java.util.Arrays.asList(extract.columns()).contains(Columns.MALFORMED_RECORD);
    for (StructField field : extract.schema().fields()) {
      if (!field.name().equals(Columns.MALFORMED_RECORD)) {
        actual.put(field.name(), field);
      }
    }
    List<String> missing = new ArrayList<>();
    List<String> wrongTypes = new ArrayList<>();
    for (Map.Entry<String, DataType> expected : contract.columns().entrySet()) {
      StructField field = actual.get(expected.getKey());
      if (field == null) {
        missing.add(expected.getKey());
      } else if (!convertible(field.dataType(), expected.getValue())) {
        wrongTypes.add(expected.getKey() + " is " + field.dataType().simpleString()
            + ", expected " + expected.getValue().simpleString());
      }
    }
    if (!missing.isEmpty()) {
      throw TargetingException.userError(
          "Extract %s breaks its contract: missing columns %s (has %s)", sourceName, missing, actual.keySet());
    }
    if (!wrongTypes.isEmpty()) {
      throw TargetingException.userError("Extract %s breaks its contract: %s", sourceName, wrongTypes);
    }

    // Convert in one projection; remember for each column whether a present value failed to parse,
    // or parsed to a value the rest of the run cannot handle (non-finite numbers, dates out of range).
    List<Column> projection = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (StructField field : extract.schema().fields()) {
      if (field.name().equals(Columns.MALFORMED_RECORD)) {
        continue;
      }
      DataType expected = contract.columns().get(contractName(contract, field.name()));
      Column raw = col(quoted(field.name()));
      if (expected == null) {
        projection.add(raw);
        continue;
      }
      String name = contractName(contract, field.name());
      boolean same = expected.equals(field.dataType());
      projection.add(convert(raw, field.dataType(), expected, name, contract.limits(), problems).as(same ? field.name() : name));
    }

    // The unparseable test reads the raw column, so it is evaluated on the raw extract and carried.
    String verdictColumn = "__verdict";
    Column parseVerdict = parseVerdict(problems);
    if (readsMalformed) {
      // Checked first: the other columns of such a row hold what could be read, not the record.
      Column raw = col(Columns.MALFORMED_RECORD);
      // A record of several lines may be a quote left open that took in the records after it, up
      // to the next quote: the reason then says so and keeps the whole record (up to
      // MAX_RECORD_CHARS), so that the customers it swallowed are in the quarantine, not lost.
      Column lines = org.apache.spark.sql.functions.size(org.apache.spark.sql.functions.split(raw, "\\r?\\n"));
      Column escaped = regexp_replace(raw, "\\r?\\n", "\\\\n");
      parseVerdict = when(raw.isNotNull(), verdict(MALFORMED_RECORD, when(lines.gt(1), concat(
              lit("malformed record spanning "), lines.cast("string"),
              lit(" lines (a quote left open takes in the records after it, up to the next quote): '"),
              substring(escaped, 1, MAX_RECORD_CHARS), lit("'")))
          .otherwise(concat(lit("malformed record (wrong number of fields or a quote left open): '"),
              substring(escaped, 1, MAX_VALUE_CHARS), lit("'")))))
          .otherwise(parseVerdict);
    }
    Dataset<Row> withProblems = extract.withColumn(verdictColumn + "_parse", parseVerdict);
    List<Column> convertedWithVerdict = new ArrayList<>(projection);
    convertedWithVerdict.add(col(verdictColumn + "_parse"));
    Dataset<Row> typed = withProblems.select(convertedWithVerdict.toArray(Column[]::new));

    Column finalVerdict;
    if (contract.keyColumn().isPresent()) {
      String key = contract.keyColumn().get();
      // Duplicates are ambiguous (which copy is right?), so every copy is quarantined.
      Column copies = count(lit(1)).over(Window.partitionBy(col(quoted(key))));
      // An unparseable key is reported as such (with its value), not as a missing one.
      finalVerdict = when(col(verdictColumn + "_parse").isNotNull(), col(verdictColumn + "_parse"))
          .when(col(quoted(key)).isNull(), verdict(NULL_KEY, lit("null " + key)));
      if (contract.limits().servingKey().isPresent()) {
        finalVerdict = invalidKey(finalVerdict, key, contract.limits().servingKey().get());
      }
      finalVerdict = finalVerdict.when(copies.gt(1),
          verdict(DUPLICATE_KEY, concat(lit("duplicate " + key + " ("), copies.cast("string"), lit(" rows)"))));
    } else {
      finalVerdict = when(col(verdictColumn + "_parse").isNotNull(), col(verdictColumn + "_parse"));
    }
    for (Contract.Rule rule : contract.rules()) {
      org.apache.spark.sql.types.DataType type;
      try {
        // Analysis only: name the rule if it cannot be evaluated, or is not a condition.
        type = typed.select(expr(rule.when())).schema().fields()[0].dataType();
      } catch (Exception e) { // Spark throws the checked AnalysisException undeclared
        throw TargetingException.userError("Contract rule %s (%s) cannot be evaluated on %s: %s",
            rule.id(), rule.when(), sourceName, TargetingException.firstLine(e.getMessage()));
      }
      if (!(type instanceof org.apache.spark.sql.types.BooleanType)) {
        throw TargetingException.userError("Contract rule %s (%s) on %s: when must be a condition (boolean), but is of type %s",
            rule.id(), rule.when(), sourceName, type.simpleString());
      }
      Column reason = rule.valueColumn()
          .map(column -> concat(lit(rule.reason() + ": "),
              coalesce(concat(lit("'"), shown(col(quoted(column))), lit("'")), lit("null"))))
          .orElse(lit(rule.reason()));
      finalVerdict = finalVerdict.when(expr(rule.when()), verdict(rule.id(), reason));
    }
    return typed
        .withColumn(verdictColumn, finalVerdict)
        .withColumn(QUARANTINE_RULE, col(verdictColumn + ".rule"))
        .withColumn(QUARANTINE_REASON, col(verdictColumn + ".reason"))
        .drop(verdictColumn, verdictColumn + "_parse");
  }

  /**
   * A value converted to its type under the contract's rules, and its problem: a {@code rule} /
   * {@code reason} struct, null when the value may enter. The same rules as the extract's columns
   * ({@link #validate}): unparseable or lossy conversions, non-finite floats and doubles, dates
   * outside {@code limits}; the value is null where a date is out of range.
   *
   * @param raw the value as it arrives, of type {@code from}
   * @param name names the value in the reason (a column, or a derived column)
   */
  public record Checked(Column value, Column problem) {}

  /** {@link Checked} for one value; see {@link #validate} for the rules. */
  public static Checked check(Column raw, DataType from, DataType expected, String name, Contract.Limits limits) {
    if (!convertible(from, expected)) {
      throw new IllegalArgumentException(name + " is " + from.simpleString() + ", which cannot become " + expected.simpleString());
    }
    List<Problem> problems = new ArrayList<>();
    Column value = convert(raw, from, expected, name, limits, problems);
    return new Checked(value, parseVerdict(problems));
  }

  /** The value converted to {@code expected}; adds its problems, in the order they are reported. */
  private static Column convert(Column raw, DataType from, DataType expected, String name, Contract.Limits limits,
      List<Problem> problems) {
    boolean same = expected.equals(from);
    Column typed = raw;
    if (!same) {
      typed = raw.cast(expected);
      Column broken = conversionLoses(raw, from, typed, expected);
      if (broken != null) {
        problems.add(new Problem(broken, UNPARSEABLE, concat(lit("unparseable " + name + ": '"),
            shown(raw), lit("' is not " + expected.simpleString()))));
      }
    }
    Column shownValue = concat(lit("'"), shown(raw), lit("'"));
    if (expected.equals(DataTypes.DoubleType) || expected.equals(DataTypes.FloatType)) {
      Column value = typed.cast(DataTypes.DoubleType);
      Column nonFinite = isnan(value).or(value.equalTo(lit(Double.POSITIVE_INFINITY)))
          .or(value.equalTo(lit(Double.NEGATIVE_INFINITY)));
      problems.add(new Problem(nonFinite, NON_FINITE, concat(lit("non-finite " + name + ": "), shownValue)));
      return typed;
    }
    if (expected.equals(DataTypes.DateType) || expected.equals(DataTypes.TimestampType)) {
      Column outside = expected.equals(DataTypes.DateType)
          ? typed.lt(lit(limits.minDate().toString()).cast(DataTypes.DateType))
              .or(typed.gt(lit(limits.maxDate().toString()).cast(DataTypes.DateType)))
          : typed.lt(lit(limits.minDate().toString()).cast(DataTypes.TimestampType))
              .or(typed.geq(lit(limits.maxDate().plusDays(1).toString()).cast(DataTypes.TimestampType)));
      problems.add(new Problem(outside, DATE_OUT_OF_RANGE, concat(lit(name + " out of range: "), shownValue,
          lit(" is outside " + limits.minDate() + " to " + limits.maxDate() + " (contract.date-range)"))));
      // The value stays in the reason only: a year-0000 date in the quarantined row would break
      // the quarantine's own Parquet write (WRITE_ANCIENT_DATETIME).
      return when(outside, lit(null).cast(expected)).otherwise(typed);
    }
    return typed;
  }

  /**
   * True where a present value does not survive the conversion: text that does not parse, or
   * parses only by losing digits ("12.7" as int), and numbers that wrap or truncate (3000000000
   * or 3.9 as int). Null when the conversion cannot lose anything.
   */
  private static Column conversionLoses(Column raw, DataType from, Column typed, DataType to) {
    Column present = raw.isNotNull();
    if (from.equals(DataTypes.StringType)) {
      present = present.and(trim(raw).notEqual(lit("")));
      Column failed = typed.isNull();
      if (to instanceof org.apache.spark.sql.types.IntegralType) {
        // Spark's text-to-integer cast takes an optional sign, ASCII digits and, after a point,
        // digits it drops ("12.7" is 12); anything else fails (null). So the text loses digits
        // exactly when a digit after the point is not 0, or when it has no digit at all ("." is
        // 0). Tested only for text with a point: the regex ran for no other value (an exact
        // BigDecimal comparison of every value here was about 5% of read_classify's CPU).
        failed = failed.or(instr(raw, ".").gt(0).and(raw.rlike("\\.[0-9]*[1-9]|^[^0-9]*$")));
      } else if (to instanceof org.apache.spark.sql.types.DecimalType) {
        // A decimal's text is read as a BigDecimal and rounded to the scale: only text with a
        // fraction or an exponent ("1e-5" as decimal(10,2)) can parse yet lose digits, and only
        // that text is compared with its exact value (at 18 places: finer digits are not seen).
        Column mayLose = instr(raw, ".").gt(0).or(instr(raw, "e").gt(0)).or(instr(raw, "E").gt(0));
        Column loses = coalesce(typed.cast("decimal(38,18)").notEqual(raw.cast("decimal(38,18)")), lit(false));
        failed = failed.or(mayLose.and(loses));
      }
      return present.and(failed);
    }
    if (from instanceof NumericType && to instanceof NumericType) {
      return present.and(typed.isNull().or(typed.cast(from).notEqual(raw)));
    }
    return null;
  }

  private static Column parseVerdict(List<Problem> problems) {
    if (problems.isEmpty()) {
      return lit(null).cast(verdictType());
    }
    Column result = when(problems.get(0).when(), verdict(problems.get(0).rule(), problems.get(0).reason()));
    for (int i = 1; i < problems.size(); i++) {
      result = result.when(problems.get(i).when(), verdict(problems.get(i).rule(), problems.get(i).reason()));
    }
    return result;
  }

  /** A value problem of one column: rows where {@code when} holds are quarantined under {@code rule}. */
  private record Problem(Column when, String rule, Column reason) {}

  /** The value as shown in a reason: text, cut to {@value #MAX_VALUE_CHARS} characters, control characters as '?'. */
  private static Column shown(Column raw) {
    return regexp_replace(substring(raw.cast("string"), 1, MAX_VALUE_CHARS), CONTROL_CHARACTERS, "?");
  }

  /**
   * Keys that cannot form a serving key: blank, holding a separator of the serving key or a
   * control character, or longer in UTF-8 than {@code key.maxBytes()}.
   */
  private static Column invalidKey(Column verdicts, String key, Contract.ServingKey servingKey) {
    Column value = col(quoted(key)).cast("string");
    Column shownKey = concat(lit("invalid " + key + " '"), shown(value), lit("': "));
    Column result = verdicts.when(trim(value).equalTo(lit("")), verdict(INVALID_KEY, lit("blank " + key)));
    if (!servingKey.forbiddenCharacters().isEmpty()) {
      String characters = servingKey.forbiddenCharacters();
      String pattern = "[" + java.util.regex.Pattern.quote(characters) + "]";
      String named = characters.length() == 1 ? "'" + characters + "'" : "one of '" + characters + "'";
      result = result.when(value.rlike(pattern), verdict(INVALID_KEY, concat(shownKey,
          lit("contains " + named + ", a separator of the serving key (contract.serving-key.forbidden-characters)"))));
    }
    result = result.when(value.rlike(CONTROL_CHARACTERS), verdict(INVALID_KEY, concat(shownKey, lit("contains a control character"))));
    Column bytes = expr("octet_length(CAST(" + quoted(key) + " AS STRING))");
    return result.when(bytes.gt(servingKey.maxBytes()), verdict(INVALID_KEY, concat(shownKey, bytes.cast("string"),
        lit(" bytes in UTF-8, over contract.serving-key.max-bytes = " + servingKey.maxBytes()))));
  }

  private static DataType verdictType() {
    return DataTypes.createStructType(new StructField[] {
        DataTypes.createStructField("rule", DataTypes.StringType, true),
        DataTypes.createStructField("reason", DataTypes.StringType, true)});
  }

  private static Column verdict(String rule, Column reason) {
    return struct(lit(rule).as("rule"), reason.as("reason"));
  }

  private static boolean convertible(DataType from, DataType to) {
    if (from.equals(to) || from.equals(DataTypes.StringType)) {
      return true;
    }
    if (from instanceof NumericType && to instanceof NumericType) {
      return true;
    }
    if (from.equals(DataTypes.DateType) && to.equals(DataTypes.TimestampType)) {
      return true;
    }
    return to.equals(DataTypes.StringType);
  }

  private static String contractName(Contract contract, String name) {
    for (String column : contract.columns().keySet()) {
      if (column.equalsIgnoreCase(name)) {
        return column;
      }
    }
    return name;
  }

  private static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
