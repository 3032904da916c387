package com.targeting.jobs;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.uplift.UpliftSpec;
import com.targeting.core.model.ModelFamilySpec;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.program.RunSummary;
import com.typesafe.config.Config;
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
    List<ModelFamilySpec> toTrain;
    String subject;
    if (arguments.program().isPresent()) {
      subject = arguments.program().get();
      config = arguments.loadConfig(arguments.configFilesFor(subject));
      ProgramConfig program = ProgramConfig.from(config);
      java.util.Optional<String> wanted = arguments.option("model");
      // Text models first: a model trained on a text feature reads the text model's champion.
      toTrain = program.allModels().stream().filter(spec -> wanted.map(spec.id()::equals).orElse(true)).toList();
      if (wanted.isPresent() && toTrain.isEmpty()) {
        throw TargetingException.userError("Program %s has no model %s (has %s)", subject, wanted.get(),
            program.allModels().stream().map(ModelFamilySpec::id).toList());
      }
    } else if (!arguments.configFiles().isEmpty()) {
      config = arguments.loadConfig(arguments.configFilesForEnvironment());
      ConfigNode root = ConfigNode.root(config);
      if (root.has("uplift-model") && root.has("model")) {
        throw TargetingException.userError("Config %s describes both a model and an uplift-model: train-model --config takes one",
            arguments.configFiles());
      }
      if (root.has("uplift-model")) {
        UpliftSpec spec = UpliftSpec.from(root.node("uplift-model"), root.node("model-defaults"));
        subject = spec.id();
        toTrain = List.of(spec);
        root.refuseUnread(List.of("uplift-model", "model-defaults"));
      } else {
        ModelSpec spec = ModelSpec.from(root.node("model"), root.node("model-defaults"));
        subject = spec.id();
        toTrain = List.of(spec);
        root.refuseUnread(List.of("model", "model-defaults"));
      }
    } else {
      throw TargetingException.userError("Job %s needs --program P or --config FILE.%n%s", arguments.job(), JobArguments.USAGE);
    }
    SparkSession spark = Sessions.start(config, arguments.job());
    long start = System.nanoTime();
    Map<String, Object> models = train(spark, toTrain);
    return new RunSummary()
        .put("job", arguments.job())
        .put("subject", subject)
        .put("models", models)
        .put("total_ms", (System.nanoTime() - start) / 1_000_000)
        .put("status", "succeeded");
  }

  /** Trains each model of either family in turn; its summary entry with {@code train_ms}, by model id. */
  static Map<String, Object> train(SparkSession spark, List<? extends ModelFamilySpec> specs) {
    Map<String, Object> trained = new LinkedHashMap<>();
    for (ModelFamilySpec spec : specs) {
      long start = System.nanoTime();
      Map<String, Object> entry = spec.train(spark);
      entry.put("train_ms", (System.nanoTime() - start) / 1_000_000);
      trained.put(spec.id(), entry);
    }
    return trained;
  }
}
