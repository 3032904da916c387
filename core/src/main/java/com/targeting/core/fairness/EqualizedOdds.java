package com.targeting.core.fairness;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Equalized odds of a binary model on its held-out labeled rows (Hardt, Price and Srebro, "Equality
 * of Opportunity in Supervised Learning", NeurIPS 2016): at the decision {@code threshold}, the
 * true-positive rate (predicted positive among actual positives) and the false-positive rate
 * (predicted positive among actual negatives) of every group of each protected attribute. The
 * equalized-odds difference of an attribute is the larger of its largest TPR gap and its largest
 * FPR gap between two groups (as Fairlearn's {@code equalized_odds_difference}); above {@code
 * maxDifference} the attribute is flagged. A group with no actual positives (or negatives) has no
 * TPR (or FPR) and takes no part in that gap.
 *
 * <p>Config, in a binary model's block:
 *
 * <pre>
 * fairness {
 *   groups { gender = gender, age_band = "CASE WHEN age &lt; 25 THEN 'under 25' ELSE '25 and over' END" }
 *   threshold = 0.5          # the score at or above which the decision is positive
 *   max-difference = 0.1     # tolerance of the equalized-odds difference
 * }
 * </pre>
 *
 * Each group is a Spark SQL expression over the held-out rows (a protected column, or a band of
 * one); a missing value is its own group, {@code (missing)}.
 */
public record EqualizedOdds(Map<String, String> groups, double threshold, double maxDifference) implements java.io.Serializable {
  public EqualizedOdds {
    groups = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("no groups");
    }
    if (!(maxDifference >= 0 && maxDifference <= 1)) {
      throw new IllegalArgumentException("maxDifference must be in [0, 1], was " + maxDifference);
    }
  }

  public static EqualizedOdds from(ConfigNode node) {
    Map<String, String> groups = new LinkedHashMap<>();
    for (Map.Entry<String, String> group : node.stringMap("groups").entrySet()) {
      groups.put(group.getKey(), SqlTemplate.expression(group.getValue(), Map.of(), node, "groups." + group.getKey()));
    }
    if (groups.isEmpty()) {
      throw node.invalid("groups", "names no protected attribute");
    }
    double threshold = node.doubleValue("threshold", 0.5);
    double maxDifference = node.doubleValue("max-difference", 0.1);
    if (!(maxDifference >= 0 && maxDifference <= 1)) {
      throw node.invalid("max-difference", "must be a rate difference in [0, 1], was " + maxDifference);
    }
    return new EqualizedOdds(groups, threshold, maxDifference);
  }

  /**
   * The report over labeled, scored rows, one aggregation for every attribute.
   *
   * @param label 1 for an actual positive, 0 for a negative (null rows are left out)
   * @param score the model's score, compared with the threshold
   * @return per attribute: {@code groups} (each with actual positives and negatives, TPR, FPR),
   *     {@code tpr_difference}, {@code fpr_difference}, {@code equalized_odds_difference},
   *     {@code max_difference} and {@code flagged}; and {@code threshold}
   */
  public Map<String, Object> report(Dataset<Row> rows, Column label, Column score) {
    List<String> names = new ArrayList<>(groups.keySet());
    List<Column> pairs = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      Column group = org.apache.spark.sql.functions.expr(groups.get(names.get(i))).cast("string");
      pairs.add(struct(lit(i).as("attribute"), coalesce(group, lit(AdverseImpact.UNKNOWN)).as("group")));
    }
    Column positive = label.cast("double").equalTo(1.0);
    Column predicted = score.cast("double").geq(threshold);
    // A missing or NaN score is no prediction (Spark would take NaN >= threshold as true): left out, as a missing label is.
    Row[] counts = (Row[]) rows.where(label.isNotNull().and(score.isNotNull()).and(org.apache.spark.sql.functions.not(
            org.apache.spark.sql.functions.isnan(score.cast("double")))))
        .select(explode(array(pairs.toArray(Column[]::new))).as("pair"), positive.as("positive"), predicted.as("predicted"))
        .groupBy(col("pair.attribute"), col("pair.group"))
        .agg(sum(when(col("positive"), 1L).otherwise(0L)), sum(when(col("positive").and(col("predicted")), 1L).otherwise(0L)),
            sum(when(col("positive"), 0L).otherwise(1L)), sum(when(org.apache.spark.sql.functions.not(col("positive")).and(col("predicted")), 1L).otherwise(0L)))
        .collect();
    List<Map<String, long[]>> byAttribute = new ArrayList<>();
    names.forEach(name -> byAttribute.add(new TreeMap<>()));
    for (Row row : counts) {
      byAttribute.get(row.getInt(0)).put(row.getString(1), new long[] {row.getLong(2), row.getLong(3), row.getLong(4), row.getLong(5)});
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("threshold", threshold);
    for (int i = 0; i < names.size(); i++) {
      report.put(names.get(i), attribute(byAttribute.get(i)));
    }
    return report;
  }

  /** Rates and gaps of one attribute from its groups' {positives, true positives, negatives, false positives}. */
  private Map<String, Object> attribute(Map<String, long[]> counts) {
    Map<String, Object> groupsOut = new LinkedHashMap<>();
    List<Double> tprs = new ArrayList<>();
    List<Double> fprs = new ArrayList<>();
    for (Map.Entry<String, long[]> entry : counts.entrySet()) {
      long[] c = entry.getValue();
      Double tpr = c[0] == 0 ? null : (double) c[1] / c[0];
      Double fpr = c[2] == 0 ? null : (double) c[3] / c[2];
      if (tpr != null) {
        tprs.add(tpr);
      }
      if (fpr != null) {
        fprs.add(fpr);
      }
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("positives", c[0]);
      figures.put("negatives", c[2]);
      figures.put("true_positive_rate", tpr == null ? null : AdverseImpact.round(tpr));
      figures.put("false_positive_rate", fpr == null ? null : AdverseImpact.round(fpr));
      groupsOut.put(entry.getKey(), figures);
    }
    double tprGap = spread(tprs);
    double fprGap = spread(fprs);
    double difference = Math.max(tprGap, fprGap);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("groups", groupsOut);
    result.put("tpr_difference", AdverseImpact.round(tprGap));
    result.put("fpr_difference", AdverseImpact.round(fprGap));
    result.put("equalized_odds_difference", AdverseImpact.round(difference));
    result.put("max_difference", maxDifference);
    // Compared as reported (4 decimals), as the adverse-impact ratio is.
    result.put("flagged", AdverseImpact.round(difference) > maxDifference);
    return result;
  }

  private static double spread(List<Double> rates) {
    return rates.size() < 2 ? 0.0 : rates.stream().mapToDouble(Double::doubleValue).max().orElseThrow()
        - rates.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
  }
}
