package com.targeting.jobs;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.model.ModelTrainer;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.program.RunSummary;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Trains models into the registry: either a program's models ({@code --program P [--model ID]};
 * {@code retrain} is the same for the scheduled retraining of all of them) or one model described
 * by a file of its own ({@code --config FILE} with a {@code model} block). Each run makes a new
 * version and moves the champion pointer only if the challenger wins.
 */
final class TrainModelJob {
  private TrainModelJob() {}

  static RunSummary run(JobArguments arguments) {
    Config config;
    List<ModelSpec> specs;
    String subject;
    if (arguments.program().isPresent()) {
      subject = arguments.program().get();
      config = ConfigLoader.load(arguments.configFilesFor(subject), arguments.overridesWithRunDate());
      specs = selected(ProgramConfig.from(config).models(), arguments, subject);
    } else if (!arguments.configFiles().isEmpty()) {
      config = ConfigLoader.load(arguments.configFilesForEnvironment(), arguments.overridesWithRunDate());
      ConfigNode root = ConfigNode.root(config);
      ModelSpec spec = ModelSpec.from(root.node("model"), root.node("model-defaults"));
      subject = spec.id();
      specs = List.of(spec);
    } else {
      throw TargetingException.userError("Job %s needs --program P or --config FILE.%n%s", arguments.job(), JobArguments.USAGE);
    }
    SparkSession spark = Sessions.start(config, arguments.job());
    long start = System.nanoTime();
    Map<String, Object> models = train(spark, specs);
    return new RunSummary()
        .put("job", arguments.job())
        .put("subject", subject)
        .put("models", models)
        .put("total_ms", (System.nanoTime() - start) / 1_000_000)
        .put("status", "succeeded");
  }

  private static List<ModelSpec> selected(List<ModelSpec> models, JobArguments arguments, String programId) {
    if (arguments.option("model").isEmpty()) {
      return models;
    }
    String id = arguments.option("model").get();
    List<ModelSpec> matching = new ArrayList<>(models.stream().filter(spec -> spec.id().equals(id)).toList());
    if (matching.isEmpty()) {
      throw TargetingException.userError("Program %s has no model %s (has %s)", programId, id,
          models.stream().map(ModelSpec::id).toList());
    }
    return matching;
  }

  static Map<String, Object> train(SparkSession spark, List<ModelSpec> specs) {
    Map<String, Object> trained = new LinkedHashMap<>();
    for (ModelSpec spec : specs) {
      long start = System.nanoTime();
      ModelTrainer.Result result = ModelTrainer.train(spark, spec);
      Map<String, Object> entry = result.summary();
      entry.put("train_ms", (System.nanoTime() - start) / 1_000_000);
      trained.put(spec.id(), entry);
    }
    return trained;
  }
}
