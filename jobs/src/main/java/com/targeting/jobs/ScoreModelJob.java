package com.targeting.jobs;

import static org.apache.spark.sql.functions.col;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.ModelRegistry;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.model.SavedModel;
import com.targeting.core.Columns;
import com.targeting.core.program.RunSummary;
import com.targeting.core.model.ModelScorer;
import com.targeting.core.source.ReaderSource;
import com.targeting.core.source.SourceConfig;
import com.typesafe.config.Config;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Scores a file with a model's champion (or its pinned version): {@code score-model --config FILE
 * --input PATH [--format csv] --output DIR}. Writes every input row once, as Parquet: the rows that
 * meet the model's training contract with the score (and reason codes, if the model config asks for
 * them), the others unscored with {@code quarantine_rule} / {@code quarantine_reason}
 * ({@link ModelScorer#scoreOrQuarantine}); the summary counts both.
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
    // A csv input is read as warehouses write it: ReaderSource.CSV_DEFAULTS.
    String format = arguments.option("format").orElse("csv");
    SparkSession spark = Sessions.start(config, "score-model");
    long start = System.nanoTime();
    ReaderSource source = ReaderSource.of(new SourceConfig(format, Optional.of(input), Map.of()));
    // Read for the contract: a CSV record that cannot be read is quarantined under its key (malformed-record).
    Dataset<Row> rows = source.readForContract(spark);
    if (rows.isEmpty()) {
      throw TargetingException.userError("score-model: input %s has no rows; nothing was scored or written", source.describe());
    }
    String path = ModelRegistry.at(spark, spec.registry()).resolve(spec);
    SavedModel model = SavedModel.load(spark, path);
    ModelScorer.of(model, spec.output(), spec.reasonCodes()).scoreOrQuarantine(rows, input)
        .write().mode(SaveMode.Overwrite).parquet(output);
    // The funnel: every input row is written once, scored or quarantined with its reason.
    Map<String, Long> quarantinedByRule = new TreeMap<>();
    long written = 0;
    for (Row group : (Row[]) spark.read().parquet(output).groupBy(col(Columns.QUARANTINE_RULE)).count().collect()) {
      written += group.getLong(1);
      if (!group.isNullAt(0)) {
        quarantinedByRule.put(group.getString(0), group.getLong(1));
      }
    }
    long quarantined = quarantinedByRule.values().stream().mapToLong(Long::longValue).sum();
    return new RunSummary()
        .put("job", "score-model")
        .put("model", spec.id())
        .put("version", model.metadata().version())
        .put("input", input)
        .put("output", output)
        .put("rows", written)
        .put("scored", written - quarantined)
        .put("quarantined", quarantined)
        .put("quarantined_by_rule", quarantinedByRule)
        .put("total_ms", (System.nanoTime() - start) / 1_000_000)
        .put("status", "succeeded");
  }
}
