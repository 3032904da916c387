package com.targeting.core.uplift;

import com.targeting.core.RunningSums;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Uplift metrics over scored rows (outcome in 0/1, treatment in 0/1, predicted uplift), computed in
 * Spark: rows are grouped by score, running sums run partition by partition ({@link RunningSums}),
 * and only a handful of numbers (and the curve points of a chart) reach the driver.
 *
 * <p>Curves, at the top {@code n} rows by score, {@code Y} responders and {@code N} rows of each
 * arm, tied scores pooled (one point per distinct score):
 * <ul>
 *   <li>Qini curve: {@code Y_t(n) - Y_c(n) N_t(n) / N_c(n)} (0 while no control row is in).
 *   <li>Uplift curve (cumulative gain): {@code (Y_t(n) / N_t(n) - Y_c(n) / N_c(n)) n}.
 * </ul>
 * Metrics, named as in the output:
 * <ul>
 *   <li>{@code qini_auc_score}: scikit-uplift's {@code qini_auc_score} (negative_effect = True), the
 *       area between the Qini curve and the random line, divided by that of the perfect curve;
 *       Radcliffe's Qini coefficient normalized to the perfect model. 1 is perfect, 0 random.
 *   <li>{@code uplift_auc_score}: scikit-uplift's {@code uplift_auc_score}, the same ratio for the
 *       uplift curve and sklift's perfect uplift curve.
 *   <li>{@code qini_score_causalml}: causalml's {@code qini_score} (normalize = True), an area
 *       difference: the mean over all {@code n} of the Qini curve divided by its end value, minus
 *       the same mean of the random line. causalml averages ten seeded random permutations for
 *       the baseline and starts once both arms are present; here the random line is its
 *       expectation, {@code n / N}, and the leading rows count as 0.
 *   <li>{@code auuc_score_causalml}: causalml's {@code auuc_score} (normalize = True), the mean
 *       over all {@code n} of the uplift curve divided by its end value (the random model scores
 *       about 0.5 on this scale).
 *   <li>{@code uplift_at_k_overall}: sklift's {@code uplift_at_k(strategy='overall')}, the response
 *       rate of the treated minus that of the controls among the top {@code floor(k N)} rows;
 *       {@code uplift_at_k_by_group}: {@code strategy='by_group'}, the top {@code floor(k N_t)}
 *       treated and the top {@code floor(k N_c)} controls. Where tied scores straddle the cut, the
 *       tied rows count in proportion (sklift breaks such ties by row order).
 * </ul>
 * Exact mode groups by distinct score. Binned mode groups by {@code bins} quantile bins of the score
 * (approximate quantiles): the curves are then evaluated at the bin edges only, which is what large
 * data needs; the perfect curves have at most four distinct scores and are always exact.
 */
public final class UpliftMetrics {
  /** Points of one curve, from (0, 0) to the end: x = rows so far, with the Qini and uplift values there. */
  public record Curve(double[] x, double[] qini, double[] uplift) {}

  /** All metrics, and the curves a report draws. */
  public record Evaluation(Map<String, Object> metrics, Curve model, Curve perfectQini, Curve perfectUplift) {}

  private final String outcome;
  private final String treatment;
  private final String score;
  private final int bins;

  /** Exact mode. */
  public UpliftMetrics(String outcome, String treatment, String score) {
    this(outcome, treatment, score, 0);
  }

  private UpliftMetrics(String outcome, String treatment, String score, int bins) {
    this.outcome = outcome;
    this.treatment = treatment;
    this.score = score;
    this.bins = bins;
  }

  /** Binned mode: the scores in {@code bins} quantile bins. */
  public UpliftMetrics binned(int bins) {
    if (bins < 2) {
      throw TargetingException.userError("Uplift metrics: bins must be at least 2, was %d", bins);
    }
    return new UpliftMetrics(outcome, treatment, score, bins);
  }

  public String mode() {
    return bins == 0 ? "exact" : "binned(" + bins + ")";
  }

  public double qiniAucScore(Dataset<Row> rows) {
    return (Double) evaluate(rows, 0.3, 0).metrics().get("qini_auc_score");
  }

  public double upliftAucScore(Dataset<Row> rows) {
    return (Double) evaluate(rows, 0.3, 0).metrics().get("uplift_auc_score");
  }

  public double upliftAtK(Dataset<Row> rows, double k) {
    return (Double) evaluate(rows, k, 0).metrics().get("uplift_at_k_overall");
  }

  /**
   * Every metric at once, with uplift@k at {@code k}; with {@code curvePoints} above 0 also the
   * model's curves in at most that many quantile bins, and the perfect curves, for charts.
   */
  public Evaluation evaluate(Dataset<Row> rows, double k, int curvePoints) {
    if (k <= 0 || k > 1) {
      throw TargetingException.userError("Uplift metrics: k must be in (0, 1], was %s", k);
    }
    Column y = col("`" + outcome + "`").cast("double");
    Column t = col("`" + treatment + "`").cast("double");
    Dataset<Row> input = rows.select(y.as("y"), t.as("t"), col("`" + score + "`").cast("double").as("s"));
    Row totals = input.agg(count(lit(1)), sum("t"), sum(col("y").multiply(col("t"))), sum(col("y").multiply(lit(1.0).minus(col("t")))),
        sum(when(col("s").isNull().or(col("s").isNaN()), 1).otherwise(0)),
        sum(when(col("y").isin(0.0, 1.0).and(col("t").isin(0.0, 1.0)), 0).otherwise(1)),
        sum(when(col("y").equalTo(1).and(col("t").equalTo(0)), 1).otherwise(0)),
        sum(when(col("y").equalTo(0).and(col("t").equalTo(1)), 1).otherwise(0))).first();
    long n = totals.getLong(0);
    if (n == 0) {
      throw TargetingException.userError("Uplift metrics: no rows to evaluate");
    }
    if (totals.getLong(4) > 0 || totals.getLong(5) > 0) {
      throw TargetingException.userError("Uplift metrics: %d rows have no %s and %d rows have %s or %s outside 0/1",
          totals.getLong(4), score, totals.getLong(5), outcome, treatment);
    }
    double nt = totals.getDouble(1);
    double yt = totals.getDouble(2);
    double yc = totals.getDouble(3);
    double nc = n - nt;
    if (nt == 0 || nc == 0) {
      throw TargetingException.userError("Uplift metrics need treated and control rows: %s has %.0f treated and %.0f control rows",
          treatment, nt, nc);
    }
    double endQini = qiniValue(n, nt, yt, yc);
    double endUplift = upliftValue(n, nt, yt, yc);

    Column modelRank = bins == 0 ? col("s") : binOf(input, "s", bins);
    Dataset<Row> modelGroups = groups(input, modelRank);
    // The perfect rankings have at most four distinct scores: their groups serve the areas and the charts.
    Dataset<Row> perfectQiniGroups = groups(input, col("y").multiply(col("t")).minus(col("y").multiply(lit(1.0).minus(col("t")))));
    // sklift's perfect uplift curve: correct pairs (y == t) first, the larger of the two wrong kinds last.
    Column summand = totals.getLong(6) > totals.getLong(7) ? col("y") : col("t");
    Dataset<Row> perfectUpliftGroups = groups(input, when(col("y").equalTo(col("t")), 2.0).otherwise(0.0).plus(summand));
    double[] model = areas(modelGroups, k, n, nt, nc);
    double[] perfectQini = areas(perfectQiniGroups, k, n, nt, nc);
    double[] perfectUplift = areas(perfectUpliftGroups, k, n, nt, nc);

    double qiniBaseline = n * endQini / 2;
    double upliftBaseline = n * endUplift / 2;
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("mode", mode());
    metrics.put("rows", n);
    metrics.put("treated_rows", (long) nt);
    metrics.put("control_rows", (long) nc);
    metrics.put("treated_response_rate", yt / nt);
    metrics.put("control_response_rate", yc / nc);
    metrics.put("average_treatment_effect", yt / nt - yc / nc);
    metrics.put("qini_auc_score", (model[0] - qiniBaseline) / (perfectQini[0] - qiniBaseline));
    metrics.put("uplift_auc_score", (model[1] - upliftBaseline) / (perfectUplift[1] - upliftBaseline));
    metrics.put("qini_score_causalml", model[2] / (n * endQini) - (n + 1.0) / (2.0 * n));
    metrics.put("auuc_score_causalml", model[3] / (n * endUplift));
    metrics.put("k", k);
    metrics.put("uplift_at_k_overall", model[4]);
    metrics.put("uplift_at_k_by_group", model[5]);
    metrics.put("qini_area", model[0]);
    metrics.put("qini_area_random", qiniBaseline);
    metrics.put("qini_area_perfect", perfectQini[0]);
    if (curvePoints <= 0) {
      return new Evaluation(metrics, null, null, null);
    }
    Dataset<Row> plotGroups = bins > 0 && bins <= curvePoints ? modelGroups : groups(input, binOf(input, "s", curvePoints));
    return new Evaluation(metrics, curve(plotGroups), curve(perfectQiniGroups), curve(perfectUpliftGroups));
  }

  /**
   * One pass over the score groups: trapezoid areas under the Qini and uplift curves, the sums of
   * both curves over every row position (ties interpolated linearly), and uplift@k overall and by
   * group.
   */
  private static double[] areas(Dataset<Row> groups, double k, long n, double nt, double nc) {
    Column gn = col("n");
    Column cn = col("n_cum");
    Column cnt = col("nt_cum");
    Column cyt = col("yt_cum");
    Column cyc = col("yc_cum");
    Column pn = cn.minus(gn);
    Column pnt = cnt.minus(col("nt"));
    Column pyt = cyt.minus(col("yt"));
    Column pyc = cyc.minus(col("yc"));
    Column q = qini(cn, cnt, cyt, cyc);
    Column qPrevious = qini(pn, pnt, pyt, pyc);
    Column u = uplift(cn, cnt, cyt, cyc);
    Column uPrevious = uplift(pn, pnt, pyt, pyc);
    double top = Math.floor(n * k);
    double topT = Math.floor(nt * k);
    double topC = Math.floor(nc * k);
    Column nct = col("n").minus(col("nt"));
    Column frac = fraction(lit(top).minus(pn), gn);
    Column fracT = fraction(lit(topT).minus(pnt), col("nt"));
    Column fracC = fraction(lit(topC).minus(pn.minus(pnt)), nct);
    Row r = groups.agg(
        sum(gn.multiply(q.plus(qPrevious)).divide(2)),
        sum(gn.multiply(u.plus(uPrevious)).divide(2)),
        sum(gn.multiply(qPrevious).plus(q.minus(qPrevious).multiply(gn.plus(1)).divide(2))),
        sum(gn.multiply(uPrevious).plus(u.minus(uPrevious).multiply(gn.plus(1)).divide(2))),
        sum(frac.multiply(col("yt"))), sum(frac.multiply(col("nt"))),
        sum(frac.multiply(col("yc"))), sum(frac.multiply(nct)),
        sum(fracT.multiply(col("yt"))), sum(fracC.multiply(col("yc")))).first();
    double atK = r.getDouble(4) / r.getDouble(5) - r.getDouble(6) / r.getDouble(7);
    double atKByGroup = r.getDouble(8) / topT - r.getDouble(9) / topC;
    return new double[] {r.getDouble(0), r.getDouble(1), r.getDouble(2), r.getDouble(3), atK, atKByGroup};
  }

  /** Share of a group that falls within the top rows: {@code wanted} rows still to take of {@code size}. */
  private static Column fraction(Column wanted, Column size) {
    return when(size.gt(0), least(lit(1.0), greatest(lit(0.0), wanted.divide(size)))).otherwise(0.0);
  }

  /** One row per distinct rank value, descending, with its own sums and the running sums. */
  private static Dataset<Row> groups(Dataset<Row> input, Column rankBy) {
    Dataset<Row> perRank = input.groupBy(rankBy.as("r")).agg(
        count(lit(1)).cast("double").as("n"),
        sum("t").as("nt"),
        sum(col("y").multiply(col("t"))).as("yt"),
        sum(col("y").multiply(lit(1.0).minus(col("t")))).as("yc"));
    return RunningSums.cumulative(perRank, List.of(col("r").desc()), List.of("n", "nt", "yt", "yc"));
  }

  private static Curve curve(Dataset<Row> groups) {
    Row[] points = (Row[]) groups.select(col("n_cum"), qini(col("n_cum"), col("nt_cum"), col("yt_cum"), col("yc_cum")),
        uplift(col("n_cum"), col("nt_cum"), col("yt_cum"), col("yc_cum"))).orderBy(col("n_cum")).collect();
    double[] x = new double[points.length + 1];
    double[] q = new double[points.length + 1];
    double[] u = new double[points.length + 1];
    for (int i = 0; i < points.length; i++) {
      x[i + 1] = points[i].getDouble(0);
      q[i + 1] = points[i].getDouble(1);
      u[i + 1] = points[i].getDouble(2);
    }
    return new Curve(x, q, u);
  }

  /** The quantile bin of each row's score: higher bins hold higher scores. */
  private static Column binOf(Dataset<Row> input, String column, int bins) {
    double[] probabilities = new double[bins - 1];
    for (int i = 1; i < bins; i++) {
      probabilities[i - 1] = (double) i / bins;
    }
    double[] edges = input.stat().approxQuantile(column, probabilities, 1.0 / (10.0 * bins));
    double[] distinct = Arrays.stream(edges).distinct().sorted().toArray();
    List<Double> splits = new ArrayList<>();
    splits.add(Double.NEGATIVE_INFINITY);
    for (double edge : distinct) {
      splits.add(edge);
    }
    splits.add(Double.POSITIVE_INFINITY);
    // The bin is the number of edges at or below the score: the same bins Bucketizer makes, as a column.
    Column bin = lit(0);
    for (int i = 1; i < splits.size() - 1; i++) {
      bin = bin.plus(when(col(column).geq(splits.get(i)), 1).otherwise(0));
    }
    return bin;
  }

  static Column qini(Column n, Column nt, Column yt, Column yc) {
    Column nc = n.minus(nt);
    return yt.minus(when(nc.gt(0), yc.multiply(nt).divide(nc)).otherwise(0.0));
  }

  static Column uplift(Column n, Column nt, Column yt, Column yc) {
    Column nc = n.minus(nt);
    return when(nt.gt(0), yt.divide(nt)).otherwise(0.0).minus(when(nc.gt(0), yc.divide(nc)).otherwise(0.0)).multiply(n);
  }

  private static double qiniValue(double n, double nt, double yt, double yc) {
    double nc = n - nt;
    return yt - (nc > 0 ? yc * nt / nc : 0.0);
  }

  private static double upliftValue(double n, double nt, double yt, double yc) {
    double nc = n - nt;
    return ((nt > 0 ? yt / nt : 0.0) - (nc > 0 ? yc / nc : 0.0)) * n;
  }
}
