package com.targeting.core.model;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code categorical-encoding = one-hot}: Spark's one-hot encoding in the one dense array, saved with
 * the model, unseen values and nulls in the "other" column, zeros that XGBoost reads as zeros, and
 * config errors that name the setting.
 */
class CategoricalEncodingTest {
  private static Dataset<Row> labeled;

  @TempDir
  Path temp;

  /** 1,500 rows: the label depends on x and on the kind (gold high, bronze low); a few kinds are null. */
  @BeforeAll
  static void data() {
    Random random = new Random(3);
    String[] kinds = {"gold", "silver", "bronze"};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      double x = random.nextDouble() * 10;
      String kind = kinds[random.nextInt(3)];
      double logit = (x - 5) * 0.5 + ("gold".equals(kind) ? 2.0 : "bronze".equals(kind) ? -2.0 : 0.0);
      boolean positive = random.nextDouble() < 1 / (1 + Math.exp(-logit));
      rows.add(RowFactory.create("C" + i, Double.toString(x), i % 50 == 0 ? null : kind, positive ? "Yes" : "No"));
    }
    labeled = TestSpark.session().createDataFrame(rows, StructType.fromDDL("customer_id STRING, x STRING, kind STRING, bought STRING"));
  }

  private ModelSpec spec(String extra) {
    String defaults = "registry = \"" + temp.resolve("registry") + "\"\n"
        + "promotion { margin = 0.0 }\ncalibration = none\nreason-codes = 0\ncategorical-encoding = index\n"
        + "xgboost { num-round = 20, max-depth = 3, eta = 0.3, num-workers = 1, nthread = 1 }\n";
    String model = "id = buyer\nobjective = binary\nlabel { column = bought, positive = \"Yes\" }\n"
        + "features { numeric = [x], categorical = [kind] }\nid-column = customer_id\n" + extra;
    return ModelSpec.from(ConfigNode.root(ConfigFactory.parseString(model)), ConfigNode.root(ConfigFactory.parseString(defaults)));
  }

  private SavedModel trainAndLoad(ModelSpec spec) {
    ModelTrainer.Result result = ModelTrainer.train(TestSpark.session(), spec, labeled, "memory", Optional.empty(), Optional.empty());
    return SavedModel.load(TestSpark.session(), result.path());
  }

  /** Rows to score: each training kind, one never seen, and a null. */
  private static Dataset<Row> fresh() {
    return TestSpark.rows("customer_id STRING, x STRING, kind STRING",
        new Object[] {"a-bronze", "5.0", "bronze"}, new Object[] {"b-gold", "5.0", "gold"},
        new Object[] {"c-silver", "5.0", "silver"}, new Object[] {"d-platinum", "5.0", "platinum"},
        new Object[] {"e-null", "5.0", null});
  }

  /** The fitted encoding stages of a saved model (all but the booster). */
  private static PipelineModel encoding(SavedModel model) {
    Transformer[] stages = model.pipeline().stages();
    return new PipelineModel("encoding", Arrays.copyOf(stages, stages.length - 1));
  }

  private static XGBoostClassificationModel booster(SavedModel model) {
    return Arrays.stream(model.pipeline().stages()).filter(XGBoostClassificationModel.class::isInstance)
        .map(XGBoostClassificationModel.class::cast).findFirst().orElseThrow();
  }

  private static List<List<Double>> features(SavedModel model, ModelSpec spec) {
    return encoding(model).transform(fresh()).orderBy("customer_id").select(ModelPipeline.featuresColumn(spec)).collectAsList().stream()
        .map(row -> row.<Double>getList(0)).toList();
  }

  private static double[] scores(Dataset<Row> scored) {
    return scored.orderBy("customer_id").select(col("score")).as(org.apache.spark.sql.Encoders.DOUBLE()).collectAsList()
        .stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Test
  void oneHotIsSavedWithTheModelAndScoresUnseenValuesAndNullsAsOther() {
    ModelSpec spec = spec("categorical-encoding = one-hot");
    SavedModel model = trainAndLoad(spec);
    double[] scored = scores(model.score(fresh(), "score", 0));
    SavedModel reloaded = SavedModel.load(TestSpark.session(), model.path());

    assertThat(model.metadata().encoding()).isEqualTo(CategoricalEncoding.ONE_HOT);
    assertThat(model.metadata().categoricalEncoding()).isEqualTo("one-hot");
    assertThat(scores(reloaded.score(fresh(), "score", 0))).containsExactly(scored);
    // Training values sorted, then the other column; x first. Booster names carry value and column.
    assertThat(booster(model).getFeatureNames())
        .containsExactly("x", "kind=bronze", "kind=gold", "kind=silver", "kind=__other__");
    assertThat(features(reloaded, spec)).containsExactly(
        List.of(5.0, 1.0, 0.0, 0.0, 0.0), List.of(5.0, 0.0, 1.0, 0.0, 0.0), List.of(5.0, 0.0, 0.0, 1.0, 0.0),
        List.of(5.0, 0.0, 0.0, 0.0, 1.0), List.of(5.0, 0.0, 0.0, 0.0, 1.0));
    assertThat(scored[3]).as("an unseen kind scores as a null one: both are other").isEqualTo(scored[4]);
    assertThat(scored[1]).as("gold above silver above bronze, as in the data").isGreaterThan(scored[2]);
    assertThat(scored[2]).isGreaterThan(scored[0]);
    // The gain of the three kind columns and the other column adds up under the config's feature.
    assertThat(model.metadata().featureImportance()).containsOnlyKeys("x", "kind");
    assertThat(model.metadata().featureImportance().get("kind")).isPositive();
  }

  @Test
  void oneHotIsSparksOneHotEncoderOverTheSameIndices() {
    ModelSpec spec = spec("categorical-encoding = one-hot");
    SavedModel model = trainAndLoad(spec);
    Dataset<Row> encoded = encoding(model).transform(fresh());
    String index = spec.columnPrefix() + "index_kind";
    // The indexer's own "keep" already made an unseen value or a null the last index (its __unknown label).
    Dataset<Row> spark = new OneHotEncoder().setInputCol(index).setOutputCol("spark_one_hot").setDropLast(false)
        .fit(encoded).transform(encoded)
        .withColumn("spark_one_hot", org.apache.spark.ml.functions.vector_to_array(col("spark_one_hot"), "float64"));

    List<Row> rows = spark.select(ModelPipeline.featuresColumn(spec), "spark_one_hot").collectAsList();
    assertThat(rows).hasSize(5);
    for (Row row : rows) {
      List<Double> ours = row.<Double>getList(0);
      assertThat(ours.subList(1, ours.size())).isEqualTo(row.<Double>getList(1));
    }
  }

  // The failure this guards against: a sparse vector's zeros, which XGBoost reads as missing.
  @Test
  void aZeroOfOneHotReachesXgboostAsZeroNotAsMissing() throws Exception {
    ModelSpec spec = spec("categorical-encoding = one-hot");
    SavedModel model = trainAndLoad(spec);
    double[] scored = scores(model.score(fresh(), "score", 0));
    List<List<Double>> rows = features(model, spec);
    int m = rows.get(0).size();
    float[] dense = new float[rows.size() * m];
    float[] zerosAsMissing = new float[rows.size() * m];
    for (int r = 0; r < rows.size(); r++) {
      for (int f = 0; f < m; f++) {
        dense[r * m + f] = rows.get(r).get(f).floatValue();
        zerosAsMissing[r * m + f] = dense[r * m + f] == 0f ? Float.NaN : dense[r * m + f];
      }
    }
    ml.dmlc.xgboost4j.java.Booster nativeBooster = booster(model).nativeBooster().booster();
    float[][] asZeros = nativeBooster.predict(new DMatrix(dense, rows.size(), m, Float.NaN));
    float[][] asMissing = nativeBooster.predict(new DMatrix(zerosAsMissing, rows.size(), m, Float.NaN));

    assertThat(encoding(model).transform(fresh()).schema().apply(ModelPipeline.featuresColumn(spec)).dataType())
        .isInstanceOfSatisfying(org.apache.spark.sql.types.ArrayType.class,
            array -> assertThat(array.elementType()).isEqualTo(DataTypes.DoubleType));
    assertThat(rows).allSatisfy(values -> assertThat(values).doesNotContainNull().contains(0.0));
    assertThat(booster(model).getMissing()).isNaN();
    for (int r = 0; r < rows.size(); r++) {
      assertThat(scored[r]).as("row " + r + " scored as XGBoost scores its zeros").isCloseTo(asZeros[r][0], within(1e-6));
    }
    assertThat(scored).as("and not as XGBoost scores them as missing")
        .isNotEqualTo(Arrays.stream(asMissing).mapToDouble(p -> p[0]).toArray());
  }

  @Test
  void indexStaysTheDefaultAndASavedVersionOfTheOtherEncodingIsRefused() {
    ModelSpec indexed = spec("");
    SavedModel model = trainAndLoad(indexed);

    assertThat(indexed.categoricalEncoding()).isEqualTo(CategoricalEncoding.INDEX);
    assertThat(model.metadata().categoricalEncoding()).isEqualTo("index");
    assertThat(booster(model).getFeatureNames()).containsExactly("x", "kind");
    assertThat(features(model, indexed)).containsExactly(
        List.of(5.0, 0.0), List.of(5.0, 1.0), List.of(5.0, 2.0), List.of(5.0, 3.0), List.of(5.0, 3.0));
    assertThatThrownBy(() -> model.requireTrainedAs(spec("categorical-encoding = one-hot")))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("was trained differently from its config")
        .hasMessageContaining("categorical-encoding index vs one-hot");
    // A model.json written before the key existed was indexed.
    assertThat(CategoricalEncoding.ofSaved(null)).isEqualTo(CategoricalEncoding.INDEX);
  }

  @Test
  void aBadEncodingAndOneHotWithReasonCodesAreConfigErrorsNamingTheSetting() {
    assertThatThrownBy(() -> spec("categorical-encoding = onehot"))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("categorical-encoding: must be index or one-hot, was onehot");
    assertThatThrownBy(() -> spec("categorical-encoding = one-hot\nreason-codes = 3"))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("categorical-encoding: one-hot cannot give reason codes (reason-codes = 3): use index, or reason-codes = 0");
    // Within a program the path is the model's full path.
    ConfigNode program = ConfigNode.root(ConfigFactory.parseString(
        "models { buyer { id = buyer, objective = binary, label.column = bought, features.categorical = [kind], "
            + "categorical-encoding = 1 } }"));
    ConfigNode defaults = ConfigNode.root(ConfigFactory.parseString("registry = r"));
    assertThatThrownBy(() -> ModelSpec.from(program.node("models.buyer"), defaults))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("models.buyer.categorical-encoding: must be index or one-hot, was 1");
    // Without categorical features the encoding has nothing to do, and reason codes stay available.
    assertThat(ModelSpec.from(ConfigNode.root(ConfigFactory.parseString(
        "id = plain, objective = binary, label.column = bought, features.numeric = [x], categorical-encoding = one-hot, "
            + "reason-codes = 2")), defaults).reasonCodes()).isEqualTo(2);
  }
}
