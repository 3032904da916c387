package com.targeting.jobs;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.fs.HadoopFiles;
import com.targeting.core.model.ModelFamilySpec;
import com.targeting.core.model.ModelRegistry;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.program.RunSummary;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For local runs only ({@code bootstrap.enabled}, set by conf/env/local.conf): makes a fresh
 * clone runnable with one command by generating the program's sample data when its source is
 * missing and training every model that does not exist yet. Existing data and models are used
 * as they are. The generator is a {@link SampleDataGenerator} of the tools module, on the
 * classpath of local runs only; a missing extract without one is a user error naming the path.
 */
public final class LocalBootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(LocalBootstrap.class);

  private LocalBootstrap() {}

  /**
   * The {@code bootstrap} section (defaults in reference.conf), also the defaults of {@code
   * generate-sample-data}'s {@code --rows}, {@code --history-rows} and {@code --seed}.
   *
   * @param enabled whether a program run bootstraps (conf/env/local.conf turns it on)
   * @param rows customers in a generated extract
   * @param historyRows rows of the generated labeled history models train on
   * @param seed the generators' seed (same seed, same rows)
   */
  public record Settings(boolean enabled, long rows, long historyRows, long seed) {
    public static Settings from(Config config) {
      ConfigNode bootstrap = ConfigNode.root(config).node("bootstrap");
      return new Settings(bootstrap.bool("enabled", false), bootstrap.longValue("rows", 150_000),
          bootstrap.longValue("history-rows", 30_000), bootstrap.longValue("seed", 20261120L));
    }
  }

  static RunSummary prepare(SparkSession spark, Settings settings, ProgramConfig program) {
    RunSummary summary = new RunSummary();
    String sourcePath = program.source().path().orElse(null);
    if (program.source().isFileFormat() && sourcePath != null && !HadoopFiles.exists(spark, sourcePath)) {
      long rows = settings.rows();
      LOG.info("No extract at {}: generating {} sample rows", sourcePath, rows);
      long start = System.nanoTime();
      SampleDataGenerator generator = SampleDataGenerator.find().orElseThrow(() -> TargetingException.userError(
          "No extract at %s for program %s, and no sample data generator to make one (bootstrap.enabled): the generators "
              + "are in the tools module (targeting-tools), which scripts/spark-submit/local.sh puts beside the job jar",
          sourcePath, program.id()));
      generator.generate(spark, program.id(), dataDirectory(program, sourcePath), rows,
          settings.historyRows(), settings.seed(), program.runDate());
      summary.put("generated_rows", rows);
      summary.put("generate_ms", (System.nanoTime() - start) / 1_000_000);
    }
    List<ModelFamilySpec> missing = new ArrayList<>();
    for (ModelFamilySpec spec : program.allModels()) {
      if (!ModelRegistry.at(spark, spec.registry()).hasChampion(spec)) {
        missing.add(spec);
      }
    }
    if (!missing.isEmpty()) {
      LOG.info("Training models that do not exist yet: {}", missing.stream().map(ModelFamilySpec::id).toList());
      long start = System.nanoTime();
      java.util.Map<String, Object> trained = TrainModelJob.train(spark, missing);
      summary.put("trained_models", trained);
      summary.put("train_ms", (System.nanoTime() - start) / 1_000_000);
    }
    return summary;
  }

  /** The generator writes all of a program's datasets side by side, in the source's parent directory. */
  private static String dataDirectory(ProgramConfig program, String sourcePath) {
    int slash = sourcePath.lastIndexOf('/');
    if (slash <= 0) {
      throw TargetingException.userError("Cannot generate sample data for %s: source path %s has no parent directory",
          program.id(), sourcePath);
    }
    return sourcePath.substring(0, slash);
  }
}
