package com.targeting.core.model;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;

import com.targeting.core.TargetingException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One fitted XGBoost model (binary or regression) with exactly the trainer's feature encoding, as
 * a part of a model built from several boosters (the uplift learners): fitted from any label
 * column, optionally with sample weights, and applied as one double column.
 */
public record Booster(String id, ModelSpec.Objective objective, PipelineModel pipeline) {
  public Booster {
    requireNonNull(id, "id is null");
    requireNonNull(objective, "objective is null");
    requireNonNull(pipeline, "pipeline is null");
  }

  /** Fits {@code spec}'s encoding and booster on {@code rows}, label {@code labelColumn}, optionally weighted. */
  public static Booster fit(ModelSpec spec, Dataset<Row> rows, String labelColumn, Optional<String> weightColumn) {
    if (spec.objective() == ModelSpec.Objective.MULTICLASS) {
      throw TargetingException.internal("A booster part is binary or regression, not multi-class: %s", spec.id());
    }
    Dataset<Row> labeled = rows.withColumn(ModelPipeline.LABEL, col("`" + labelColumn + "`").cast("double"));
    List<Transformer> stages = ModelPipeline.fit(spec, labeled, 2, Optional.empty(), weightColumn);
    return new Booster(spec.id(), spec.objective(), new PipelineModel(spec.id(), stages.toArray(Transformer[]::new)));
  }

  public static Booster load(String path, String id, ModelSpec.Objective objective) {
    try {
      return new Booster(id, objective, PipelineModel.load(path));
    } catch (Exception e) { // Spark throws checked exceptions undeclared
      throw TargetingException.userError("Model part %s at %s cannot be loaded (%s): retrain the model", id, path,
          TargetingException.firstLine(String.valueOf(e.getMessage())));
    }
  }

  public void save(String path) {
    try {
      pipeline.write().save(path);
    } catch (IOException e) {
      throw TargetingException.external(e, "Cannot save model part %s to %s: %s", id, path, e.getMessage());
    }
  }

  /**
   * The rows with one more column, {@code output}: the positive-class probability (binary) or the
   * value (regression). The pipeline's intermediate columns are dropped.
   */
  public Dataset<Row> predict(Dataset<Row> rows, String output) {
    List<Column> columns = new ArrayList<>();
    for (String column : rows.columns()) {
      columns.add(col("`" + column + "`"));
    }
    String source = objective == ModelSpec.Objective.REGRESSION ? Predictions.VALUE : Predictions.PROBABILITY;
    columns.add(Predictions.score(ModelSpec.columnPrefix(id), source).as(output));
    return pipeline.transform(rows).select(columns.toArray(Column[]::new));
  }
}
