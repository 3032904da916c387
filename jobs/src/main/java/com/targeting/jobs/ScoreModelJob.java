package com.targeting.jobs;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.ModelRegistry;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.model.SavedModel;
import com.targeting.core.program.RunSummary;
import com.targeting.core.score.ModelScorer;
import com.targeting.core.source.ReaderSource;
import com.targeting.core.source.SourceConfig;
import com.typesafe.config.Config;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Scores a file with a model's champion (or its pinned version): {@code score-model --config FILE
 * --input PATH [--format csv] --output DIR}. Writes the input rows with the score (and reason
 * codes, if the model config asks for them) as Parquet.
 */
final class ScoreModelJob {
  private ScoreModelJob() {}

  static RunSummary run(JobArguments arguments) {
    if (arguments.configFiles().isEmpty()) {
      throw TargetingException.userError("score-model needs --config FILE (a `model` block).%n%s", JobArguments.USAGE);
    }
    String input = arguments.option("input").orElseThrow(() -> TargetingException.userError("score-model needs --input PATH"));
    String output = arguments.option("output").orElseThrow(() -> TargetingException.userError("score-model needs --output DIR"));
    Config config = arguments.loadConfig(arguments.configFilesForEnvironment());
    ConfigNode root = ConfigNode.root(config);
    ModelSpec spec = ModelSpec.from(root.node("model"), root.node("model-defaults"));
    root.refuseUnread(java.util.List.of("model", "model-defaults"));
    String format = arguments.option("format").orElse("csv");
    Map<String, String> options = "csv".equals(format) ? Map.of("header", "true") : Map.of();
    SparkSession spark = Sessions.start(config, "score-model");
    long start = System.nanoTime();
    String path = ModelRegistry.at(spark, spec.registry()).resolve(spec);
    SavedModel model = SavedModel.load(spark, path);
    Dataset<Row> rows = ReaderSource.of(new SourceConfig(format, Optional.of(input), options)).read(spark);
    ModelScorer.of(model, spec.output(), spec.reasonCodes()).score(rows).write().mode(SaveMode.Overwrite).parquet(output);
    long written = spark.read().parquet(output).count();
    return new RunSummary()
        .put("job", "score-model")
        .put("model", spec.id())
        .put("version", model.metadata().version())
        .put("input", input)
        .put("output", output)
        .put("rows", written)
        .put("total_ms", (System.nanoTime() - start) / 1_000_000)
        .put("status", "succeeded");
  }
}
