package com.targeting.core.model;

import static org.apache.spark.sql.functions.col;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A program's drift check ({@code drift { warn = 0.1, alert = 0.25 }}): the population stability
 * index ({@link DriftBaseline#psi}) of every feature and of the score of each model the run
 * scores with, between the model's saved baseline and the rows this run scored, all in one
 * aggregation of those rows. A model is {@code warn} when its score's or any feature's PSI is
 * above {@code warn}, {@code alert} (drifted) above {@code alert}. A model version without a
 * baseline (trained before baselines were saved) is listed as not measured.
 *
 * @param warn PSI above which a shift is worth a look (0.1 by convention)
 * @param alert PSI above which a model has drifted (0.25 by convention)
 */
public record Drift(double warn, double alert) {
  public Drift {
    if (!(warn > 0) || !(alert >= warn)) {
      throw new IllegalArgumentException("need 0 < warn <= alert, was " + warn + ", " + alert);
    }
  }

  /** A {@code drift} block; both limits default to the conventional 0.1 and 0.25. */
  public static Drift from(ConfigNode node) {
    double warn = node.doubleValue("warn", 0.1);
    double alert = node.doubleValue("alert", 0.25);
    if (!(warn > 0)) {
      throw node.invalid("warn", "must be a positive PSI, was " + warn);
    }
    if (!(alert >= warn)) {
      throw node.invalid("alert", "must be at least warn (" + warn + "), was " + alert);
    }
    return new Drift(warn, alert);
  }

  /** {@code ok}, {@code warn} or {@code alert} for a PSI. */
  public String level(double psi) {
    return psi > alert ? "alert" : psi > warn ? "warn" : "ok";
  }

  /**
   * The drift section of the run summary: the limits, per model its version, the score's PSI, each
   * feature's PSI (highest first), the features above each limit and the model's level; and
   * {@code drifted_models}, the models at {@code alert}.
   *
   * @param scored the rows the models scored, with their feature and score columns
   * @throws TargetingException (user error) naming the model and column when a feature is missing
   */
  public Map<String, Object> report(Dataset<Row> scored, List<ModelScorer> models) {
    List<DriftBaseline.Distribution> distributions = new ArrayList<>();
    List<Column> values = new ArrayList<>();
    java.util.Set<String> columns = new java.util.HashSet<>(List.of(scored.columns()));
    for (ModelScorer model : models) {
      if (model.model().driftBaseline().isEmpty()) {
        continue;
      }
      DriftBaseline baseline = model.model().driftBaseline().get();
      for (DriftBaseline.Distribution feature : baseline.features()) {
        if (!columns.contains(feature.column())) {
          throw TargetingException.userError("Drift of model %s: the scored rows have no column %s, a feature of its baseline",
              model.id(), feature.column());
        }
        distributions.add(feature);
        values.add(col("`" + feature.column().replace("`", "``") + "`"));
      }
      baseline.score().ifPresent(score -> {
        distributions.add(score);
        values.add(col("`" + model.output().replace("`", "``") + "`"));
      });
    }
    List<double[]> actual = DriftBaseline.shares(scored, distributions, values);
    Map<String, Object> byModel = new LinkedHashMap<>();
    List<String> drifted = new ArrayList<>();
    int next = 0;
    for (ModelScorer model : models) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("version", model.model().metadata().version());
      if (model.model().driftBaseline().isEmpty()) {
        entry.put("level", "not_measured");
        entry.put("why", "version " + model.model().metadata().version() + " has no " + DriftBaseline.FILE_NAME
            + " (trained before baselines were saved): retrain to measure its drift");
        byModel.put(model.id(), entry);
        continue;
      }
      DriftBaseline baseline = model.model().driftBaseline().get();
      if (!actual.isEmpty() && java.util.Arrays.stream(actual.get(next)).sum() == 0) {
        // No scored rows: no population to compare (every share would be floored, PSI about 7).
        entry.put("level", "not_measured");
        entry.put("why", "no scored rows");
        next += baseline.features().size() + (baseline.score().isPresent() ? 1 : 0);
        byModel.put(model.id(), entry);
        continue;
      }
      Map<String, Double> features = new LinkedHashMap<>();
      for (DriftBaseline.Distribution feature : baseline.features()) {
        features.put(feature.column(), round(DriftBaseline.psi(feature.shares(), actual.get(next++))));
      }
      Double scorePsi = null;
      if (baseline.score().isPresent()) {
        scorePsi = round(DriftBaseline.psi(baseline.score().get().shares(), actual.get(next++)));
      }
      List<Map.Entry<String, Double>> ranked = new ArrayList<>(features.entrySet());
      ranked.sort(Map.Entry.<String, Double>comparingByValue().reversed());
      double worst = Math.max(scorePsi == null ? 0 : scorePsi, ranked.isEmpty() ? 0 : ranked.get(0).getValue());
      entry.put("level", level(worst));
      entry.put("score_psi", scorePsi);
      entry.put("max_feature_psi", ranked.isEmpty() ? null : ranked.get(0).getValue());
      entry.put("features_above_warn", ranked.stream().filter(e -> e.getValue() > warn).map(Map.Entry::getKey).toList());
      entry.put("features_above_alert", ranked.stream().filter(e -> e.getValue() > alert).map(Map.Entry::getKey).toList());
      Map<String, Double> sorted = new LinkedHashMap<>();
      ranked.forEach(e -> sorted.put(e.getKey(), e.getValue()));
      entry.put("feature_psi", sorted);
      if (worst > alert) {
        drifted.add(model.id());
      }
      byModel.put(model.id(), entry);
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("warn", warn);
    report.put("alert", alert);
    report.put("models", byModel);
    report.put("drifted_models", drifted);
    return report;
  }

  private static double round(double value) {
    return Math.round(value * 1e6) / 1e6;
  }
}
