package com.targeting.core.filter;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.functions;

/**
 * A filter written in config: {@code params} (the seed's thresholds) and rules, each a Spark SQL
 * condition a row must meet to stay, with the reason recorded when it does not.
 *
 * <pre>
 * { id = investment-qualification, params { min_idle_cash = 5000 },
 *   rules = [ { keep = "idle_cash > :min_idle_cash", reason = "idle cash at most 5,000" } ] }
 * </pre>
 */
public record RuleFilter(String id, String type, Map<String, Object> params, List<Rule> rules) implements Filter {

  /** A rendered rule: {@code keep} is SQL with parameters already substituted. */
  public record Rule(String keep, String reason) {
    public Rule {
      requireNonNull(keep, "keep is null");
      requireNonNull(reason, "reason is null");
    }
  }

  public RuleFilter {
    requireNonNull(id, "id is null");
    requireNonNull(type, "type is null");
    params = Map.copyOf(params);
    rules = List.copyOf(rules);
  }

  public static RuleFilter from(ConfigNode node, Map<String, Object> programParameters) {
    Map<String, Object> params = node.scalarMap("params");
    Map<String, Object> parameters = new HashMap<>(programParameters);
    parameters.putAll(params);
    List<Rule> rules = new ArrayList<>();
    for (ConfigNode rule : node.nodes("rules")) {
      rules.add(new Rule(SqlTemplate.expression(rule.string("keep"), parameters, rule, "keep"), rule.string("reason")));
    }
    if (rules.isEmpty()) {
      throw node.invalid("rules", "a filter needs at least one rule");
    }
    return new RuleFilter(node.string("id"), node.string("type", "business-rule"), params, rules);
  }

  @Override
  public List<Check> checks() {
    return rules.stream().map(rule -> new Check(rule.reason(), functions.expr(rule.keep()))).toList();
  }
}
