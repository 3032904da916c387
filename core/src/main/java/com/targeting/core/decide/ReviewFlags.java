package com.targeting.core.decide;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Rows a person should look at, for a review (QA) queue: each flag a Spark SQL condition over the
 * scored and decided rows; {@code output} (an array of strings) holds the ids of the flags a row
 * raises, in config order, empty when none (a condition that is NULL does not raise its flag).
 * The summary counts each flag and the rows with any among the selected rows ({@code output}).
 *
 * <pre>
 * { type = review-flags, output = review_reasons, flags = [
 *     { id = near-threshold, when = "abs(churn_probability - 0.5) &lt; 0.05",
 *       reason = "churn probability within 0.05 of the high-risk threshold" } ] }
 * </pre>
 */
public record ReviewFlags(String output, List<Flag> flags) implements Decision, SummarySection {

  /** A flag: its id (the value in the output column), its condition and what it means. */
  public record Flag(String id, String when, String reason) {
    public Flag {
      requireNonNull(id, "id is null");
      requireNonNull(when, "when is null");
      requireNonNull(reason, "reason is null");
    }
  }

  public ReviewFlags {
    requireNonNull(output, "output is null");
    flags = List.copyOf(flags);
  }

  public static ReviewFlags from(ConfigNode node, Map<String, Object> parameters) {
    List<Flag> flags = new ArrayList<>();
    Set<String> ids = new LinkedHashSet<>();
    List<ConfigNode> nodes = node.nodes("flags");
    for (int i = 0; i < nodes.size(); i++) {
      ConfigNode flag = nodes.get(i);
      String id = flag.string("id");
      if (!ids.add(id)) {
        throw flag.invalid("id", "two flags are called " + id);
      }
      flags.add(new Flag(id, SqlTemplate.expression(flag.string("when"), parameters, flag, "when"), flag.string("reason")));
    }
    if (flags.isEmpty()) {
      throw node.invalid("flags", "at least one flag is needed");
    }
    return new ReviewFlags(node.string("output", "review_reasons"), flags);
  }

  @Override
  public Dataset<Row> apply(Dataset<Row> scored) {
    Column[] raised = new Column[flags.size()];
    for (int i = 0; i < raised.length; i++) {
      raised[i] = when(coalesce(expr(flags.get(i).when()), lit(false)), lit(flags.get(i).id()));
    }
    Column ids = org.apache.spark.sql.functions.filter(org.apache.spark.sql.functions.array(raised), Column::isNotNull);
    return scored.withColumn(output, ids);
  }

  private String figure(Flag flag) {
    return output + ":" + flag.id();
  }

  /** Per flag, and for any flag, a 0/1 measure summed over the groups. */
  @Override
  public List<Figure> figures() {
    List<Figure> figures = new ArrayList<>();
    for (Flag flag : flags) {
      figures.add(Figure.measure(figure(flag), when(org.apache.spark.sql.functions.array_contains(col(output), flag.id()), 1L).otherwise(0L)));
    }
    figures.add(Figure.measure(output + ":any", when(org.apache.spark.sql.functions.size(col(output)).gt(0), 1L).otherwise(0L)));
    return figures;
  }

  /** {@code output}: {@code rows} (selected rows with any flag) and each flag's count and meaning. */
  @Override
  public void report(RunReport report) {
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("rows", Math.round(report.groups().sum(output + ":any", Groups.Scope.SELECTED)));
    Map<String, Object> byFlag = new LinkedHashMap<>();
    for (Flag flag : flags) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("rows", Math.round(report.groups().sum(figure(flag), Groups.Scope.SELECTED)));
      entry.put("reason", flag.reason());
      byFlag.put(flag.id(), entry);
    }
    section.put("flags", byFlag);
    report.put(output, section);
  }
}
