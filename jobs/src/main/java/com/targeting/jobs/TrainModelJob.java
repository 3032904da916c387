package com.targeting.jobs;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.model.ModelMetadata;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.model.ModelTrainer;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.program.RunSummary;
import com.targeting.core.source.ReaderSource;
import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Trains a program's models (or one, with {@code --model}) from their labeled training data. */
final class TrainModelJob {
  private TrainModelJob() {}

  static RunSummary run(JobArguments arguments) {
    String programId = arguments.requireProgram();
    Config config = ConfigLoader.load(arguments.configFilesFor(programId), arguments.overridesWithRunDate());
    ProgramConfig program = ProgramConfig.from(config);
    List<ModelSpec> specs = program.models();
    if (arguments.option("model").isPresent()) {
      String id = arguments.option("model").get();
      specs = specs.stream().filter(spec -> spec.id().equals(id)).toList();
      if (specs.isEmpty()) {
        throw TargetingException.userError("Program %s has no model %s (has %s)", programId, id,
            program.models().stream().map(ModelSpec::id).toList());
      }
    }
    SparkSession spark = Sessions.start(config, "train-model");
    long start = System.nanoTime();
    Map<String, Object> models = train(spark, specs);
    return new RunSummary()
        .put("job", "train-model")
        .put("program", programId)
        .put("models", models)
        .put("total_ms", (System.nanoTime() - start) / 1_000_000)
        .put("status", "succeeded");
  }

  static Map<String, Object> train(SparkSession spark, List<ModelSpec> specs) {
    Map<String, Object> trained = new LinkedHashMap<>();
    for (ModelSpec spec : specs) {
      ReaderSource source = ReaderSource.of(spec.trainingData().orElseThrow(() -> TargetingException.userError(
          "Model %s has no training.source in its config", spec.id())));
      long start = System.nanoTime();
      ModelMetadata metadata = ModelTrainer.trainAndSave(spark, spec, source.read(spark), source.describe());
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("path", spec.path());
      entry.put("training_rows", metadata.trainingRows());
      entry.put("test_rows", metadata.testRows());
      entry.put("metrics", metadata.metrics());
      entry.put("train_ms", (System.nanoTime() - start) / 1_000_000);
      trained.put(spec.id(), entry);
    }
    return trained;
  }
}
