package com.targeting.core.score;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_from_arrays;

import com.targeting.core.model.SavedModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Scores with a saved model. A binary model writes the positive-class probability (0 to 1) to
 * {@code output}; a multi-class model writes a map from class label to probability, so later
 * stages look classes up by name rather than by index.
 */
public final class ModelScorer implements Scorer {
  private final SavedModel model;
  private final String output;

  private ModelScorer(SavedModel model, String output) {
    this.model = requireNonNull(model, "model is null");
    this.output = requireNonNull(output, "output is null");
  }

  public static ModelScorer of(SavedModel model, String output) {
    return new ModelScorer(model, output);
  }

  @Override
  public String id() {
    return model.metadata().id();
  }

  @Override
  public Dataset<Row> score(Dataset<Row> rows) {
    Dataset<Row> predicted = model.predict(rows);
    Column probabilities = vector_to_array(col(model.probabilityColumn()), "float64");
    Column value;
    if ("binary".equals(model.metadata().objective())) {
      value = probabilities.getItem(1);
    } else {
      Column classes = functions.array(model.metadata().classes().stream().map(c -> lit(c)).toArray(Column[]::new));
      value = map_from_arrays(classes, probabilities);
    }
    return predicted.withColumn(output, value).drop(model.probabilityColumn());
  }
}
