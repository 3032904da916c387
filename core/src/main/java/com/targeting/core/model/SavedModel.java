package com.targeting.core.model;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.negate;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;

import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostRegressionModel;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import scala.Option;

/** A model version loaded back: the fitted pipeline and its {@code model.json}. */
public final class SavedModel {
  static final String PIPELINE_DIRECTORY = "pipeline";

  private final String path;
  private final ModelMetadata metadata;
  private final PipelineModel pipeline;
  private final Contributions contributions;
  private final java.util.Optional<DriftBaseline> driftBaseline;

  private SavedModel(String path, ModelMetadata metadata, PipelineModel pipeline, java.util.Optional<DriftBaseline> driftBaseline) {
    this.path = requireNonNull(path, "path is null");
    this.metadata = requireNonNull(metadata, "metadata is null");
    this.pipeline = requireNonNull(pipeline, "pipeline is null");
    this.contributions = Contributions.of(pipeline, metadata);
    this.driftBaseline = requireNonNull(driftBaseline, "driftBaseline is null");
  }

  public static boolean exists(SparkSession spark, String path) {
    return HadoopFiles.exists(spark, path + "/" + ModelMetadata.FILE_NAME);
  }

  public static SavedModel load(SparkSession spark, String path) {
    String metadataPath = path + "/" + ModelMetadata.FILE_NAME;
    if (!HadoopFiles.exists(spark, metadataPath)) {
      throw TargetingException.userError("No model at %s: %s is missing (train it with the train-model job)", path, metadataPath);
    }
    ModelMetadata metadata = ModelMetadata.fromJson(HadoopFiles.readString(spark, metadataPath), metadataPath);
    PipelineModel pipeline;
    try {
      pipeline = PipelineModel.load(path + "/" + PIPELINE_DIRECTORY);
    } catch (Exception e) { // Spark throws checked exceptions undeclared
      throw TargetingException.userError("Model %s at %s cannot be loaded (%s): retrain it with the train-model job",
          metadata.id(), path, TargetingException.firstLine(e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
    }
    int classes = "multiclass".equals(metadata.objective()) ? metadata.classes().size() : 2;
    // Versions trained before drift baselines were saved have none: their drift is not measured.
    String baselinePath = path + "/" + DriftBaseline.FILE_NAME;
    java.util.Optional<DriftBaseline> baseline = HadoopFiles.exists(spark, baselinePath)
        ? java.util.Optional.of(DriftBaseline.fromJson(HadoopFiles.readString(spark, baselinePath), baselinePath))
        : java.util.Optional.empty();
    return new SavedModel(path, metadata, withClassCount(pipeline, classes), baseline);
  }

  /**
   * xgboost4j-spark 3.1's reader looks for the class count under "numClass" while its writer stores
   * "num_class", so every reloaded multi-class model believes it is binary and scores garbage.
   * model.json knows the count: rebuild the classifier stage with it.
   */
  static PipelineModel withClassCount(PipelineModel pipeline, int classes) {
    Transformer[] stages = pipeline.stages().clone();
    boolean changed = false;
    for (int i = 0; i < stages.length; i++) {
      if (stages[i] instanceof XGBoostClassificationModel model && model.numClasses() != classes) {
        XGBoostClassificationModel fresh = new XGBoostClassificationModel(model.uid(), classes, model.nativeBooster(), Option.empty());
        stages[i] = fresh.copy(model.extractParamMap());
        changed = true;
      }
    }
    return changed ? new PipelineModel(pipeline.uid(), stages) : pipeline;
  }

  /** Fails if the config now describes a different model than the one saved: scoring would be wrong. */
  public void requireTrainedAs(ModelSpec spec) {
    List<String> differences = new ArrayList<>();
    if (!metadata.objective().equals(spec.objective().configName())) {
      differences.add("objective " + metadata.objective() + " vs " + spec.objective().configName());
    }
    if (!metadata.label().equals(spec.label().column())) {
      differences.add("label " + metadata.label() + " vs " + spec.label().column());
    }
    if (!metadata.numericFeatures().equals(spec.numericFeatures()) || !metadata.categoricalFeatures().equals(spec.categoricalFeatures())) {
      differences.add("features " + metadata.features() + " vs " + spec.features());
    }
    if (metadata.encoding() != spec.categoricalEncoding()) {
      // The saved pipeline would still encode as trained, but reason codes and the config would disagree with it.
      differences.add(CategoricalEncoding.KEY + " " + metadata.encoding().configName() + " vs " + spec.categoricalEncoding().configName());
    }
    if (!differences.isEmpty()) {
      throw TargetingException.userError("Model %s v%d at %s was trained differently from its config (saved vs config: %s): "
          + "retrain it with the train-model job", metadata.id(), metadata.version(), path, String.join("; ", differences));
    }
  }

  public String path() {
    return path;
  }

  public ModelMetadata metadata() {
    return metadata;
  }

  /** The distributions of its inputs and score it was trained and tested on ({@link DriftBaseline}), if saved. */
  public java.util.Optional<DriftBaseline> driftBaseline() {
    return driftBaseline;
  }

  PipelineModel pipeline() {
    return pipeline;
  }

  /**
   * How this model's reason codes are computed: {@code "jvm"} ({@link TreeShap}, checked against
   * XGBoost when loaded) or {@code "xgboost"} (XGBoost's {@code predictContrib}, for the models
   * TreeShap refuses), with the reason.
   */
  public String contributionsEngine() {
    return contributions.description();
  }

  /**
   * The input rows plus {@code output}: a binary model's positive-class probability (calibrated if
   * the model is), a regression's value, or a multi-class model's map from class to probability.
   * With {@code reasonCodes} above zero (binary and regression models), also
   * {@code <output>_reasons}: the top features by absolute SHAP contribution (exact TreeSHAP values,
   * XGBoost's definition, in margin units) with their values, and {@code <output>_bias}, the base
   * value; all contributions plus the base value add up to the model's uncalibrated margin.
   */
  public Dataset<Row> score(Dataset<Row> rows, String output, int reasonCodes) {
    return score(rows, output, reasonCodes, Engine.JVM);
  }

  /** Who computes a model's scores and reason codes. */
  public enum Engine {
    /**
     * The JVM ({@link TreeShap}) wherever {@link Contributions} found it agrees with XGBoost when
     * the model was loaded (the score of an uncalibrated binary or regression model, the reason
     * codes of a binary or regression model), XGBoost for the rest.
     */
    JVM,
    /** XGBoost4J-Spark's pipeline for the score and XGBoost's {@code predictContrib} for the reason codes. */
    XGBOOST
  }

  /**
   * {@link #score(Dataset, String, int)} by {@code engine} (for benchmarks and checks: the two side
   * by side).
   */
  public Dataset<Row> score(Dataset<Row> rows, String output, int reasonCodes, Engine engine) {
    requireFeatures(rows);
    String prefix = ModelSpec.columnPrefix(metadata.id());
    boolean nativeContributions = reasonCodes > 0 && (engine == Engine.XGBOOST || contributions.shap().isEmpty());
    // A categorical feature trained from text (a csv's "true") may arrive typed (a contract's
    // boolean): the encoder reads its text, and the rows come back with the value as it came.
    Map<String, String> typedCategoricals = new java.util.LinkedHashMap<>();
    Dataset<Row> input = rows;
    for (StructField field : rows.schema().fields()) {
      if (metadata.categoricalFeatures().stream().anyMatch(field.name()::equalsIgnoreCase)
          && !(field.dataType() instanceof org.apache.spark.sql.types.StringType)) {
        // Text of a boolean or a whole number reads as a csv gives it; of a double ("1.0" for a
        // csv's "1") or a date, it would not: an unseen value, scored silently.
        if (!(field.dataType() instanceof org.apache.spark.sql.types.BooleanType
            || field.dataType() instanceof org.apache.spark.sql.types.IntegralType)) {
          throw TargetingException.userError("Model %s: categorical feature %s arrives as %s; a categorical feature must be "
              + "text, a boolean or a whole number (make it text in the contract or a derived column)", metadata.id(),
              field.name(), field.dataType().simpleString());
        }
        String original = prefix + "typed_" + field.name();
        typedCategoricals.put(field.name(), original);
        input = input.withColumn(original, col("`" + field.name() + "`"))
            .withColumn(field.name(), col("`" + field.name() + "`").cast("string"));
      }
    }
    Dataset<Row> scored = scoreText(input, prefix, output, reasonCodes, engine, nativeContributions);
    for (Map.Entry<String, String> typed : typedCategoricals.entrySet()) {
      scored = scored.withColumn(typed.getKey(), col(typed.getValue())).drop(typed.getValue());
    }
    return scored;
  }

  /** {@link #score(Dataset, String, int, Engine)} of rows whose categorical features are text. */
  private Dataset<Row> scoreText(Dataset<Row> rows, String prefix, String output, int reasonCodes, Engine engine,
      boolean nativeContributions) {
    List<Column> columns = new ArrayList<>();
    for (String column : rows.columns()) {
      columns.add(col("`" + column + "`"));
    }
    // The contribution vector becomes an array once per row, and the entries are sorted once per
    // row, each in a projection of its own: written in place, the conversion would run for every
    // feature that reads it and the sort for every field of every reason read from it.
    String contributionsArray = prefix + "contributions_array";
    Dataset<Row> scored;
    if (engine == Engine.JVM && !nativeContributions && jvmPredicts()) {
      // The JVM's prediction (checked against XGBoost's when the model was loaded): the stages
      // before the booster, then one pass over the compiled trees for the score and the reasons.
      Dataset<Row> transformed = new PipelineModel(pipeline.uid(), featureStages()).transform(rows);
      if (reasonCodes == 0) {
        columns.add(contributions.prediction(rows.sparkSession(), transformed).as(output));
        return transformed.select(columns.toArray(Column[]::new));
      }
      List<Column> withArray = new ArrayList<>(columns);
      withArray.add(contributions.contributionsAndPrediction(rows.sparkSession(), transformed).as(contributionsArray));
      columns.add(col(contributionsArray).getItem(metadata.features().size() + 1).as(output));
      columns.add(col(contributionsArray));
      scored = transformed.select(withArray.toArray(Column[]::new)).select(columns.toArray(Column[]::new));
    } else {
      PipelineModel model = nativeContributions ? withContributions(prefix + "contributions") : pipeline;
      Dataset<Row> transformed = model.transform(rows);
      Column score = Predictions.score(prefix, metadata.scoreSource());
      if ("multiclass".equals(metadata.objective())) {
        Column classes = array(metadata.classes().stream().map(c -> lit(c)).toArray(Column[]::new));
        score = org.apache.spark.sql.functions.map_from_arrays(classes, score);
      }
      columns.add(score.as(output));
      if (reasonCodes == 0) {
        return transformed.select(columns.toArray(Column[]::new));
      }
      columns.add((nativeContributions
          ? org.apache.spark.ml.functions.vector_to_array(col(prefix + "contributions"), "float64")
          : contributions.column(rows.sparkSession(), transformed)).as(contributionsArray));
      scored = transformed.select(columns.toArray(Column[]::new));
    }
    String sortedEntries = prefix + "sorted_contributions";
    return scored
        .withColumn(sortedEntries, sortedContributions(col(contributionsArray)))
        .withColumn(output + "_reasons", reasons(col(sortedEntries), reasonCodes))
        .withColumn(output + "_bias", col(contributionsArray).getItem(metadata.features().size()))
        .drop(sortedEntries, contributionsArray);
  }

  /**
   * Whether {@link Engine#JVM} scores in the JVM: an uncalibrated binary probability or a
   * regression's value, of a booster whose predictions {@link Contributions} checked against
   * XGBoost's when the model loaded. Calibrated and multi-class models keep XGBoost's pipeline.
   */
  boolean jvmPredicts() {
    return contributions.predicts();
  }

  /** The fitted stages before the booster (the feature encoding). */
  private Transformer[] featureStages() {
    return Arrays.copyOf(pipeline.stages(), boosterStage());
  }

  private int boosterStage() {
    Transformer[] stages = pipeline.stages();
    for (int i = 0; i < stages.length; i++) {
      if (stages[i] instanceof XGBoostClassificationModel || stages[i] instanceof XGBoostRegressionModel) {
        return i;
      }
    }
    return -1;
  }

  /** One entry per feature (name, value, contribution), the largest contribution by magnitude first. */
  private Column sortedContributions(Column contributions) {
    List<String> features = metadata.features();
    Column[] entries = new Column[features.size()];
    for (int i = 0; i < entries.length; i++) {
      Column contribution = contributions.getItem(i).cast("double");
      // sort_array orders structs by their first field: the negated magnitude puts the largest first.
      entries[i] = struct(
          negate(abs(contribution)).as("sort_key"),
          lit(features.get(i)).as("feature"),
          col("`" + features.get(i) + "`").cast("string").as("value"),
          contribution.as("contribution"));
    }
    return sort_array(array(entries));
  }

  /**
   * The top {@code k} of the sorted entries, ranked. Every row has one entry per feature, so the top
   * min(k, features) are fixed positions: plain element access, which Spark compiles, instead of a
   * lambda over the array, which it interprets.
   */
  private Column reasons(Column sorted, int k) {
    Column[] top = new Column[Math.min(k, metadata.features().size())];
    for (int i = 0; i < top.length; i++) {
      Column entry = sorted.getItem(i);
      top[i] = struct(
          lit(i + 1).as("rank"),
          entry.getField("feature").as("feature"),
          entry.getField("value").as("value"),
          entry.getField("contribution").as("contribution"));
    }
    return array(top);
  }

  private PipelineModel withContributions(String column) {
    Transformer[] stages = pipeline.stages().clone();
    for (int i = 0; i < stages.length; i++) {
      if (stages[i] instanceof XGBoostClassificationModel model) {
        XGBoostClassificationModel copy = model.copy(new org.apache.spark.ml.param.ParamMap());
        copy.setContribPredictionCol(column);
        stages[i] = copy;
      } else if (stages[i] instanceof XGBoostRegressionModel model) {
        XGBoostRegressionModel copy = model.copy(new org.apache.spark.ml.param.ParamMap());
        copy.setContribPredictionCol(column);
        stages[i] = copy;
      }
    }
    return new PipelineModel(pipeline.uid(), stages);
  }

  private void requireFeatures(Dataset<Row> rows) {
    Set<String> present = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    present.addAll(Arrays.asList(rows.columns()));
    List<String> missing = new ArrayList<>();
    for (String feature : metadata.features()) {
      if (!present.contains(feature)) {
        missing.add(feature);
      }
    }
    if (!missing.isEmpty()) {
      throw TargetingException.userError("Model %s at %s needs columns %s that the rows lack", metadata.id(), path, missing);
    }
  }
}
