package com.targeting.core.transform;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.stddev_pop;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Numeric columns as z-scores, fitted on one run's rows, for the distance- and split-based models
 * that learn from each run (K-Means segments, an isolation forest): each value optionally through
 * {@code log1p} first (counts and amounts are right-skewed: without it, a few large accounts decide
 * every distance), then {@code (x - mean) / sd} with the mean and population standard deviation of
 * the rows it was fitted on. A missing value becomes 0, the mean (K-Means and the forest cannot
 * take a null); a column with no spread gets sd 1 (it adds nothing to any distance).
 *
 * <p>Config: {@code features = [...]} (numeric columns) and {@code transform = log1p | none}. A
 * {@code log1p} of a negative value is refused where it enters: the contract's rules keep counts
 * and amounts non-negative; a value below -1 would make the logarithm NaN.
 *
 * @param columns the feature columns, in vector order
 * @param log1p whether each value goes through {@code log1p} before standardizing
 * @param means each column's mean (after {@code log1p}), in {@code columns} order
 * @param sds each column's population standard deviation (after {@code log1p}; 1 where it is 0)
 */
public record StandardizedFeatures(List<String> columns, boolean log1p, double[] means, double[] sds) {
  public StandardizedFeatures {
    columns = List.copyOf(columns);
    requireNonNull(means, "means is null");
    requireNonNull(sds, "sds is null");
    if (means.length != columns.size() || sds.length != columns.size()) {
      throw new IllegalArgumentException("one mean and one sd per column: " + columns.size() + " columns, "
          + means.length + " means, " + sds.length + " sds");
    }
    means = means.clone();
    sds = sds.clone();
  }

  /** The features and transform of a config block (not yet fitted). */
  public record Spec(List<String> columns, boolean log1p) {
    public Spec {
      columns = List.copyOf(columns);
      if (columns.isEmpty()) {
        throw new IllegalArgumentException("no feature columns");
      }
    }

    /**
     * {@code features} and {@code transform} of {@code node}.
     *
     * @throws TargetingException a user error for an empty or repeated feature list or an unknown transform
     */
    public static Spec from(ConfigNode node) {
      List<String> columns = node.strings("features");
      if (columns.isEmpty()) {
        throw node.invalid("features", "at least one numeric column is needed");
      }
      if (columns.stream().distinct().count() != columns.size()) {
        throw node.invalid("features", "a column is listed twice: " + columns);
      }
      String transform = node.string("transform", "log1p").toLowerCase(Locale.ROOT);
      if (!transform.equals("log1p") && !transform.equals("none")) {
        throw node.invalid("transform", "unknown transform " + transform + " (known: log1p, none)");
      }
      return new Spec(columns, transform.equals("log1p"));
    }

    /**
     * The means and standard deviations of {@code rows} (one aggregation).
     *
     * @throws TargetingException a user error naming {@code where} for a missing or non-numeric column
     */
    public StandardizedFeatures fit(Dataset<Row> rows, String where) {
      requireNumeric(rows, where);
      List<Column> aggregates = new ArrayList<>();
      for (String column : columns) {
        aggregates.add(avg(raw(column)));
        aggregates.add(stddev_pop(raw(column)));
      }
      Row stats = rows.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).first();
      double[] means = new double[columns.size()];
      double[] sds = new double[columns.size()];
      for (int i = 0; i < columns.size(); i++) {
        means[i] = stats.isNullAt(2 * i) ? 0.0 : stats.getDouble(2 * i);
        double sd = stats.isNullAt(2 * i + 1) ? 0.0 : stats.getDouble(2 * i + 1);
        sds[i] = sd > 0 && Double.isFinite(sd) ? sd : 1.0;
      }
      return new StandardizedFeatures(columns, log1p, means, sds);
    }

    private Column raw(String column) {
      return transformed(column, log1p);
    }

    private void requireNumeric(Dataset<Row> rows, String where) {
      List<String> names = Arrays.asList(rows.columns());
      for (String column : columns) {
        if (!names.contains(column)) {
          throw TargetingException.userError("%s.features: no column %s in the rows (columns: %s)", where, column, names);
        }
        org.apache.spark.sql.types.DataType type = rows.schema().apply(column).dataType();
        if (!(type instanceof org.apache.spark.sql.types.NumericType)) {
          throw TargetingException.userError("%s.features: column %s is %s, not a number", where, column, type.simpleString());
        }
      }
    }
  }

  /**
   * A column's value as a double, through {@code log1p} when asked (floored just above -1: a log1p
   * of -1 or less is -inf or NaN; the contract keeps these columns at 0 or more).
   */
  private static Column transformed(String column, boolean log1p) {
    Column value = col(column).cast("double");
    // NaN and infinities count as missing; when(), not greatest(), keeps a null null (greatest skips nulls).
    Column finite = when(org.apache.spark.sql.functions.isnan(value).or(value.isin(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)),
        lit(null).cast("double")).otherwise(value);
    return log1p ? org.apache.spark.sql.functions.log1p(when(finite.lt(-1 + Math.ulp(1.0)), lit(-1 + Math.ulp(1.0))).otherwise(finite))
        : finite;
  }

  /** Column {@code i} transformed ({@code log1p} or not), not yet standardized: the scale centroids are averaged on. */
  public Column transformed(int i) {
    return transformed(columns.get(i), log1p);
  }

  /** The z-score of column {@code i}; 0 where the value is missing. */
  public Column z(int i) {
    return coalesce(transformed(i).minus(means[i]).divide(sds[i]), lit(0.0));
  }

  /** The z-score of a transformed value of column {@code i} (see {@link #transformed(int)}). */
  public double zOfTransformed(int i, double transformed) {
    return (transformed - means[i]) / sds[i];
  }

  /** {@code rows} with {@code vectorColumn}: the z-scores as an ML vector, in {@code columns} order. */
  public Dataset<Row> withVector(Dataset<Row> rows, String vectorColumn) {
    List<Column> selected = new ArrayList<>();
    for (String name : rows.columns()) {
      selected.add(col(name));
    }
    String[] zNames = new String[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      zNames[i] = "__z" + i;
      selected.add(z(i).as(zNames[i]));
    }
    Dataset<Row> withZ = rows.select(selected.toArray(Column[]::new));
    return new VectorAssembler().setInputCols(zNames).setOutputCol(vectorColumn).transform(withZ).drop(zNames);
  }

  /** A value of column {@code i} on the original scale, from its z-score (the inverse of {@link #z}). */
  public double original(int i, double z) {
    double transformed = means[i] + z * sds[i];
    return log1p ? Math.expm1(transformed) : transformed;
  }
}
