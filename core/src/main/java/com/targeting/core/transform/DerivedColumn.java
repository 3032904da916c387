package com.targeting.core.transform;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import com.targeting.core.validate.Contract;
import com.targeting.core.validate.ContractValidator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * A column computed by a Spark SQL expression from config (investment capacity, account age), and
 * optionally converted to a {@code type}.
 *
 * <p>A derived value enters the run under the same rules as a read one ({@link ContractValidator}):
 * with a {@code type}, a present value that does not convert (text from a JSON field that is not a
 * number, such as the {@code "Infinity"} that {@code get_json_object} makes of {@code 1e400}; digits
 * lost to an int) quarantines its row as {@value ContractValidator#UNPARSEABLE}; a float or double
 * that is NaN or infinite (typed or not: {@code power(10, 400)}) as
 * {@value ContractValidator#NON_FINITE}; a date outside the contract's range as
 * {@value ContractValidator#DATE_OUT_OF_RANGE}. The reason names the derived column and the value.
 * A row already quarantined keeps its first reason. Without this, such a value would reach the
 * models as a missing one, silently.
 */
public record DerivedColumn(String name, String expression, Optional<DataType> type) {
  public DerivedColumn {
    requireNonNull(name, "name is null");
    requireNonNull(expression, "expression is null");
    requireNonNull(type, "type is null");
  }

  /** An untyped derived column: the expression's own type. */
  public DerivedColumn(String name, String expression) {
    this(name, expression, Optional.empty());
  }

  /** {@code { name, expr, type }} ({@code type} optional, a Spark SQL type name such as {@code double}). */
  public static DerivedColumn from(ConfigNode node, Map<String, Object> parameters) {
    Optional<DataType> type = node.optionalString("type").map(name -> {
      try {
        return DataType.fromDDL(name);
      } catch (Exception e) { // Spark's parser throws the checked ParseException undeclared
        throw node.invalid("type", "unknown type '" + name + "'");
      }
    });
    return new DerivedColumn(node.string("name"), SqlTemplate.expression(node.string("expr"), parameters, node, "expr"), type);
  }

  /** Adds the columns in order (a later one may use an earlier one) under the default limits. */
  public static Dataset<Row> addAll(Dataset<Row> rows, List<DerivedColumn> columns) {
    return addAll(rows, columns, Contract.Limits.DEFAULT);
  }

  /**
   * Adds the columns in order, so a later one may use an earlier one, and quarantines the rows
   * whose derived values cannot enter (see the class comment): {@code quarantine_rule} and
   * {@code quarantine_reason} are set where they were null, and added when {@code rows} has none.
   *
   * @param limits the contract's limits (its date range)
   * @throws TargetingException a user error naming the column when its expression cannot be
   *     evaluated or its value cannot become its {@code type}
   */
  public static Dataset<Row> addAll(Dataset<Row> rows, List<DerivedColumn> columns, Contract.Limits limits) {
    Dataset<Row> result = rows;
    List<Column> problems = new ArrayList<>();
    List<String> carried = new ArrayList<>();
    for (DerivedColumn column : columns) {
      Column value;
      DataType from;
      try {
        value = functions.expr(column.expression());
        from = result.select(value).schema().fields()[0].dataType();
      } catch (Exception e) { // Spark throws the checked AnalysisException undeclared
        String message = TargetingException.firstLine(e.getMessage());
        throw TargetingException.userError("Derived column %s = %s cannot be evaluated: %s", column.name(), column.expression(), message);
      }
      DataType to = column.type().orElse(from);
      if (column.type().isEmpty() && !to.equals(DataTypes.DoubleType) && !to.equals(DataTypes.FloatType)) {
        result = result.withColumn(column.name(), value);
        continue;
      }
      // The value is computed once, into a column of its own, and the check reads that column: the
      // check names the value several times, and where Spark's common-subexpression elimination
      // does not apply it may evaluate an expensive expression (get_json_object parses the JSON)
      // once for each.
      String raw = "__derived_raw_" + problems.size();
      ContractValidator.Checked checked;
      try {
        checked = ContractValidator.check(col(raw), from, to, "derived " + column.name(), limits);
      } catch (IllegalArgumentException e) {
        throw TargetingException.userError("Derived column %s = %s: its value is %s, which cannot become %s (derived.type)",
            column.name(), column.expression(), from.simpleString(), to.simpleString());
      }
      // The problem is computed from the unconverted value, so it is carried beside the converted one.
      String problem = "__derived_problem_" + problems.size();
      result = result.withColumn(raw, value).withColumn(problem, checked.problem()).withColumn(column.name(), checked.value());
      problems.add(col(problem));
      carried.add(raw);
      carried.add(problem);
    }
    if (problems.isEmpty()) {
      return result;
    }
    Column first = functions.coalesce(problems.toArray(Column[]::new));
    List<String> present = Arrays.asList(result.columns());
    Column rule = present.contains(QUARANTINE_RULE) ? col(QUARANTINE_RULE) : lit(null).cast("string");
    Column reason = present.contains(QUARANTINE_REASON) ? col(QUARANTINE_REASON) : lit(null).cast("string");
    // Both columns from the rows as they were: the reason is replaced only where the rule was null.
    Map<String, Column> quarantine = new java.util.LinkedHashMap<>();
    quarantine.put(QUARANTINE_RULE, when(rule.isNull(), first.getField("rule")).otherwise(rule));
    quarantine.put(QUARANTINE_REASON, when(rule.isNull(), first.getField("reason")).otherwise(reason));
    return result.withColumns(quarantine).drop(carried.toArray(String[]::new));
  }
}
