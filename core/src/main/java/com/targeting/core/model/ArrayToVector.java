package com.targeting.core.model;

import static org.apache.spark.ml.functions.array_to_vector;
import static org.apache.spark.sql.functions.col;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A pipeline stage turning an {@code array<double>} column into a dense ML vector. XGBoost's
 * regressor (a Spark {@code Predictor}) insists on a vector column, and a dense one keeps zeros as
 * zeros where a VectorAssembler's sparse vectors would make XGBoost read them as missing.
 * Saved and loaded with the pipeline like any Spark stage.
 */
public final class ArrayToVector extends Transformer implements DefaultParamsWritable {
  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;

  public ArrayToVector(String uid) {
    this.uid = uid;
    // A Param records its owner's uid when created: create them once the uid is set.
    this.inputCol = new Param<>(this, "inputCol", "array<double> column to read");
    this.outputCol = new Param<>(this, "outputCol", "dense vector column to write");
  }

  public ArrayToVector() {
    this(Identifiable$.MODULE$.randomUID("arrayToVector"));
  }

  public static MLReader<ArrayToVector> read() {
    return new DefaultParamsReader<>();
  }

  public static ArrayToVector load(String path) {
    return read().load(path);
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public ArrayToVector setInputCol(String value) {
    set(inputCol, value);
    return this;
  }

  public ArrayToVector setOutputCol(String value) {
    set(outputCol, value);
    return this;
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    return dataset.withColumn($(outputCol), array_to_vector(col($(inputCol))));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return schema.add($(outputCol), SQLDataTypes.VectorType(), false);
  }

  @Override
  public ArrayToVector copy(ParamMap extra) {
    return (ArrayToVector) defaultCopy(extra);
  }
}
