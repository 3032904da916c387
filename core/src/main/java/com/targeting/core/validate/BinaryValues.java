package com.targeting.core.validate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.TargetingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The one check of a binary column (a model's {@code label}, an uplift model's {@code outcome}):
 * either 0/1 (numbers or booleans), or a text column with a configured {@code positive} value and
 * exactly one negative value. Values that are neither are never silently read as negatives
 * (case label-case: "yes" and "Yes " beside "Yes" trained as negatives):
 * <ul>
 *   <li>without {@code positive}, a value other than 0 or 1 quarantines its row ({@link #rule});
 *   <li>with {@code positive} and {@code negative}, a value that is neither quarantines its row;
 *   <li>with {@code positive} alone, more than one other value refuses the run
 *       ({@link #requireOneNegative}), listing the values with their counts: which one is the
 *       negative is for the user to say ({@code negative}), not for the job to guess.
 * </ul>
 * The rule's reason names the column and the value.
 */
public final class BinaryValues {
  /** At most this many distinct values are counted by name; the rest are summed as one entry. */
  public static final int MAX_COUNTED_VALUES = 20;

  private BinaryValues() {}

  /**
   * The contract rule quarantining rows whose value is neither of the column's two values, or
   * empty when every non-null value is one of them by construction (positive alone: see
   * {@link #requireOneNegative}). Nulls are left to the caller's missing-value rule.
   *
   * @param what names the column in the reason ("label", "outcome")
   * @param hint ends the reason: how to name the values (the config keys)
   */
  public static Optional<Contract.Rule> rule(String ruleId, String what, String column, Optional<String> positive,
      Optional<String> negative, String hint) {
    String quoted = "`" + column.replace("`", "``") + "`";
    if (positive.isEmpty()) {
      return Optional.of(new Contract.Rule(ruleId, "CAST(" + quoted + " AS DOUBLE) NOT IN (0, 1)",
          what + " " + column + " is not 0 or 1 (" + hint + ")", Optional.of(column)));
    }
    if (negative.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Contract.Rule(ruleId,
        "CAST(" + quoted + " AS STRING) NOT IN (" + literal(positive.get()) + ", " + literal(negative.get()) + ")",
        what + " " + column + " is neither '" + positive.get() + "' nor '" + negative.get() + "'", Optional.of(column)));
  }

  /**
   * Counts of the column's values (as text; null as "null"), most frequent first: at most
   * {@value #MAX_COUNTED_VALUES} by name, the others together as "(N other values)". For the
   * training summary, and for {@link #requireOneNegative}.
   */
  public static Map<String, Long> counts(Dataset<Row> rows, String column) {
    Row[] groups = (Row[]) rows.groupBy(col("`" + column.replace("`", "``") + "`").cast("string").as("value"))
        .agg(count(lit(1)).as("rows"))
        .orderBy(col("rows").desc(), col("value").asc_nulls_last())
        .collect();
    Map<String, Long> counts = new LinkedHashMap<>();
    long others = 0;
    for (int i = 0; i < groups.length; i++) {
      if (i < MAX_COUNTED_VALUES) {
        counts.put(groups[i].isNullAt(0) ? "null" : groups[i].getString(0), groups[i].getLong(1));
      } else {
        others += groups[i].getLong(1);
      }
    }
    if (others > 0) {
      counts.put("(" + (groups.length - MAX_COUNTED_VALUES) + " other values)", others);
    }
    return counts;
  }

  /**
   * With a positive value and no configured negative one: refuses (user error) when the values
   * other than the positive one and null are more than one, naming the column, the source and
   * each value with its count.
   *
   * @param negativeKey the config key that names the negative value ("label.negative")
   */
  public static void requireOneNegative(Map<String, Long> counts, String owner, String what, String column, String positive,
      String negativeKey, String sourceName) {
    List<String> others = new ArrayList<>();
    for (String value : counts.keySet()) {
      if (!value.equals(positive) && !value.equals("null")) {
        others.add(value);
      }
    }
    if (others.size() > 1) {
      StringBuilder shown = new StringBuilder();
      counts.forEach((value, rows) -> shown.append(shown.length() == 0 ? "" : ", ").append('\'').append(value).append("' ").append(rows));
      throw TargetingException.userError("%s: binary %s %s in %s has %d values besides the positive '%s', which cannot all be "
          + "negatives (values with rows: %s). Fix the data, or set %s to the one negative value: rows with any other value "
          + "are then quarantined with their value", owner, what, column, sourceName, others.size(), positive, shown, negativeKey);
    }
  }

  private static String literal(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
