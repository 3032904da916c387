package com.targeting.jobs;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.program.RunSummary;
import com.targeting.core.sink.dynamodb.DynamoDbTtlCheck;
import com.typesafe.config.Config;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code dynamodb-ttl-check --program P}: the weekly check that the program's items past their TTL
 * (by more than {@code dynamodb-ttl-check.grace-hours}) are gone from its serving table. Items that
 * remain fail the job with exit 3: the fault lies in the outside store (its background deletion
 * is behind, or TTL is not enabled on the table), not in this job's input or config, and a later
 * check can pass without any change here. The failed summary keeps every figure and the sampled
 * keys. Runs no Spark.
 */
final class DynamoDbTtlCheckJob {
  private DynamoDbTtlCheckJob() {}

  static RunSummary run(JobArguments arguments) {
    String programId = arguments.requireProgram();
    Config config = arguments.loadConfig(arguments.configFilesFor(programId));
    ConfigNode root = ConfigNode.root(config);
    ConfigNode program = root.node("program");
    if (!program.has("outputs.dynamodb")) {
      throw TargetingException.userError("Program %s has no program.outputs.dynamodb section: it has no serving table to check",
          programId);
    }
    DynamoDbTtlCheck.Settings settings = DynamoDbTtlCheck.Settings.from(program.node("outputs.dynamodb"),
        root.node("dynamodb-ttl-check"), program.string("id"));
    root.refuseUnread(java.util.List.of("dynamodb-ttl-check"));
    long start = System.nanoTime();
    DynamoDbTtlCheck.Result result = DynamoDbTtlCheck.run(settings, Instant.now());
    RunSummary summary = new RunSummary().put("job", "dynamodb-ttl-check");
    result.toJson().forEach(summary::put);
    summary.put("total_ms", (System.nanoTime() - start) / 1_000_000);
    result.failure().ifPresentOrElse(message -> {
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("category", TargetingException.Category.EXTERNAL.name().toLowerCase(java.util.Locale.ROOT));
      error.put("message", message);
      summary.put("status", "failed").put("error", error);
    }, () -> summary.put("status", "succeeded"));
    return summary;
  }
}
