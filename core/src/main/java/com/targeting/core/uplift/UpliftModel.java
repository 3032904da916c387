package com.targeting.core.uplift;

import static com.targeting.core.uplift.UpliftColumns.LABEL;
import static com.targeting.core.uplift.UpliftColumns.T;
import static com.targeting.core.uplift.UpliftColumns.TREATMENT_FEATURE;
import static com.targeting.core.uplift.UpliftColumns.W;
import static com.targeting.core.uplift.UpliftColumns.Y;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.model.Booster;
import com.targeting.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A fitted uplift meta-learner: its XGBoost parts, the propensity it used, the segment threshold,
 * and optional bootstrap replicates. Every learner yields the two outcome models' predictions
 * ({@code P(y | treated)}, {@code P(y | control)}) and the uplift:
 * <ul>
 *   <li>T: one classifier per arm; uplift = mu1 - mu0.
 *   <li>S: one classifier with the treatment as a feature, applied with it set to 1 and to 0.
 *   <li>X (Kunzel et al. 2019): mu0, mu1; imputed effects y - mu0(x) on the treated and
 *       mu1(x) - y on the controls, each regressed on x (tau1, tau0); uplift = e tau0 + (1 - e) tau1.
 *   <li>DR (Kennedy 2020): two-fold cross-fitted mu0, mu1 (and e when estimated) give the doubly
 *       robust pseudo-outcome mu1 - mu0 + t (y - mu1) / e - (1 - t)(y - mu0) / (1 - e), with e
 *       clipped to [0.01, 0.99], regressed on x; mu0 and mu1 refitted on all rows for the segments.
 * </ul>
 */
public final class UpliftModel {
  static final String MU1 = "mu1";
  static final String MU0 = "mu0";
  static final String S = "s";
  static final String TAU0 = "tau0";
  static final String TAU1 = "tau1";
  static final String TAU = "tau";
  static final String PROPENSITY = "propensity";
  private static final double CLIP = 0.01;

  private final UpliftSpec.Learner learner;
  private final Map<String, Booster> parts;
  private final double propensity;
  private final double threshold;
  private final List<UpliftModel> replicates;

  UpliftModel(UpliftSpec.Learner learner, Map<String, Booster> parts, double propensity, double threshold,
      List<UpliftModel> replicates) {
    this.learner = requireNonNull(learner, "learner is null");
    this.parts = Map.copyOf(parts);
    this.propensity = propensity;
    this.threshold = threshold;
    this.replicates = List.copyOf(replicates);
  }

  public UpliftSpec.Learner learner() {
    return learner;
  }

  /** The constant propensity used, or NaN when a propensity model was estimated. */
  public double propensity() {
    return propensity;
  }

  public double threshold() {
    return threshold;
  }

  Map<String, Booster> parts() {
    return parts;
  }

  List<UpliftModel> replicates() {
    return replicates;
  }

  /**
   * Fits {@code spec}'s learner on training rows that carry the features and the working columns
   * {@link UpliftColumns#T}, {@link UpliftColumns#Y} and {@link UpliftColumns#W}; {@code fold} (0
   * or 1 per row) splits the rows for the DR learner's cross-fitting.
   */
  static UpliftModel fit(UpliftSpec spec, Dataset<Row> train, Column fold, long seed, double threshold) {
    Optional<String> weight = Optional.of(W);
    Map<String, Booster> parts = new LinkedHashMap<>();
    Dataset<Row> treated = train.where(col(T).equalTo(1.0));
    Dataset<Row> control = train.where(col(T).equalTo(0.0));
    double e = switch (spec.propensity().mode()) {
      case UpliftSpec.Propensity.FIXED -> spec.propensity().value();
      case UpliftSpec.Propensity.RATIO -> treatedShare(train);
      default -> Double.NaN;
    };
    switch (spec.learner()) {
      case T -> {
        parts.put(MU1, binary(spec, MU1, treated, Y, seed));
        parts.put(MU0, binary(spec, MU0, control, Y, seed));
      }
      case S -> parts.put(S, Booster.fit(spec.part(S, ModelSpec.Objective.BINARY, List.of(TREATMENT_FEATURE), seed),
          train.withColumn(TREATMENT_FEATURE, col(T)).withColumn(LABEL, col(Y)), LABEL, weight));
      case X -> {
        Booster mu1 = binary(spec, MU1, treated, Y, seed);
        Booster mu0 = binary(spec, MU0, control, Y, seed);
        parts.put(MU1, mu1);
        parts.put(MU0, mu0);
        Dataset<Row> d1 = mu0.predict(treated, "__mu0").withColumn(LABEL, col(Y).minus(col("__mu0")));
        Dataset<Row> d0 = mu1.predict(control, "__mu1").withColumn(LABEL, col("__mu1").minus(col(Y)));
        parts.put(TAU1, Booster.fit(spec.part(TAU1, ModelSpec.Objective.REGRESSION, List.of(), seed), d1, LABEL, weight));
        parts.put(TAU0, Booster.fit(spec.part(TAU0, ModelSpec.Objective.REGRESSION, List.of(), seed), d0, LABEL, weight));
        if (Double.isNaN(e)) {
          parts.put(PROPENSITY, binary(spec, PROPENSITY, train, T, seed));
        }
      }
      case DR -> {
        Dataset<Row> pseudo = null;
        for (int f = 0; f < 2; f++) {
          Dataset<Row> other = train.where(fold.notEqual(f));
          Dataset<Row> own = train.where(fold.equalTo(f));
          Booster mu1 = binary(spec, MU1 + f, other.where(col(T).equalTo(1.0)), Y, seed + f);
          Booster mu0 = binary(spec, MU0 + f, other.where(col(T).equalTo(0.0)), Y, seed + f);
          Dataset<Row> scored = mu0.predict(mu1.predict(own, "__mu1"), "__mu0");
          Column propensityOf = lit(e);
          if (Double.isNaN(e)) {
            scored = binary(spec, PROPENSITY + f, other, T, seed + f).predict(scored, "__e");
            propensityOf = col("__e");
          }
          Column p = least(lit(1 - CLIP), greatest(lit(CLIP), propensityOf));
          Column phi = col("__mu1").minus(col("__mu0"))
              .plus(col(T).multiply(col(Y).minus(col("__mu1"))).divide(p))
              .minus(lit(1.0).minus(col(T)).multiply(col(Y).minus(col("__mu0"))).divide(lit(1.0).minus(p)));
          Dataset<Row> withPhi = scored.withColumn(LABEL, phi).drop("__mu1", "__mu0", "__e");
          pseudo = pseudo == null ? withPhi : pseudo.unionByName(withPhi);
        }
        parts.put(TAU, Booster.fit(spec.part(TAU, ModelSpec.Objective.REGRESSION, List.of(), seed), pseudo, LABEL, weight));
        parts.put(MU1, binary(spec, MU1, treated, Y, seed));
        parts.put(MU0, binary(spec, MU0, control, Y, seed));
        if (Double.isNaN(e)) {
          parts.put(PROPENSITY, binary(spec, PROPENSITY, train, T, seed));
        }
      }
    }
    return new UpliftModel(spec.learner(), parts, e, threshold, List.of());
  }

  UpliftModel withReplicates(List<UpliftModel> fitted) {
    return new UpliftModel(learner, parts, propensity, threshold, fitted);
  }

  private static Booster binary(UpliftSpec spec, String name, Dataset<Row> rows, String label, long seed) {
    return Booster.fit(spec.part(name, ModelSpec.Objective.BINARY, List.of(), seed), rows.withColumn(LABEL, col(label)),
        LABEL, Optional.of(W));
  }

  /** The weighted share of treated rows. */
  static double treatedShare(Dataset<Row> train) {
    Row r = train.agg(sum(col(W).multiply(col(T))), sum(col(W))).first();
    return r.getDouble(0) / r.getDouble(1);
  }

  /**
   * The rows with {@code <output>} (uplift), {@code <output>_treated}, {@code <output>_control},
   * {@code <output>_segment} and, with bootstrap replicates, {@code <output>_lcb}: the uplift's
   * lower bound at {@code confidence} (the replicates' {@code 1 - confidence} quantile).
   */
  public Dataset<Row> score(Dataset<Row> rows, String output, double confidence) {
    List<String> inputColumns = List.of(rows.columns());
    String treatedColumn = output + UpliftColumns.TREATED_SUFFIX;
    String controlColumn = output + UpliftColumns.CONTROL_SUFFIX;
    Dataset<Row> scored = withUplift(rows, output, treatedColumn, controlColumn);
    Column mu1 = col(treatedColumn);
    Column mu0 = col(controlColumn);
    scored = scored.withColumn(output + UpliftColumns.SEGMENT_SUFFIX,
        when(mu1.geq(threshold).and(mu0.lt(threshold)), UpliftColumns.PERSUADABLE)
            .when(mu1.geq(threshold), UpliftColumns.SURE_THING)
            .when(mu0.geq(threshold), UpliftColumns.SLEEPING_DOG)
            .otherwise(UpliftColumns.LOST_CAUSE));
    if (!replicates.isEmpty()) {
      List<Column> draws = new ArrayList<>();
      for (int i = 0; i < replicates.size(); i++) {
        String name = "__replicate_" + i;
        scored = replicates.get(i).withUplift(scored, name, name + "_t", name + "_c").drop(name + "_t", name + "_c");
        draws.add(col(name));
      }
      int index = (int) Math.floor((1 - confidence) * (replicates.size() - 1));
      scored = scored.withColumn(output + UpliftColumns.LCB_SUFFIX, element_at(sort_array(array(draws.toArray(Column[]::new))), index + 1));
      for (int i = 0; i < replicates.size(); i++) {
        scored = scored.drop("__replicate_" + i);
      }
    }
    List<Column> columns = new ArrayList<>();
    inputColumns.forEach(c -> columns.add(col("`" + c + "`")));
    for (String added : List.of(output, treatedColumn, controlColumn, output + UpliftColumns.SEGMENT_SUFFIX)) {
      columns.add(col(added));
    }
    if (!replicates.isEmpty()) {
      columns.add(col(output + UpliftColumns.LCB_SUFFIX));
    }
    return scored.select(columns.toArray(Column[]::new));
  }

  private Dataset<Row> withUplift(Dataset<Row> rows, String output, String treatedColumn, String controlColumn) {
    return switch (learner) {
      case T -> {
        Dataset<Row> both = parts.get(MU0).predict(parts.get(MU1).predict(rows, treatedColumn), controlColumn);
        yield both.withColumn(output, col(treatedColumn).minus(col(controlColumn)));
      }
      case S -> {
        Booster s = parts.get(S);
        Dataset<Row> asTreated = s.predict(rows.withColumn(TREATMENT_FEATURE, lit(1.0)), treatedColumn).drop(TREATMENT_FEATURE);
        Dataset<Row> both = s.predict(asTreated.withColumn(TREATMENT_FEATURE, lit(0.0)), controlColumn).drop(TREATMENT_FEATURE);
        yield both.withColumn(output, col(treatedColumn).minus(col(controlColumn)));
      }
      case X -> {
        Dataset<Row> both = parts.get(MU0).predict(parts.get(MU1).predict(rows, treatedColumn), controlColumn);
        Dataset<Row> taus = parts.get(TAU1).predict(parts.get(TAU0).predict(both, "__tau0"), "__tau1");
        Column e = lit(propensity);
        if (Double.isNaN(propensity)) {
          taus = parts.get(PROPENSITY).predict(taus, "__e");
          e = col("__e");
        }
        yield taus.withColumn(output, e.multiply(col("__tau0")).plus(lit(1.0).minus(e).multiply(col("__tau1"))))
            .drop("__tau0", "__tau1", "__e");
      }
      case DR -> {
        Dataset<Row> both = parts.get(MU0).predict(parts.get(MU1).predict(rows, treatedColumn), controlColumn);
        yield parts.get(TAU).predict(both, output);
      }
    };
  }
}
