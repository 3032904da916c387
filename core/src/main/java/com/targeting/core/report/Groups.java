package com.targeting.core.report;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.targeting.core.TargetingException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The run's scored rows in one aggregation: grouped by whether each row was selected (a candidate)
 * and by every dimension the program's parts asked for, with a row count and the sum of every
 * measure per group. The groups are few (the product of the dimensions' distinct values, a few
 * hundred at most) and live on the driver; every figure a part reads is a sum over them.
 */
public final class Groups {
  /** Which of the scored rows a figure covers. */
  public enum Scope {
    /** The candidates: scored rows that no post-score filter removed. */
    SELECTED,
    /** Every scored row, removed after scoring or not. */
    SCORED
  }

  private record Group(boolean selected, String[] dimensions, long rows, double[] measures) {}

  private final Map<String, Integer> dimensionIndex;
  private final Map<String, Integer> measureIndex;
  private final List<Group> groups;

  private Groups(Map<String, Integer> dimensionIndex, Map<String, Integer> measureIndex, List<Group> groups) {
    this.dimensionIndex = dimensionIndex;
    this.measureIndex = measureIndex;
    this.groups = groups;
  }

  /**
   * One aggregation of {@code scored}, grouped by {@code selected} and every dimension of
   * {@code figures}.
   *
   * @throws TargetingException (internal) when two figures share a name
   */
  public static Groups of(Dataset<Row> scored, Column selected, List<Figure> figures) {
    Map<String, Integer> dimensions = new HashMap<>();
    Map<String, Integer> measures = new HashMap<>();
    List<Column> keys = new ArrayList<>(List.of(selected.as("__selected")));
    List<Column> sums = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (Figure figure : figures) {
      if (!names.add(figure.name())) {
        throw TargetingException.internal("Two parts of the program report a figure named %s", figure.name());
      }
      if (figure.kind() == Figure.Kind.DIMENSION) {
        dimensions.put(figure.name(), dimensions.size());
        keys.add(figure.value().cast("string").as("__d" + dimensions.size()));
      } else {
        measures.put(figure.name(), measures.size());
        sums.add(org.apache.spark.sql.functions.sum(figure.value()).cast("double").as("__m" + measures.size()));
      }
    }
    Row[] rows = (Row[]) scored.groupBy(keys.toArray(Column[]::new))
        .agg(count(lit(1)), sums.toArray(Column[]::new))
        .collect();
    List<Group> groups = new ArrayList<>(rows.length);
    int firstMeasure = 1 + dimensions.size() + 1;
    for (Row row : rows) {
      String[] values = new String[dimensions.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = row.isNullAt(1 + i) ? null : row.getString(1 + i);
      }
      double[] totals = new double[measures.size()];
      for (int i = 0; i < totals.length; i++) {
        totals[i] = row.isNullAt(firstMeasure + i) ? 0.0 : row.getDouble(firstMeasure + i);
      }
      groups.add(new Group(row.getBoolean(0), values, row.getLong(1 + dimensions.size()), totals));
    }
    return new Groups(dimensions, measures, groups);
  }

  /** Rows in {@code scope}. */
  public long rows(Scope scope) {
    return groups.stream().filter(group -> in(group, scope)).mapToLong(Group::rows).sum();
  }

  /** Rows in {@code scope} per value of {@code dimension}, in value order; rows without a value are left out. */
  public Map<String, Long> countsBy(String dimension, Scope scope) {
    int index = index(dimensionIndex, dimension);
    Map<String, Long> counts = new TreeMap<>();
    for (Group group : groups) {
      if (in(group, scope) && group.dimensions()[index] != null) {
        counts.merge(group.dimensions()[index], group.rows(), Long::sum);
      }
    }
    return counts;
  }

  /** The sum of {@code measure} over the rows in {@code scope} per value of {@code dimension}, in value order. */
  public Map<String, Double> sumsBy(String dimension, String measure, Scope scope) {
    int index = index(dimensionIndex, dimension);
    int value = index(measureIndex, measure);
    Map<String, Double> sums = new TreeMap<>();
    for (Group group : groups) {
      if (in(group, scope) && group.dimensions()[index] != null) {
        sums.merge(group.dimensions()[index], group.measures()[value], Double::sum);
      }
    }
    return sums;
  }

  /** The sum of {@code measure} over the rows in {@code scope}. */
  public double sum(String measure, Scope scope) {
    int value = index(measureIndex, measure);
    return groups.stream().filter(group -> in(group, scope)).mapToDouble(group -> group.measures()[value]).sum();
  }

  private static boolean in(Group group, Scope scope) {
    return scope == Scope.SCORED || group.selected();
  }

  private static int index(Map<String, Integer> names, String name) {
    Integer index = names.get(name);
    if (index == null) {
      throw TargetingException.internal("No figure %s was asked for (asked: %s)", name, names.keySet());
    }
    return index;
  }
}
