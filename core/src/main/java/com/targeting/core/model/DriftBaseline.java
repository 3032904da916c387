package com.targeting.core.model;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;

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
   *     each category, then any other value), then nulls (and NaN)
   * @param rows the baseline rows the shares are of (features: fitted rows; score: held-out rows)
   * @param quantiles a numeric column's nine deciles as computed, ties kept (the cuts are the
   *     distinct ones): the score's deciles are counted against these, so that the top decile is 10
   *     even when tied scores merge cuts; empty in baselines saved before they were kept
   */
  public record Distribution(String column, boolean numeric, List<Double> cuts, List<String> categories,
      List<Double> shares, long rows, List<Double> quantiles) {
    public Distribution {
      requireNonNull(column, "column is null");
      cuts = List.copyOf(cuts);
      quantiles = quantiles == null ? List.of() : List.copyOf(quantiles);
      categories = List.copyOf(categories);
      shares = List.copyOf(shares);
      int bins = (numeric ? cuts.size() + 1 : categories.size() + 1) + 1;
      if (shares.size() != bins) {
        throw new IllegalArgumentException(column + ": " + shares.size() + " shares for " + bins + " bins");
      }
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
    Map<String, List<Double>> raw = new HashMap<>();
    if (!numeric.isEmpty()) {
      Dataset<Row> numbers = trainRows.select(numeric.stream().map(name -> quoted(name).cast("double").as(name)).toArray(Column[]::new));
      double[][] quantiles = numbers.stat().approxQuantile(numeric.toArray(String[]::new), probabilities, 0.001);
      for (int i = 0; i < numeric.size(); i++) {
        cuts.put(numeric.get(i), distinctAscending(quantiles[i]));
        raw.put(numeric.get(i), finite(quantiles[i]));
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
      templates.add(new Distribution(name, isNumeric, cutPoints, values, java.util.Collections.nCopies(bins, 0.0), 0,
          isNumeric ? raw.get(name) : List.of()));
    }
    // Every row lands in one bin of each distribution: the row count is any distribution's total.
    List<long[]> counts = binCounts(trainRows, templates, columns);
    List<double[]> shares = counts.stream().map(DriftBaseline::normalized).toList();
    long rows = counts.isEmpty() ? trainRows.count() : java.util.Arrays.stream(counts.get(0)).sum();
    for (int i = 0; i < templates.size(); i++) {
      Distribution template = templates.get(i);
      features.add(new Distribution(template.column(), template.numeric(), template.cuts(), template.categories(),
          boxed(shares.get(i)), rows, template.quantiles()));
    }
    Optional<Distribution> scoreDistribution = Optional.empty();
    if (heldOut.isPresent() && score.isPresent()) {
      Dataset<Row> scores = heldOut.get().select(score.get().cast("double").as("score"));
      double[] scoreQuantiles = scores.stat().approxQuantile("score", probabilities, 0.001);
      List<Double> scoreCuts = distinctAscending(scoreQuantiles);
      Distribution template = new Distribution("score", true, scoreCuts, List.of(),
          java.util.Collections.nCopies(scoreCuts.size() + 2, 0.0), 0, finite(scoreQuantiles));
      long[] scoreCounts = binCounts(scores, List.of(template), List.of(col("score"))).get(0);
      scoreDistribution = Optional.of(new Distribution("score", true, scoreCuts, List.of(), boxed(normalized(scoreCounts)),
          java.util.Arrays.stream(scoreCounts).sum(),
          finite(scoreQuantiles)));
    }
    return new DriftBaseline(features, scoreDistribution);
  }

  /**
   * The share of {@code rows} in each bin of each distribution, {@code values.get(i)} binned by
   * {@code distributions.get(i)}: one pass, each distinct value column read once (as a double or
   * as text) and every row's bins counted in place on the executors ({@code RDD.aggregate}), so
   * the cost stays one scan of the columns, without code generation over every feature's bins.
   */
  public static List<double[]> shares(Dataset<Row> rows, List<Distribution> distributions, List<Column> values) {
    return binCounts(rows, distributions, values).stream().map(DriftBaseline::normalized).toList();
  }

  /** Each bin's share of the counts (all zero without rows). */
  private static double[] normalized(long[] counts) {
    long total = java.util.Arrays.stream(counts).sum();
    double[] shares = new double[counts.length];
    for (int bin = 0; bin < counts.length; bin++) {
      shares[bin] = total == 0 ? 0.0 : (double) counts[bin] / total;
    }
    return shares;
  }

  /** The rows in each bin of each distribution ({@link #shares}' one pass). */
  private static List<long[]> binCounts(Dataset<Row> rows, List<Distribution> distributions, List<Column> values) {
    if (distributions.size() != values.size()) {
      throw new IllegalArgumentException(distributions.size() + " distributions for " + values.size() + " columns");
    }
    List<long[]> result = new ArrayList<>();
    if (distributions.isEmpty()) {
      return result;
    }
    Map<String, Integer> projectedIndex = new LinkedHashMap<>();
    List<Column> projected = new ArrayList<>();
    int[] source = new int[distributions.size()];
    for (int i = 0; i < distributions.size(); i++) {
      Column value = distributions.get(i).numeric() ? values.get(i).cast("double") : values.get(i).cast("string");
      String key = value.expr().sql();
      Integer index = projectedIndex.get(key);
      if (index == null) {
        index = projected.size();
        projectedIndex.put(key, index);
        projected.add(value.as("__v" + index));
      }
      source[i] = index;
    }
    Binner binner = new Binner(distributions, source);
    long[] counts = rows.select(projected.toArray(Column[]::new)).javaRDD()
        .aggregate(new long[binner.totalBins()], binner::add, Binner::merge);
    for (int i = 0; i < distributions.size(); i++) {
      int offset = binner.offset(i);
      result.add(java.util.Arrays.copyOfRange(counts, offset, offset + distributions.get(i).shares().size()));
    }
    return result;
  }

  /** Counts each row's bin of every distribution into one flat array (distribution i's bins from {@code offset(i)}). */
  private static final class Binner implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final double[][] cuts;
    private final Map<String, Integer>[] categories;
    private final int[] source;
    private final int[] offsets;
    private final int total;

    @SuppressWarnings("unchecked")
    Binner(List<Distribution> distributions, int[] source) {
      this.source = source.clone();
      this.cuts = new double[distributions.size()][];
      this.categories = new Map[distributions.size()];
      this.offsets = new int[distributions.size()];
      int next = 0;
      for (int i = 0; i < distributions.size(); i++) {
        Distribution distribution = distributions.get(i);
        if (distribution.numeric()) {
          cuts[i] = distribution.cuts().stream().mapToDouble(Double::doubleValue).toArray();
        } else {
          Map<String, Integer> bins = new HashMap<>();
          for (int c = 0; c < distribution.categories().size(); c++) {
            bins.put(distribution.categories().get(c), c);
          }
          categories[i] = bins;
        }
        offsets[i] = next;
        next += distribution.shares().size();
      }
      this.total = next;
    }

    int totalBins() {
      return total;
    }

    int offset(int distribution) {
      return offsets[distribution];
    }

    long[] add(long[] counts, Row row) {
      for (int i = 0; i < source.length; i++) {
        int nullBin = (i + 1 < offsets.length ? offsets[i + 1] : total) - offsets[i] - 1;
        int bin;
        if (row.isNullAt(source[i]) || (cuts[i] != null && Double.isNaN(row.getDouble(source[i])))) {
          // NaN is missing, as in the contract (which quarantines it): the null bin.
          bin = nullBin;
        } else if (cuts[i] != null) {
          // [cut_k, cut_k+1): the number of cuts at or below the value.
          double value = row.getDouble(source[i]);
          int found = java.util.Arrays.binarySearch(cuts[i], value);
          bin = found >= 0 ? found + 1 : -found - 1;
        } else {
          bin = categories[i].getOrDefault(row.getString(source[i]), nullBin - 1);
        }
        counts[offsets[i] + bin]++;
      }
      return counts;
    }

    static long[] merge(long[] left, long[] right) {
      for (int i = 0; i < left.length; i++) {
        left[i] += right[i];
      }
      return left;
    }
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

  private static List<Double> finite(double[] quantiles) {
    List<Double> kept = new ArrayList<>();
    for (double quantile : quantiles) {
      if (Double.isFinite(quantile)) {
        kept.add(quantile);
      }
    }
    return kept;
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
