package com.targeting.jobs;

import com.targeting.core.config.ConfigLoader;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.program.ProgramRunner;
import com.targeting.core.program.RunSummary;
import com.typesafe.config.Config;
import org.apache.spark.sql.SparkSession;

/** Runs one targeting program for one run date. */
final class RunProgramJob {
  private RunProgramJob() {}

  static RunSummary run(JobArguments arguments, String programId) {
    // Config is read and checked completely before Spark starts: a bad file fails in milliseconds.
    Config config = arguments.loadConfig(arguments.configFilesFor(programId));
    ProgramConfig program = ProgramConfig.from(config);
    SparkSession spark = Sessions.start(config, programId);
    RunSummary bootstrap = null;
    LocalBootstrap.Settings bootstrapSettings = LocalBootstrap.Settings.from(config);
    if (bootstrapSettings.enabled()) {
      bootstrap = LocalBootstrap.prepare(spark, bootstrapSettings, program);
    }
    RunSummary summary = ProgramRunner.run(spark, program);
    RunSummary result = new RunSummary().put("job", programId);
    summary.fields().forEach(result::put);
    if (bootstrap != null && !bootstrap.fields().isEmpty()) {
      result.put("bootstrap", bootstrap.fields());
    }
    return result;
  }
}
