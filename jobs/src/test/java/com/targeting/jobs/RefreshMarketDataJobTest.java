package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** refresh-market-data as the daily schedule runs it: exit 0 with its figures, exit 2 (nothing written) on a broken extract. */
class RefreshMarketDataJobTest {
  @TempDir
  Path root;

  private JobRun refresh(String runDate, String extract) throws IOException {
    Path file = root.resolve("vendor/" + runDate + ".csv");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "marketplace,as_of_date,market_conditions,sector_performance,volatility_index\n" + extract);
    return JobRun.of(List.of("refresh-market-data", "--run-date", runDate, "--conf-dir", TestSpark.confDirectory().toString(),
        "--conf", "paths.root=" + root, "--conf", "market-data.extract.path=" + file));
  }

  @Test
  void refreshesTheDateAndRefusesAnExtractThatBreaksTheContract() throws IOException {
    JobRun good = refresh("2026-11-20", String.join("\n", "US,2026-11-20,bullish,1.2,15.5", "UK,2026-11-20,neutral,0.4,17.0",
        "DE,2026-11-20,bearish,-0.3,19.0", "FR,2026-11-20,neutral,0.1,18.5", "JP,2026-11-20,bullish,2.2,21.0",
        "AU,2026-11-20,sideways,0.9,16.0", "US,2026-11-19,bullish,1.0,15.0") + "\n");

    assertThat(good.code()).as(good.summary().toString()).isZero();
    assertThat(good.summary().get("status").asText()).isEqualTo("succeeded");
    assertThat(good.summary().get("loaded_rows").asLong()).isEqualTo(5);
    assertThat(good.summary().get("quarantined_rows").asLong()).isEqualTo(1);
    assertThat(good.summary().get("quarantined_by_rule").get("unknown-market-conditions").asLong()).isEqualTo(1);
    assertThat(good.summary().get("outside_dates_rows").asLong()).isEqualTo(1);
    assertThat(good.summary().get("missing_marketplaces").get(0).asText()).isEqualTo("AU");
    assertThat(TestSpark.session().read().format("delta").load(root.resolve("data/investment-recommendations/market_data").toString())
        .count()).isEqualTo(5);

    JobRun broken = refresh("2026-11-21", "US,2026-11-21,bullish,1.2,150\nUK,2026-11-21,neutral,0.4,17.0\n");

    assertThat(broken.code()).as(broken.summary().toString()).isEqualTo(2);
    assertThat(broken.summary().get("error").get("message").asText()).contains("1 of 2 rows of 2026-11-21..2026-11-21 break the contract");
    assertThat(TestSpark.session().read().format("delta").load(root.resolve("data/investment-recommendations/market_data").toString())
        .count()).isEqualTo(5);
  }
}
