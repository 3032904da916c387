package com.targeting.core.uplift;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Uplift metrics over scored rows (outcome {@code y} in 0/1, treatment {@code t} in 0/1, predicted
 * uplift {@code score}), computed in Spark: only a handful of numbers reach the driver.
 *
 * <p>Definitions follow scikit-uplift (sklift.metrics) exactly, tied scores pooled (one curve
 * point per distinct score):
 * <ul>
 *   <li>Qini curve at the top {@code n} rows: {@code Y_t(n) - Y_c(n) N_t(n) / N_c(n)} (0 while
 *       no control row is in), {@code Y} responders and {@code N} rows of each arm.
 *   <li>Uplift curve: {@code (Y_t(n) / N_t(n) - Y_c(n) / N_c(n)) n}.
 *   <li>{@link #qiniAucScore}: sklift's {@code qini_auc_score} (negative_effect = True), the area
 *       between the Qini curve and the random line, divided by that of the perfect curve.
 *   <li>{@link #upliftAucScore}: sklift's {@code uplift_auc_score}, the same ratio for the uplift curve.
 *   <li>{@link #upliftAtK}: sklift's {@code uplift_at_k(strategy='overall')}, response rate of the
 *       treated minus that of the controls among the top {@code floor(k N)} rows.
 * </ul>
 * This first version is the exact mode: the running sums run over one window ordered by score
 * (a single partition for the distinct scores). The binned mode for large data and causalml's
 * area-difference forms are the next step (issue 7).
 */
public final class UpliftMetrics {
  private final String outcome;
  private final String treatment;
  private final String score;

  public UpliftMetrics(String outcome, String treatment, String score) {
    this.outcome = outcome;
    this.treatment = treatment;
    this.score = score;
  }

  public double qiniAucScore(Dataset<Row> rows) {
    Column y = col(outcome).cast("double");
    Column t = col(treatment).cast("double");
    double actual = curveArea(rows, col(score), true);
    double[] perfect = curveAreaAndEnd(rows, y.multiply(t).minus(y.multiply(lit(1.0).minus(t))), true);
    double baseline = perfect[1] * perfect[2] / 2;
    return (actual - baseline) / (perfect[0] - baseline);
  }

  public double upliftAucScore(Dataset<Row> rows) {
    Column y = col(outcome).cast("double");
    Column t = col(treatment).cast("double");
    Row counts = rows.agg(
        sum(when(y.equalTo(1).and(t.equalTo(0)), 1L).otherwise(0L)),
        sum(when(y.equalTo(0).and(t.equalTo(1)), 1L).otherwise(0L))).first();
    Column summand = counts.getLong(0) > counts.getLong(1) ? y : t;
    Column perfectScore = when(y.equalTo(t), 2.0).otherwise(0.0).plus(summand);
    double actual = curveArea(rows, col(score), false);
    double[] perfect = curveAreaAndEnd(rows, perfectScore, false);
    double baseline = perfect[1] * perfect[2] / 2;
    return (actual - baseline) / (perfect[0] - baseline);
  }

  /** Ties at the cut are broken by {@code orderColumn} ascending (sklift keeps the input order). */
  public double upliftAtK(Dataset<Row> rows, double k, String orderColumn) {
    long n = rows.count();
    long top = (long) Math.floor(n * k);
    WindowSpec byScore = Window.orderBy(desc(score), col(orderColumn));
    Column y = col(outcome).cast("double");
    Column t = col(treatment).cast("double");
    Row r = rows.withColumn("__rank", row_number().over(byScore)).where(col("__rank").leq(top))
        .agg(sum(y.multiply(t)), sum(t), sum(y.multiply(lit(1.0).minus(t))), sum(lit(1.0).minus(t))).first();
    return r.getDouble(0) / r.getDouble(1) - r.getDouble(2) / r.getDouble(3);
  }

  private double curveArea(Dataset<Row> rows, Column rankBy, boolean qini) {
    return curveAreaAndEnd(rows, rankBy, qini)[0];
  }

  /** Trapezoid area under the curve from (0, 0), and the curve's last point (x, y). */
  private double[] curveAreaAndEnd(Dataset<Row> rows, Column rankBy, boolean qini) {
    Column y = col(outcome).cast("double");
    Column t = col(treatment).cast("double");
    Dataset<Row> perScore = rows.groupBy(rankBy.as("s")).agg(
        count(lit(1)).cast("double").as("n"),
        sum(t).as("nt"),
        sum(y.multiply(t)).as("yt"),
        sum(y.multiply(lit(1.0).minus(t))).as("yc"));
    WindowSpec running = Window.orderBy(desc("s")).rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    WindowSpec ordered = Window.orderBy(desc("s"));
    Column na = sum("n").over(running);
    Column nt = sum("nt").over(running);
    Column yt = sum("yt").over(running);
    Column yc = sum("yc").over(running);
    Column nc = na.minus(nt);
    Column value = qini
        ? yt.minus(when(nc.gt(0), yc.multiply(nt).divide(nc)).otherwise(0.0))
        : when(nt.gt(0), yt.divide(nt)).otherwise(0.0).minus(when(nc.gt(0), yc.divide(nc)).otherwise(0.0)).multiply(na);
    Dataset<Row> points = perScore.select(col("s"), na.as("x"), value.as("v"))
        .withColumn("px", lag("x", 1, 0.0).over(ordered))
        .withColumn("pv", lag("v", 1, 0.0).over(ordered))
        .withColumn("last", row_number().over(Window.orderBy(col("s"))).equalTo(1));
    Row r = points.agg(
        sum(col("x").minus(col("px")).multiply(col("v").plus(col("pv"))).divide(2)),
        sum(when(col("last"), col("x"))),
        sum(when(col("last"), col("v")))).first();
    return new double[] {r.getDouble(0), r.getDouble(1), r.getDouble(2)};
  }
}
