package com.targeting.tools;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.program.RunSummary;
import com.targeting.jobs.JobArguments;
import com.targeting.jobs.LocalBootstrap;
import com.targeting.jobs.Sessions;
import com.targeting.tools.sample.CampaignSampleData;
import com.targeting.tools.sample.EngagementSampleData;
import com.targeting.tools.sample.InvestmentSampleData;
import com.targeting.tools.sample.LoanSampleData;
import com.typesafe.config.Config;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** Writes deterministic sample extracts for a program (same seed, same rows, same bytes of data). */
final class GenerateSampleDataJob {
  private GenerateSampleDataJob() {}

  static RunSummary run(JobArguments arguments) {
    String programId = arguments.program().orElse(InvestmentSampleData.PROGRAM);
    Config config = arguments.loadConfig(arguments.configFilesFor(programId));
    ConfigNode root = ConfigNode.root(config);
    LocalBootstrap.Settings bootstrap = LocalBootstrap.Settings.from(config);
    long rows = arguments.longOption("rows", bootstrap.rows());
    long historyRows = arguments.longOption("history-rows", bootstrap.historyRows());
    long seed = arguments.longOption("seed", bootstrap.seed());
    if (rows < 1) {
      throw TargetingException.userError("--rows must be at least 1, was %d", rows);
    }
    String output = arguments.option("output").orElse(root.string("paths.data") + "/" + programId);
    SparkSession spark = Sessions.start(config, "generate-sample-data");
    long start = System.nanoTime();
    List<String> written = generate(spark, programId, output, rows, historyRows, seed, arguments.runDate());
    return new RunSummary()
        .put("job", "generate-sample-data")
        .put("program", programId)
        .put("run_date", arguments.runDate().toString())
        .put("rows", rows)
        .put("history_rows", historyRows)
        .put("seed", seed)
        .put("written", written)
        .put("total_ms", (System.nanoTime() - start) / 1_000_000)
        .put("status", "succeeded");
  }

  static List<String> generate(
      SparkSession spark, String programId, String output, long rows, long historyRows, long seed, LocalDate runDate) {
    return switch (programId) {
      case InvestmentSampleData.PROGRAM -> new InvestmentSampleData(spark, rows, seed, runDate).writeAll(output, historyRows);
      case LoanSampleData.PROGRAM -> new LoanSampleData(spark, rows, seed, runDate).writeAll(output, historyRows);
      case CampaignSampleData.PROGRAM -> new CampaignSampleData(spark, rows, seed).writeAll(output, historyRows);
      case EngagementSampleData.PROGRAM -> new EngagementSampleData(spark, rows, seed, runDate).writeAll(output, historyRows);
      default -> throw TargetingException.userError("No sample data generator for program %s (have: %s, %s, %s, %s)", programId,
          InvestmentSampleData.PROGRAM, LoanSampleData.PROGRAM, CampaignSampleData.PROGRAM, EngagementSampleData.PROGRAM);
    };
  }
}
