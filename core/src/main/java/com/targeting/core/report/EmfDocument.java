package com.targeting.core.report;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One CloudWatch embedded-metric-format (EMF) document: a log line from which CloudWatch Logs
 * extracts metrics. Shape, from the specification ("Specification: Embedded metric format",
 * Amazon CloudWatch user guide):
 *
 * <pre>
 * {"_aws": {"Timestamp": &lt;epoch ms&gt;,
 *           "CloudWatchMetrics": [{"Namespace": "...", "Dimensions": [["Program", ...]],
 *                                  "Metrics": [{"Name": "Candidates", "Unit": "Count"}, ...]}]},
 *  "Program": "investment-recommendations", "Candidates": 44752, ...}
 * </pre>
 *
 * Dimension values and metric values are members of the root; every name a directive refers to is
 * there (dimensions as strings, metrics as numbers). Limits checked here: a namespace of 1-255
 * characters, at most 9 dimension keys per set (the specification's first limit; 30 today) and 100
 * metrics per directive; a metric name must not collide with a dimension or extra member.
 */
public record EmfDocument(
    String namespace,
    long timestampMillis,
    Map<String, String> dimensions,
    List<Metric> metrics,
    Map<String, String> properties) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** CloudWatch units this project uses (a subset of MetricDatum's StandardUnit). */
  public enum Unit {
    COUNT("Count"), PERCENT("Percent"), SECONDS("Seconds"), MILLISECONDS("Milliseconds"), NONE("None");

    private final String cloudWatchName;

    Unit(String cloudWatchName) {
      this.cloudWatchName = cloudWatchName;
    }

    public String cloudWatchName() {
      return cloudWatchName;
    }
  }

  /** A named value with its unit. */
  public record Metric(String name, Unit unit, double value) {
    public Metric {
      requireNonNull(name, "name is null");
      requireNonNull(unit, "unit is null");
      if (name.isEmpty() || name.length() > 255) {
        throw new IllegalArgumentException("metric name must have 1-255 characters: " + name);
      }
      if (!Double.isFinite(value)) {
        throw new IllegalArgumentException("metric " + name + " is not a finite number: " + value);
      }
    }
  }

  public EmfDocument {
    requireNonNull(namespace, "namespace is null");
    if (namespace.isEmpty() || namespace.length() > 255) {
      throw new IllegalArgumentException("namespace must have 1-255 characters: " + namespace);
    }
    dimensions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
    metrics = List.copyOf(metrics);
    properties = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    if (dimensions.size() > 9) {
      throw new IllegalArgumentException("at most 9 dimensions in a dimension set, got " + dimensions.keySet());
    }
    if (metrics.isEmpty() || metrics.size() > 100) {
      throw new IllegalArgumentException("a directive takes 1-100 metrics, got " + metrics.size());
    }
    java.util.Set<String> names = new java.util.HashSet<>(dimensions.keySet());
    names.addAll(properties.keySet());
    names.add("_aws");
    for (Metric metric : metrics) {
      if (!names.add(metric.name())) {
        throw new IllegalArgumentException("metric " + metric.name() + " collides with another member of the document");
      }
    }
  }

  /** The document as one line of JSON. */
  public String toJson() {
    Map<String, Object> directive = new LinkedHashMap<>();
    directive.put("Namespace", namespace);
    directive.put("Dimensions", List.of(new ArrayList<>(dimensions.keySet())));
    List<Map<String, Object>> definitions = new ArrayList<>();
    for (Metric metric : metrics) {
      Map<String, Object> definition = new LinkedHashMap<>();
      definition.put("Name", metric.name());
      definition.put("Unit", metric.unit().cloudWatchName());
      definitions.add(definition);
    }
    directive.put("Metrics", definitions);
    Map<String, Object> aws = new LinkedHashMap<>();
    aws.put("Timestamp", timestampMillis);
    aws.put("CloudWatchMetrics", List.of(directive));
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("_aws", aws);
    root.putAll(dimensions);
    root.putAll(properties);
    for (Metric metric : metrics) {
      root.put(metric.name(), number(metric.value()));
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw TargetingException.internal("Cannot write an EMF document: %s", e.getMessage());
    }
  }

  /** Whole values as integers ("44752", not "44752.0"): the same number, read as a count. */
  private static Object number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return (long) value;
    }
    return value;
  }
}
