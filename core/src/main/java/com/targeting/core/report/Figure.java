package com.targeting.core.report;

import static java.util.Objects.requireNonNull;

import org.apache.spark.sql.Column;

/**
 * A figure a {@link SummarySection} reads from the run's one aggregation of its scored rows: a
 * dimension (a value the rows are counted by, cast to string; null rows are not counted under
 * any value) or a measure (a number summed per group, then read as a double; null counts as 0).
 *
 * @param name the part's own name of the figure, unique within the program
 * @param value an expression over the scored rows (the columns of every scorer and decision)
 * @param kind {@link Kind#DIMENSION} or {@link Kind#MEASURE}
 */
public record Figure(String name, Column value, Kind kind) {
  /** Whether rows are grouped by the value or the value is summed. */
  public enum Kind { DIMENSION, MEASURE }

  public Figure {
    requireNonNull(name, "name is null");
    requireNonNull(value, "value is null");
    requireNonNull(kind, "kind is null");
  }

  /** Rows are counted per value of {@code value}. */
  public static Figure dimension(String name, Column value) {
    return new Figure(name, value, Kind.DIMENSION);
  }

  /** {@code value} is summed per group. */
  public static Figure measure(String name, Column value) {
    return new Figure(name, value, Kind.MEASURE);
  }

  /** A figure for a summary: rounded to 4 decimals; null when not finite (JSON has no NaN). */
  public static Double round4(double value) {
    return Double.isFinite(value) ? Math.round(value * 10_000) / 10_000.0 : null;
  }
}
