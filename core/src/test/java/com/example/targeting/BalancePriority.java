package com.example.targeting;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.decide.Decision;
import com.targeting.core.decide.DecisionType;
import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A decision defined outside the library, as a team would add its own: customers at or above a
 * balance are {@code high} priority, the rest {@code normal}; its section counts the candidates
 * per priority and sums their balances, and draws a chart. Found through
 * {@code META-INF/services/com.targeting.core.decide.DecisionType} (test resources).
 */
public record BalancePriority(double threshold) implements Decision, SummarySection {
  /** The config type {@code balance-priority}, with its one setting {@code threshold}. */
  public static final class Type implements DecisionType {
    @Override
    public String name() {
      return "balance-priority";
    }

    @Override
    public Decision create(ConfigNode node, Map<String, Object> parameters) {
      return new BalancePriority(node.doubleValue("threshold"));
    }
  }

  @Override
  public Dataset<Row> apply(Dataset<Row> scored) {
    return scored.withColumn("priority", when(col("balance").geq(threshold), lit("high")).otherwise(lit("normal")));
  }

  @Override
  public List<Figure> figures() {
    return List.of(Figure.dimension("priority", col("priority")), Figure.measure("balance", col("balance")));
  }

  @Override
  public void report(RunReport report) {
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("candidates", report.groups().countsBy("priority", Groups.Scope.SELECTED));
    section.put("balance", report.groups().sumsBy("priority", "balance", Groups.Scope.SELECTED));
    section.put("chart", report.chart("priorities.png", "candidates' balance by priority", "priority (0 normal, 1 high)", "balance",
        Map.of("balance", new double[][] {{0, 1}, {
            report.groups().sumsBy("priority", "balance", Groups.Scope.SELECTED).getOrDefault("normal", 0.0),
            report.groups().sumsBy("priority", "balance", Groups.Scope.SELECTED).getOrDefault("high", 0.0)}})));
    report.put("priorities", section);
  }
}
