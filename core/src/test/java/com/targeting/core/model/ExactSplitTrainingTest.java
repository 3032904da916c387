package com.targeting.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressionModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tree-method = exact} trains on the driver ({@link ExactSplitTraining}) a model that scores,
 * saves and loads like XGBoost4J-Spark's. Exact split finding puts a threshold halfway between two
 * adjacent training values, histogram split finding on a training value itself: a row between the
 * two tells which one trained the model.
 */
class ExactSplitTrainingTest {
  private static final Pattern X_SPLIT = Pattern.compile("\\[x<([^\\]]+)\\]");

  @TempDir
  Path temp;

  private ModelSpec spec(String objective, String xgboost) {
    String defaults = "registry = /tmp/unused\npromotion { margin = 0.0 }\ncalibration = none\nreason-codes = 0\n"
        + "xgboost { num-round = 1, max-depth = 1, eta = 1.0, min-child-weight = 0, num-workers = 1, nthread = 1 }\n";
    return ModelSpec.from(ConfigNode.root(ConfigFactory.parseString("id = steps\nobjective = " + objective
        + "\nlabel { column = y }\nfeatures { numeric = [x] }\nxgboost { " + xgboost + " }\n")),
        ConfigNode.root(ConfigFactory.parseString(defaults)));
  }

  /** x = 1, 2, 3, 4 (25 rows each, weight w = 1), y = 1 where x is 3 or 4; then the unseen rows x = 2.7 and 3.5. */
  private static Dataset<Row> rows(boolean training) {
    List<Row> rows = new ArrayList<>();
    if (training) {
      for (int i = 0; i < 100; i++) {
        int x = 1 + i % 4;
        rows.add(RowFactory.create((double) x, x >= 3 ? 1.0 : 0.0, 1.0));
      }
    } else {
      rows.add(RowFactory.create(2.7, 1.0, 1.0));
      rows.add(RowFactory.create(3.5, 1.0, 1.0));
    }
    return TestSpark.session().createDataFrame(rows, StructType.fromDDL("x DOUBLE, y DOUBLE, w DOUBLE"));
  }

  /** The thresholds on x of the booster's trees, read from its dump by feature name (f0 had the names been lost). */
  private static List<Double> thresholds(Booster booster) throws Exception {
    Transformer[] stages = booster.pipeline().stages();
    Transformer last = stages[stages.length - 1];
    String[] trees = last instanceof XGBoostClassificationModel c
        ? c.nativeBooster().getModelDump((String) null, false, "text")
        : ((XGBoostRegressionModel) last).nativeBooster().getModelDump((String) null, false, "text");
    List<Double> thresholds = new ArrayList<>();
    Arrays.stream(trees).forEach(tree -> {
      Matcher m = X_SPLIT.matcher(tree);
      while (m.find()) {
        thresholds.add(Double.parseDouble(m.group(1)));
      }
    });
    return thresholds;
  }

  private static List<Double> predictions(Booster booster) {
    return booster.predict(rows(false), "p").orderBy("x").collectAsList().stream().map(r -> r.getDouble(r.fieldIndex("p"))).toList();
  }

  @Test
  void exactSplitsHalfwayBetweenTrainingValuesWhereHistSplitsOnOne() throws Exception {
    Booster exact = Booster.fit(spec("binary", "tree-method = exact"), rows(true), "y", Optional.empty());
    Booster hist = Booster.fit(spec("binary", "tree-method = hist"), rows(true), "y", Optional.empty());

    assertThat(thresholds(exact)).containsExactly(2.5);
    assertThat(thresholds(hist)).containsExactly(3.0);
    // x = 2.7: above the exact threshold, below the histogram's; x = 3.5 is above both.
    List<Double> byExact = predictions(exact);
    List<Double> byHist = predictions(hist);
    assertThat(byExact.get(0)).isGreaterThan(0.5);
    assertThat(byHist.get(0)).isLessThan(0.5);
    assertThat(byExact.get(1)).isGreaterThan(0.5).isEqualTo(byHist.get(1));
  }

  @Test
  void anExactlyTrainedPartIsTheEstimatorsModelAndSavesAndLoads() {
    ModelSpec spec = spec("binary", "tree-method = exact");
    Booster trained = Booster.fit(spec, rows(true), "y", Optional.empty());
    Transformer[] stages = trained.pipeline().stages();
    XGBoostClassificationModel model = (XGBoostClassificationModel) stages[stages.length - 1];
    assertThat(model.getProbabilityCol()).isEqualTo(spec.columnPrefix() + "probability");
    assertThat(model.getFeaturesCol()).isEqualTo(ModelPipeline.featuresColumn(spec));

    String path = temp.resolve("part").toString();
    trained.save(path);
    Booster loaded = Booster.load(path, spec.id(), spec.objective());
    assertThat(predictions(loaded)).isEqualTo(predictions(trained));
  }

  @Test
  void anExactRegressionUsesTheSampleWeights() {
    ModelSpec spec = spec("regression", "tree-method = exact, gamma = 1e9, base-score = 0.0, lambda = 0");
    // No split (none gains gamma = 1e9): one leaf from base score 0 with eta 1 and no
    // regularization, the (weighted) mean of y.
    Dataset<Row> weighted = rows(true).withColumn("w", org.apache.spark.sql.functions.expr("CASE WHEN y = 1 THEN 3.0 ELSE 1.0 END"));
    Booster plain = Booster.fit(spec, rows(true), "y", Optional.of("w"));
    Booster byWeight = Booster.fit(spec, weighted, "y", Optional.of("w"));

    assertThat(predictions(plain).get(0)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(predictions(byWeight).get(0)).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void theDriverTakesNoMoreThanItsLimitAndNoEmptyTrainingSet() {
    assertThat(ExactSplitTraining.requireFits("steps", 1_000, 20, 20_000)).isEqualTo(1_000);
    assertThatThrownBy(() -> ExactSplitTraining.requireFits("steps", 1_001, 20, 20_000))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("Model steps")
        .hasMessageContaining("1,001 rows of 20 features (20,020 values) exceed its 20,000")
        .hasMessageContaining("use hist");
    assertThatThrownBy(() -> ExactSplitTraining.requireFits("steps", 0, 20, 20_000))
        .hasMessageContaining("Model steps has no training rows");
  }
}
