package com.targeting.core.validate;

import static com.targeting.core.program.Columns.QUARANTINE_REASON;
import static com.targeting.core.program.Columns.QUARANTINE_RULE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

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
 */
public final class ContractValidator {
  public static final String NULL_KEY = "null-key";
  public static final String DUPLICATE_KEY = "duplicate-key";
  public static final String UNPARSEABLE = "unparseable";

  private static final int MAX_VALUE_CHARS = 40;

  private ContractValidator() {}

  /**
   * Returns the extract with contract columns converted to their types and the two quarantine
   * columns added; other columns pass through unchanged.
   *
   * @param sourceName names the extract in error messages
   */
  public static Dataset<Row> validate(Dataset<Row> extract, Contract contract, String sourceName) {
    Map<String, StructField> actual = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (StructField field : extract.schema().fields()) {
      actual.put(field.name(), field);
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

    // Convert in one projection; remember for each column whether a present value failed to parse.
    List<Column> projection = new ArrayList<>();
    List<Column[]> problems = new ArrayList<>();
    for (StructField field : extract.schema().fields()) {
      DataType expected = contract.columns().get(contractName(contract, field.name()));
      if (expected == null || expected.equals(field.dataType())) {
        projection.add(col(quoted(field.name())));
        continue;
      }
      String name = contractName(contract, field.name());
      Column raw = col(quoted(field.name()));
      Column typed = raw.cast(expected);
      projection.add(typed.as(name));
      Column broken = conversionLoses(raw, field.dataType(), typed, expected);
      if (broken != null) {
        Column reason = concat(lit("unparseable " + name + ": '"),
            substring(raw.cast("string"), 1, MAX_VALUE_CHARS), lit("' is not " + expected.simpleString()));
        problems.add(new Column[] {broken, reason});
      }
    }

    // The unparseable test reads the raw column, so it is evaluated on the raw extract and carried.
    String verdictColumn = "__verdict";
    Dataset<Row> withProblems = extract.withColumn(verdictColumn + "_parse", parseVerdict(problems));
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
          .when(col(quoted(key)).isNull(), verdict(NULL_KEY, lit("null " + key)))
          .when(copies.gt(1),
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
      finalVerdict = finalVerdict.when(expr(rule.when()), verdict(rule.id(), lit(rule.reason())));
    }
    return typed
        .withColumn(verdictColumn, finalVerdict)
        .withColumn(QUARANTINE_RULE, col(verdictColumn + ".rule"))
        .withColumn(QUARANTINE_REASON, col(verdictColumn + ".reason"))
        .drop(verdictColumn, verdictColumn + "_parse");
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
      if (to instanceof org.apache.spark.sql.types.IntegralType || to instanceof org.apache.spark.sql.types.DecimalType) {
        Column exact = raw.cast("decimal(38,18)");
        failed = failed.or(exact.isNotNull().and(typed.cast("decimal(38,18)").notEqual(exact)));
      }
      return present.and(failed);
    }
    if (from instanceof NumericType && to instanceof NumericType) {
      return present.and(typed.isNull().or(typed.cast(from).notEqual(raw)));
    }
    return null;
  }

  private static Column parseVerdict(List<Column[]> problems) {
    if (problems.isEmpty()) {
      return lit(null).cast(verdictType());
    }
    Column result = when(problems.get(0)[0], verdict(UNPARSEABLE, problems.get(0)[1]));
    for (int i = 1; i < problems.size(); i++) {
      result = result.when(problems.get(i)[0], verdict(UNPARSEABLE, problems.get(i)[1]));
    }
    return result;
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
