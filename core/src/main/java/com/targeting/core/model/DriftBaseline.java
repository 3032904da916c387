package com.targeting.core.model;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The distribution of a model's inputs and of its score on the rows it was trained and tested on,
 * saved with the version ({@value #FILE_NAME}), against which a run's rows are compared by the
 * population stability index:
 *
 * <pre>
 * PSI = sum over bins i of (a_i - e_i) * ln(a_i / e_i)
 * </pre>
 *
 * where {@code e_i} is the share of the baseline's rows in bin {@code i} and {@code a_i} the share
 * of this run's rows (Siddiqi, <i>Credit Risk Scorecards</i>, 2006, ch. 8; Yurdakul, "Statistical
 * properties of the population stability index", 2018). A share is floored at {@value #FLOOR}
 * so that an empty bin counts as rare rather than infinitely surprising. The usual reading, and
 * the defaults of a program's {@code drift} block: below 0.1 stable, 0.1 to 0.25 a shift worth a
 * look, above 0.25 a shift that needs action.
 *
 * <p>Bins: a numeric column's deciles on the baseline rows (Spark's {@code approxQuantile}, relative
 * error 0.001; repeated cut points merge, so a column with few values has fewer bins), each bin
 * {@code [cut_i, cut_i+1)}, plus one bin for nulls. A categorical column's {@value #MAX_CATEGORIES}
 * most frequent values (as text), one bin for any other value and one for nulls. The score's bins
 * come from the model's predictions on its held-out rows (the rows it was measured on, not fitted
 * to).
 *
 * @param rows the baseline's row count per distribution's source (features: training rows; score:
 *     held-out rows)
 */
public record DriftBaseline(List<Distribution> features, Optional<Distribution> score) {
  public static final String FILE_NAME = "drift-baseline.json";
  static final double FLOOR = 1e-4;
  static final int MAX_CATEGORIES = 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  public DriftBaseline {
    features = List.copyOf(features);
    requireNonNull(score, "score is null");
  }

  /**
   * One column's bins and the share of the baseline's rows in each.
   *
   * @param cuts a numeric column's cut points (ascending), empty for a categorical one
   * @param categories a categorical column's values with a bin of their own, empty for a numeric one
   * @param shares per bin, in order: the value bins (numeric: {@code cuts.size() + 1}; categorical:
   *     each category, then any other value), then nulls
   */
  public record Distribution(String column, boolean numeric, List<Double> cuts, List<String> categories,
      List<Double> shares, long rows) {
    public Distribution {
      requireNonNull(column, "column is null");
      cuts = List.copyOf(cuts);
      categories = List.copyOf(categories);
      shares = List.copyOf(shares);
      int bins = (numeric ? cuts.size() + 1 : categories.size() + 1) + 1;
      if (shares.size() != bins) {
        throw new IllegalArgumentException(column + ": " + shares.size() + " shares for " + bins + " bins");
      }
    }

    /** The bin number of {@code value} (a column of this distribution's type): 0-based, nulls last. */
    Column bin(Column value) {
      int nullBin = shares.size() - 1;
      Column bin;
      if (numeric) {
        Column number = value.cast("double");
        bin = lit(cuts.size());
        for (int i = cuts.size() - 1; i >= 0; i--) {
          bin = when(number.lt(cuts.get(i)), lit(i)).otherwise(bin);
        }
        return when(number.isNull(), lit(nullBin)).otherwise(bin);
      }
      Column text = value.cast("string");
      bin = lit(categories.size());
      for (int i = categories.size() - 1; i >= 0; i--) {
        bin = when(text.equalTo(categories.get(i)), lit(i)).otherwise(bin);
      }
      return when(text.isNull(), lit(nullBin)).otherwise(bin);
    }
  }

  /**
   * The baseline of {@code numeric} and {@code categorical} feature columns of {@code trainRows}
   * and of the score column of {@code heldOut} (absent for a model without one score, multiclass).
   */
  static DriftBaseline of(Dataset<Row> trainRows, List<String> numeric, List<String> categorical,
      Optional<Dataset<Row>> heldOut, Optional<Column> score) {
    List<Distribution> features = new ArrayList<>();
    List<Column> columns = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<Boolean> numericFlags = new ArrayList<>();
    double[] probabilities = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    Map<String, List<Double>> cuts = new HashMap<>();
    if (!numeric.isEmpty()) {
      Dataset<Row> numbers = trainRows.select(numeric.stream().map(name -> quoted(name).cast("double").as(name)).toArray(Column[]::new));
      double[][] quantiles = numbers.stat().approxQuantile(numeric.toArray(String[]::new), probabilities, 0.001);
      for (int i = 0; i < numeric.size(); i++) {
        cuts.put(numeric.get(i), distinctAscending(quantiles[i]));
      }
    }
    Map<String, List<String>> categories = new HashMap<>();
    for (String name : categorical) {
      categories.put(name, topValues(trainRows, quoted(name)));
    }
    for (String name : numeric) {
      names.add(name);
      numericFlags.add(true);
      columns.add(quoted(name));
    }
    for (String name : categorical) {
      names.add(name);
      numericFlags.add(false);
      columns.add(quoted(name));
    }
    List<Distribution> templates = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      boolean isNumeric = numericFlags.get(i);
      List<Double> cutPoints = isNumeric ? cuts.get(name) : List.of();
      List<String> values = isNumeric ? List.of() : categories.get(name);
      int bins = (isNumeric ? cutPoints.size() + 1 : values.size() + 1) + 1;
      templates.add(new Distribution(name, isNumeric, cutPoints, values, java.util.Collections.nCopies(bins, 0.0), 0));
    }
    List<double[]> shares = shares(trainRows, templates, columns);
    long rows = trainRows.count();
    for (int i = 0; i < templates.size(); i++) {
      Distribution template = templates.get(i);
      features.add(new Distribution(template.column(), template.numeric(), template.cuts(), template.categories(),
          boxed(shares.get(i)), rows));
    }
    Optional<Distribution> scoreDistribution = Optional.empty();
    if (heldOut.isPresent() && score.isPresent()) {
      Dataset<Row> scores = heldOut.get().select(score.get().cast("double").as("score"));
      List<Double> scoreCuts = distinctAscending(scores.stat().approxQuantile("score", probabilities, 0.001));
      Distribution template = new Distribution("score", true, scoreCuts, List.of(),
          java.util.Collections.nCopies(scoreCuts.size() + 2, 0.0), 0);
      double[] scoreShares = shares(scores, List.of(template), List.of(col("score"))).get(0);
      scoreDistribution = Optional.of(new Distribution("score", true, scoreCuts, List.of(), boxed(scoreShares), scores.count()));
    }
    return new DriftBaseline(features, scoreDistribution);
  }

  /**
   * The share of {@code rows} in each bin of each distribution, {@code values.get(i)} binned by
   * {@code distributions.get(i)}: one aggregation (each row's bins exploded into (column, bin)
   * pairs, counted per pair).
   */
  public static List<double[]> shares(Dataset<Row> rows, List<Distribution> distributions, List<Column> values) {
    if (distributions.size() != values.size()) {
      throw new IllegalArgumentException(distributions.size() + " distributions for " + values.size() + " columns");
    }
    List<double[]> counts = new ArrayList<>();
    for (Distribution distribution : distributions) {
      counts.add(new double[distribution.shares().size()]);
    }
    if (distributions.isEmpty()) {
      return counts;
    }
    Column[] bins = new Column[distributions.size()];
    for (int i = 0; i < bins.length; i++) {
      bins[i] = distributions.get(i).bin(values.get(i));
    }
    Row[] grouped = (Row[]) rows.select(functions.posexplode(functions.array(bins)).as(new String[] {"column_index", "bin"}))
        .groupBy("column_index", "bin").count().collect();
    for (Row row : grouped) {
      counts.get(row.getInt(0))[row.getInt(1)] += row.getLong(2);
    }
    for (double[] perBin : counts) {
      double total = java.util.Arrays.stream(perBin).sum();
      for (int i = 0; i < perBin.length; i++) {
        perBin[i] = total == 0 ? 0.0 : perBin[i] / total;
      }
    }
    return counts;
  }

  /**
   * The population stability index of {@code actual} shares against {@code expected} ones, each
   * floored at {@value #FLOOR}.
   *
   * @throws IllegalArgumentException when the two have different numbers of bins
   */
  public static double psi(List<Double> expected, double[] actual) {
    if (expected.size() != actual.length) {
      throw new IllegalArgumentException(expected.size() + " expected bins, " + actual.length + " actual");
    }
    double psi = 0;
    for (int i = 0; i < actual.length; i++) {
      double e = Math.max(expected.get(i), FLOOR);
      double a = Math.max(actual[i], FLOOR);
      psi += (a - e) * Math.log(a / e);
    }
    return psi;
  }

  public String toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("psi_floor", FLOOR);
    json.put("features", features);
    json.put("score", score.orElse(null));
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
    } catch (IOException e) {
      throw TargetingException.internal("Drift baseline is not JSON: %s", e.getMessage());
    }
  }

  /**
   * @param location names the file in errors
   * @throws TargetingException (internal) when the text is not a baseline
   */
  public static DriftBaseline fromJson(String text, String location) {
    try {
      Map<String, Object> json = JSON.readValue(text, new TypeReference<Map<String, Object>>() {});
      List<Distribution> features = JSON.convertValue(json.get("features"), new TypeReference<List<Distribution>>() {});
      Optional<Distribution> score = json.get("score") == null ? Optional.empty()
          : Optional.of(JSON.convertValue(json.get("score"), Distribution.class));
      return new DriftBaseline(features, score);
    } catch (IOException | IllegalArgumentException e) {
      throw TargetingException.internal("Drift baseline %s cannot be read: %s", location, e.getMessage());
    }
  }

  private static List<String> topValues(Dataset<Row> rows, Column value) {
    Row[] top = (Row[]) rows.select(value.cast("string").as("value")).where(col("value").isNotNull())
        .groupBy("value").count().orderBy(col("count").desc(), col("value")).limit(MAX_CATEGORIES).collect();
    List<String> values = new ArrayList<>();
    for (Row row : top) {
      values.add(row.getString(0));
    }
    return values;
  }

  private static List<Double> distinctAscending(double[] quantiles) {
    LinkedHashSet<Double> distinct = new LinkedHashSet<>();
    for (double quantile : quantiles) {
      if (Double.isFinite(quantile)) {
        distinct.add(quantile);
      }
    }
    return distinct.stream().sorted().toList();
  }

  private static List<Double> boxed(double[] values) {
    List<Double> list = new ArrayList<>(values.length);
    for (double value : values) {
      list.add(value);
    }
    return list;
  }

  private static Column quoted(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }
}
