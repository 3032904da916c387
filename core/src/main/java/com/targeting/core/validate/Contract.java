package com.targeting.core.validate;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.types.DataType;

/**
 * What an extract must look like: required columns with their types, the key column (if rows have
 * one: null and duplicate keys are then quarantined), row rules
 * whose violations are quarantined, and the largest quarantined fraction a run tolerates.
 */
public record Contract(
    Optional<String> keyColumn, Map<String, DataType> columns, List<Rule> rules, double maxQuarantinedFraction) {

  /** A row rule: rows where {@code when} is true are quarantined with {@code reason}. */
  public record Rule(String id, String when, String reason) {
    public Rule {
      requireNonNull(id, "id is null");
      requireNonNull(when, "when is null");
      requireNonNull(reason, "reason is null");
    }
  }

  public Contract {
    requireNonNull(keyColumn, "keyColumn is null");
    columns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    rules = List.copyOf(rules);
    if (keyColumn.isPresent() && !columns.containsKey(keyColumn.get())) {
      throw new IllegalArgumentException("contract does not list its key column " + keyColumn.get());
    }
  }

  public static Contract from(ConfigNode node, String keyColumn, Map<String, Object> parameters) {
    Contract contract = withoutKey(node, parameters);
    if (!contract.columns().containsKey(keyColumn)) {
      throw node.invalid("columns", "must list the key column " + keyColumn);
    }
    return new Contract(Optional.of(keyColumn), contract.columns(), contract.rules(), contract.maxQuarantinedFraction());
  }

  /**
   * A contract for rows without a single key column (a key of several columns is the caller's to
   * check, e.g. market data per marketplace and date).
   */
  public static Contract withoutKey(ConfigNode node, Map<String, Object> parameters) {
    Map<String, DataType> columns = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : node.stringMap("columns").entrySet()) {
      try {
        columns.put(entry.getKey(), DataType.fromDDL(entry.getValue()));
      } catch (Exception e) { // Spark's parser throws the checked ParseException undeclared
        throw node.invalid("columns." + entry.getKey(), "unknown type '" + entry.getValue() + "'");
      }
    }
    List<Rule> rules = new ArrayList<>();
    for (ConfigNode rule : node.nodes("rules")) {
      rules.add(new Rule(
          rule.string("id"),
          SqlTemplate.expression(rule.string("when"), parameters, rule, "when"),
          rule.string("reason")));
    }
    double maxFraction = node.doubleValue("max-quarantined-fraction");
    if (maxFraction < 0 || maxFraction > 1) {
      throw node.invalid("max-quarantined-fraction", "must be between 0 and 1, was " + maxFraction);
    }
    return new Contract(Optional.empty(), columns, rules, maxFraction);
  }
}
