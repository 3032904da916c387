package com.targeting.core.validate;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.types.DataType;

/**
 * What an extract must look like: required columns with their types, the key column (if rows have
 * one: null and duplicate keys are then quarantined), row rules
 * whose violations are quarantined, the largest quarantined fraction a run tolerates, and the
 * {@link Limits} every value must respect to enter at all (finite numbers, dates in a sane range,
 * keys that can form a serving key).
 */
public record Contract(
    Optional<String> keyColumn, Map<String, DataType> columns, List<Rule> rules, double maxQuarantinedFraction, Limits limits) {

  /**
   * A row rule: rows where {@code when} is true are quarantined with {@code reason}, followed by
   * the value of {@code valueColumn} ({@code ": 'value'"}) where one is named.
   */
  public record Rule(String id, String when, String reason, Optional<String> valueColumn) {
    public Rule {
      requireNonNull(id, "id is null");
      requireNonNull(when, "when is null");
      requireNonNull(reason, "reason is null");
      requireNonNull(valueColumn, "valueColumn is null");
    }

    public Rule(String id, String when, String reason) {
      this(id, when, reason, Optional.empty());
    }
  }

  /**
   * What a value must be for the rest of a run to handle it (issue 15: "one rule for every number,
   * date and key that enters"). Dates (and timestamps, by their UTC date) outside
   * {@code [minDate, maxDate]} are quarantined as {@code date-out-of-range}; with a
   * {@code servingKey}, a key that cannot form a DynamoDB partition key is quarantined as
   * {@code invalid-key}. Non-finite numbers are always quarantined ({@code non-finite}).
   * Config: {@code contract.date-range { min, max }} and {@code contract.serving-key { max-bytes,
   * forbidden-characters }}, defaults in {@code contract-defaults} (reference.conf).
   */
  public record Limits(LocalDate minDate, LocalDate maxDate, Optional<ServingKey> servingKey) {
    /** The reference.conf date range, no serving-key check: for contracts built in code (model training data). */
    public static final Limits DEFAULT = new Limits(LocalDate.of(1900, 1, 1), LocalDate.of(2199, 12, 31), Optional.empty());

    public Limits {
      requireNonNull(minDate, "minDate is null");
      requireNonNull(maxDate, "maxDate is null");
      requireNonNull(servingKey, "servingKey is null");
      if (maxDate.isBefore(minDate)) {
        throw new IllegalArgumentException("date range max " + maxDate + " is before min " + minDate);
      }
    }

    public Limits withServingKey(ServingKey key) {
      return new Limits(minDate, maxDate, Optional.of(key));
    }
  }

  /**
   * A key that must be usable in a serving key such as {@code concat(customer_id, '#', :program_id)}:
   * at most {@code maxBytes} bytes in UTF-8 (DynamoDB allows 2,048 bytes for a partition key, and
   * the layout adds its own suffix), none of {@code forbiddenCharacters} (the layout's separators,
   * which would make two keys ambiguous), no control characters.
   */
  public record ServingKey(int maxBytes, String forbiddenCharacters) {
    public ServingKey {
      requireNonNull(forbiddenCharacters, "forbiddenCharacters is null");
      if (maxBytes < 1 || maxBytes > 2048) {
        throw new IllegalArgumentException("serving key max-bytes must be between 1 and 2048, was " + maxBytes);
      }
    }
  }

  public Contract {
    requireNonNull(keyColumn, "keyColumn is null");
    requireNonNull(limits, "limits is null");
    columns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(columns));
    rules = List.copyOf(rules);
    if (keyColumn.isPresent() && !columns.containsKey(keyColumn.get())) {
      throw new IllegalArgumentException("contract does not list its key column " + keyColumn.get());
    }
  }

  /** A contract with the {@link Limits#DEFAULT default limits}. */
  public Contract(Optional<String> keyColumn, Map<String, DataType> columns, List<Rule> rules, double maxQuarantinedFraction) {
    this(keyColumn, columns, rules, maxQuarantinedFraction, Limits.DEFAULT);
  }

  /**
   * A keyed extract's contract ({@code program.contract}); its key must also form a serving key
   * ({@code serving-key}, default {@code contract-defaults.serving-key}).
   */
  public static Contract from(ConfigNode node, String keyColumn, Map<String, Object> parameters) {
    Contract contract = withoutKey(node, parameters);
    if (!contract.columns().containsKey(keyColumn)) {
      throw node.invalid("columns", "must list the key column " + keyColumn);
    }
    Limits limits = contract.limits();
    if (node.has("serving-key")) {
      ConfigNode key = node.node("serving-key");
      int maxBytes = key.integer("max-bytes");
      if (maxBytes < 1 || maxBytes > 2048) {
        throw key.invalid("max-bytes", "must be between 1 and 2048 (DynamoDB's partition key limit), was " + maxBytes);
      }
      limits = limits.withServingKey(new ServingKey(maxBytes, key.string("forbidden-characters")));
    }
    return new Contract(Optional.of(keyColumn), contract.columns(), contract.rules(), contract.maxQuarantinedFraction(), limits);
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
    Limits limits = Limits.DEFAULT;
    if (node.has("date-range")) {
      ConfigNode range = node.node("date-range");
      LocalDate min = date(range, "min");
      LocalDate max = date(range, "max");
      if (max.isBefore(min)) {
        throw range.invalid("max", "is before min " + min);
      }
      limits = new Limits(min, max, Optional.empty());
    }
    return new Contract(Optional.empty(), columns, rules, maxFraction, limits);
  }

  private static LocalDate date(ConfigNode node, String key) {
    String value = node.string(key);
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw node.invalid(key, "'" + value + "' is not a date (yyyy-MM-dd)");
    }
  }
}
