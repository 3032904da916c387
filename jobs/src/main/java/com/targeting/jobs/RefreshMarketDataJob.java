package com.targeting.jobs;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.program.RunSummary;
import com.targeting.core.source.MarketDataRefresh;
import com.typesafe.config.Config;
import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;

/**
 * {@code refresh-market-data --run-date D [--from-date F]}: replaces the market data snapshot of D
 * (or of F..D, a backfill) from the vendor extract ({@code market-data} in config).
 */
final class RefreshMarketDataJob {
  private RefreshMarketDataJob() {}

  static RunSummary run(JobArguments arguments) {
    Config config = arguments.loadConfig(arguments.configFilesForEnvironment());
    ConfigNode root = ConfigNode.root(config);
    MarketDataRefresh.Settings settings = MarketDataRefresh.Settings.from(root.node("market-data"), arguments.runDate());
    root.refuseUnread(java.util.List.of("market-data"));
    LocalDate from = arguments.option("from-date").map(RefreshMarketDataJob::date).orElse(arguments.runDate());
    SparkSession spark = Sessions.start(config, "refresh-market-data");
    long start = System.nanoTime();
    MarketDataRefresh.Result result = MarketDataRefresh.run(spark, settings, from, arguments.runDate());
    RunSummary summary = new RunSummary().put("job", "refresh-market-data");
    result.toJson().forEach(summary::put);
    summary.put("extract", settings.extract().toString());
    summary.put("table", settings.table());
    summary.put("quarantine", settings.quarantine());
    summary.put("total_ms", (System.nanoTime() - start) / 1_000_000);
    summary.put("status", "succeeded");
    return summary;
  }

  private static LocalDate date(String value) {
    try {
      return LocalDate.parse(value);
    } catch (java.time.format.DateTimeParseException e) {
      throw TargetingException.userError("Invalid --from-date '%s': expected YYYY-MM-DD", value);
    }
  }
}
