package com.targeting.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.program.ProgramRunner;
import com.targeting.core.program.RunSummary;
import com.targeting.core.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The market data refresh writes the table the investment program's enrichment reads, and the
 * enrichment's freshness limit stops a run on a table the refresh has stopped feeding.
 */
class MarketDataRefreshTest {
  private static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 20);
  private static final String HEADER = "marketplace,as_of_date,market_conditions,sector_performance,volatility_index\n";

  @TempDir
  Path root;

  private Path extract(String rows) throws IOException {
    Path file = root.resolve("vendor/market_data_extract.csv");
    Files.createDirectories(file.getParent());
    Files.writeString(file, HEADER + rows);
    return file;
  }

  /** The shipped market-data settings (core's reference.conf), with paths under the test's root and two marketplaces. */
  private MarketDataRefresh.Settings settings(String... overrides) {
    // The first of two overrides of one key wins.
    List<String> all = new ArrayList<>(List.of(overrides));
    all.addAll(List.of(
        "paths.root=" + root,
        "market-data.extract.path=" + root.resolve("vendor/market_data_extract.csv"),
        "market-data.marketplaces=[US, UK]"));
    return MarketDataRefresh.Settings.from(ConfigNode.root(ConfigLoader.load(List.of(), all)).node("market-data"), RUN_DATE);
  }

  /** marketplace|as_of_date -> market_conditions|volatility_index, from the table as the enrichment reads it. */
  private Map<String, String> table(MarketDataRefresh.Settings settings) {
    Map<String, String> rows = new TreeMap<>();
    for (Row row : (Row[]) TestSpark.session().read().format("delta").load(settings.table()).collect()) {
      rows.put(row.getAs("marketplace") + "|" + row.getAs("as_of_date"), row.getAs("market_conditions") + "|" + row.getAs("volatility_index"));
    }
    return rows;
  }

  @Test
  void aRefreshReplacesItsDatesSnapshotAndNoOther() throws IOException {
    extract("US,2026-11-19,bullish,1.5,14.2\nUK,2026-11-19,neutral,0.5,18.0\n"
        + "US,2026-11-20,bearish,-2.0,25.5\nUK,2026-11-20,bullish,3.0,16.4\n");
    MarketDataRefresh.Settings settings = settings();

    MarketDataRefresh.Result first = MarketDataRefresh.run(TestSpark.session(), settings, RUN_DATE.minusDays(1), RUN_DATE.minusDays(1));
    assertThat(first.loadedRows()).isEqualTo(2);
    assertThat(first.outsideDates()).isEqualTo(2);
    assertThat(table(settings)).containsOnlyKeys("UK|2026-11-19", "US|2026-11-19");

    MarketDataRefresh.Result second = MarketDataRefresh.run(TestSpark.session(), settings, RUN_DATE, RUN_DATE);
    assertThat(second.loadedRows()).isEqualTo(2);
    assertThat(second.tableRows()).isEqualTo(2);
    assertThat(second.runDateMarketplaces()).containsExactly("UK", "US");
    assertThat(second.missingMarketplaces()).isEmpty();
    assertThat(table(settings)).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "UK|2026-11-19", "neutral|18.0", "US|2026-11-19", "bullish|14.2",
        "UK|2026-11-20", "bullish|16.4", "US|2026-11-20", "bearish|25.5")));

    // The vendor corrects the day: the rerun replaces the day's snapshot (UK is gone from it, and
    // named as missing); the day before stays as it was.
    extract("US,2026-11-19,bearish,9.9,99.0\nUS,2026-11-20,neutral,-1.0,21.0\n");
    MarketDataRefresh.Result corrected = MarketDataRefresh.run(TestSpark.session(), settings, RUN_DATE, RUN_DATE);
    assertThat(corrected.missingMarketplaces()).containsExactly("UK");
    Map<String, String> expected = new TreeMap<>(Map.of(
        "UK|2026-11-19", "neutral|18.0", "US|2026-11-19", "bullish|14.2", "US|2026-11-20", "neutral|21.0"));
    assertThat(table(settings)).containsExactlyEntriesOf(expected);

    // Idempotent: the same extract and date give the same table.
    MarketDataRefresh.run(TestSpark.session(), settings, RUN_DATE, RUN_DATE);
    assertThat(table(settings)).containsExactlyEntriesOf(expected);
  }

  @Test
  void rowsThatBreakTheContractAreQuarantinedWithTheirReasonAndCounted() throws IOException {
    extract(String.join("\n",
        "US,2026-11-20,bullish,1.0,15.0",
        ",2026-11-20,bullish,1.0,15.0",
        "XX,2026-11-20,bullish,1.0,15.0",
        "UK,2026-11-20,sideways,1.0,15.0",
        "UK,2026-11-20,bearish,1.0,250",
        "UK,2026-11-20,bearish,1.0,high",
        "UK,,bearish,1.0,15.0",
        "DE,2026-11-20,neutral,1.0,15.0",
        "DE,2026-11-20,neutral,1.5,15.5",
        "FR,2026-11-17,bearish,1.0,250") + "\n");
    MarketDataRefresh.Settings settings = settings("market-data.contract.max-quarantined-fraction=1.0",
        "market-data.marketplaces=[US, UK, DE]");

    MarketDataRefresh.Result result = MarketDataRefresh.run(TestSpark.session(), settings, RUN_DATE, RUN_DATE);

    assertThat(result.extractRows()).isEqualTo(10);
    assertThat(result.outsideDates()).isEqualTo(1); // another date's row is not this refresh's to judge
    assertThat(result.loadedRows()).isEqualTo(1);
    assertThat(result.quarantinedRows()).isEqualTo(8);
    assertThat(result.quarantinedByRule()).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "missing-marketplace", 1L, "unknown-marketplace", 1L, "unknown-market-conditions", 1L, "volatility-out-of-range", 1L,
        "unparseable", 1L, "missing-as-of-date", 1L, "duplicate-key", 2L)));
    assertThat(result.missingMarketplaces()).containsExactly("UK", "DE");
    assertThat(table(settings)).containsOnlyKeys("US|2026-11-20");

    Map<String, String> reasons = new TreeMap<>();
    for (Row row : (Row[]) TestSpark.session().read().format("delta").load(settings.quarantine()).where("dt = '2026-11-20'").collect()) {
      reasons.merge(row.getAs("quarantine_rule"), row.getAs("quarantine_reason"), (a, b) -> a.equals(b) ? a : a + " / " + b);
    }
    assertThat(reasons).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "missing-marketplace", "missing marketplace",
        "unknown-marketplace", "marketplace is not one of market-data.marketplaces",
        "unknown-market-conditions", "market_conditions is not bullish, neutral or bearish",
        "volatility-out-of-range", "volatility_index missing or outside 5-100",
        "unparseable", "unparseable volatility_index: 'high' is not double",
        "missing-as-of-date", "missing as_of_date",
        "duplicate-key", "duplicate marketplace and as_of_date (2 rows)")));

    // Under the shipped limit (a fifth of the rows), the same extract fails the refresh and writes nothing.
    extract("US,2026-11-21,bullish,1.0,15.0\nUK,2026-11-21,bullish,1.0,500\n");
    LocalDate next = RUN_DATE.plusDays(1);
    assertThatThrownBy(() -> MarketDataRefresh.run(TestSpark.session(), settings(), next, next))
        .isInstanceOf(TargetingException.class)
        .hasMessage("Market data extract csv " + root.resolve("vendor/market_data_extract.csv") + ": 1 of 2 rows of 2026-11-21..2026-11-21 "
            + "break the contract ({volatility-out-of-range=1}), more than contract.max-quarantined-fraction = 0.2; nothing was written");
    assertThat(table(settings)).containsOnlyKeys("US|2026-11-20");
  }

  @Test
  void aStaleMarketDataTableFailsTheProgramRunBeforeItWritesAnything() throws IOException {
    Path customers = root.resolve("customers.csv");
    Files.writeString(customers, "customer_id,marketplace\nC1,US\nC2,UK\nC3,US\n");
    Path program = root.resolve("freshness-program.conf");
    Files.writeString(program, """
        program {
          id = freshness-test
          key = customer_id
          source { format = csv, path = "%s", options { header = "true" } }
          contract { columns { customer_id = string, marketplace = string }, max-quarantined-fraction = 0.5 }
          enrichments = [{
            id = market-data
            source { format = delta, path = ${market-data.table} }
            freshness { column = as_of_date, max-age-days = 4 }
            view = market_data
            query = \"\"\"
              SELECT marketplace, market_conditions FROM (SELECT *, row_number() OVER (PARTITION BY marketplace
                ORDER BY as_of_date DESC) AS newest FROM market_data WHERE as_of_date <= :run_date) WHERE newest = 1\"\"\"
            join-on = [marketplace]
          }]
          filters = [{ id = market, rules = [{ keep = "market_conditions IS NOT NULL", reason = "no market data" }] }]
          %s
        }
        """.formatted(customers, com.targeting.core.testing.TestPrograms.OUTPUTS));
    MarketDataRefresh.Settings settings = settings();
    // The last refresh was ten days before the run date (and one row is dated after it, which does not count).
    extract("US,2026-11-10,bullish,1.0,15.0\nUK,2026-11-10,neutral,1.0,15.0\nUS,2026-11-21,bullish,1.0,15.0\n");
    MarketDataRefresh.run(TestSpark.session(), settings, LocalDate.of(2026, 11, 10), LocalDate.of(2026, 11, 10));
    MarketDataRefresh.run(TestSpark.session(), settings, LocalDate.of(2026, 11, 21), LocalDate.of(2026, 11, 21));

    ProgramConfig stale = programFor(program, RUN_DATE);
    assertThatThrownBy(() -> ProgramRunner.run(TestSpark.session(), stale))
        .isInstanceOf(TargetingException.class)
        .hasMessage("Enrichment market-data is stale: the newest as_of_date on or before the run date 2026-11-20 is 2026-11-10, "
            + "10 days old; freshness.max-age-days = 4")
        .extracting(e -> ((TargetingException) e).category()).isEqualTo(TargetingException.Category.USER_ERROR);
    for (String output : List.of("candidates", "rejections", "quarantine")) {
      assertThat(root.resolve("output").resolve(output)).as(output).doesNotExist();
    }
    // Only the attempt's own record, failed, with the reason.
    String record = java.nio.file.Files.readString(root.resolve("output/summaries/program=freshness-test/dt=2026-11-20/"
        + stale.runId() + ".json"));
    assertThat(record).contains("\"status\":\"failed\"").contains("\"category\":\"user_error\"").contains("is stale");

    // Four days after the last refresh is within the limit: the same program runs and writes.
    RunSummary fresh = ProgramRunner.run(TestSpark.session(), programFor(program, LocalDate.of(2026, 11, 14)));
    assertThat(fresh.get("candidates")).isEqualTo(3L);
    assertThat(root.resolve("output/candidates/program=freshness-test/dt=2026-11-14")).isDirectory();
  }

  private ProgramConfig programFor(Path program, LocalDate runDate) {
    return ProgramConfig.from(ConfigLoader.load(List.of(program.toString()),
        List.of("paths.root=" + root, "run.date=\"" + runDate + "\"")));
  }
}
