package com.targeting.jobs;

import com.targeting.core.TargetingException;
import com.targeting.core.program.RunSummary;
import java.io.PrintStream;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point of the job jar: {@code spark-submit --class com.targeting.jobs.Main
 * targeting-jobs.jar <job> [options]}. Prints the job's run summary as one line of JSON, the last
 * line of stdout, and exits 0 on success, 2 on a user error (config, arguments, input data),
 * 3 when an outside store failed, 4 on a bug.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    JvmFigures.watch();
    int code = run(args, System.out);
    System.exit(code);
  }

  /** Runs a job in this JVM (joining an active Spark session if there is one); returns the exit code. */
  public static int run(String[] args, PrintStream out) {
    RunSummary summary;
    int code;
    String job = args.length > 0 ? args[0] : "";
    try {
      JobArguments arguments = JobArguments.parse(args);
      summary = dispatch(arguments);
      code = exitCode(summary);
      if (code != 0) {
        LOG.error("{} failed: {}", job, ((Map<?, ?>) summary.get("error")).get("message"));
      }
    } catch (TargetingException e) {
      LOG.error("{} failed: {}", job, e.getMessage(), e.getCause());
      summary = new RunSummary().put("job", job).failed(e);
      code = e.category().exitCode();
    } catch (Exception | Error e) { // Spark's Scala code throws checked exceptions undeclared
      TargetingException.Category category = categorize(e);
      LOG.error("{} failed ({})", job, category, e);
      summary = new RunSummary().put("job", job).failed(e);
      code = category.exitCode();
    }
    summary.put("jvm", JvmFigures.now());
    out.println(summary.toJson());
    out.flush();
    return code;
  }

  static RunSummary dispatch(JobArguments arguments) {
    return switch (arguments.job()) {
      case "train-model", "retrain" -> TrainModelJob.run(arguments);
      case "score-model" -> ScoreModelJob.run(arguments);
      case "dynamodb-export" -> DynamoDbExportJob.run(arguments);
      case "daily-metrics" -> DailyMetricsJob.run(arguments, System.err);
      case "refresh-market-data" -> RefreshMarketDataJob.run(arguments);
      case "dynamodb-ttl-check" -> DynamoDbTtlCheckJob.run(arguments);
      case "run-program" -> RunProgramJob.run(arguments, arguments.requireProgram());
      case "help", "--help" -> throw TargetingException.userError("%s", JobArguments.USAGE);
      default -> {
        // A job a jar beside this one adds (the tools module, locally), else a program's name.
        JobExtension.Job extension = JobArguments.EXTENSIONS.get(arguments.job());
        yield extension != null ? extension.runner().apply(arguments) : RunProgramJob.run(arguments, arguments.job());
      }
    };
  }

  /**
   * 0, unless the job reported a failure itself (a check that found a problem keeps its figures in
   * the summary): {@code "status":"failed"} with {@code error.category} gives that category's code.
   */
  static int exitCode(RunSummary summary) {
    if (!"failed".equals(summary.get("status"))) {
      return 0;
    }
    if (summary.get("error") instanceof Map<?, ?> error) {
      for (TargetingException.Category category : TargetingException.Category.values()) {
        if (category.name().toLowerCase(java.util.Locale.ROOT).equals(error.get("category"))) {
          return category.exitCode();
        }
      }
    }
    throw TargetingException.internal("A failed job summary must carry error.category (user_error, external or internal)");
  }

  /** See {@link TargetingException#categoryOf}. */
  static TargetingException.Category categorize(Throwable error) {
    return TargetingException.categoryOf(error);
  }
}
