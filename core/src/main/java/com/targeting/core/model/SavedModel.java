package com.targeting.core.model;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;

import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import scala.Option;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** A model directory loaded back: the fitted pipeline and its {@code model.json}. */
public final class SavedModel {
  static final String PIPELINE_DIRECTORY = "pipeline";

  private final String path;
  private final ModelMetadata metadata;
  private final PipelineModel pipeline;

  private SavedModel(String path, ModelMetadata metadata, PipelineModel pipeline) {
    this.path = requireNonNull(path, "path is null");
    this.metadata = requireNonNull(metadata, "metadata is null");
    this.pipeline = requireNonNull(pipeline, "pipeline is null");
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
    PipelineModel pipeline = PipelineModel.load(path + "/" + PIPELINE_DIRECTORY);
    int classes = "multiclass".equals(metadata.objective()) ? metadata.classes().size() : 2;
    return new SavedModel(path, metadata, withClassCount(pipeline, classes));
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

  public String path() {
    return path;
  }

  public ModelMetadata metadata() {
    return metadata;
  }

  /**
   * Runs the pipeline and returns the input columns plus the raw probability vector column
   * {@link #probabilityColumn()}; the caller turns it into its output columns and drops it.
   */
  public Dataset<Row> predict(Dataset<Row> rows) {
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
    Dataset<Row> transformed = pipeline.transform(rows);
    List<String> keep = new ArrayList<>(Arrays.asList(rows.columns()));
    keep.add(probabilityColumn());
    return transformed.select(keep.stream().map(c -> col("`" + c + "`")).toArray(org.apache.spark.sql.Column[]::new));
  }

  public String probabilityColumn() {
    return ModelSpec.columnPrefix(metadata.id()) + "probability";
  }
}
