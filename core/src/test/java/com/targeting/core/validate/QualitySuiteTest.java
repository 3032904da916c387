package com.targeting.core.validate;

import static com.targeting.core.testing.TestSpark.rows;
import static com.targeting.core.testing.TestSpark.session;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualitySuiteTest {
  private static final String DDL = "customer_id STRING, device STRING, sessions INT, share DOUBLE";
  private static final LocalDate DAY = LocalDate.parse("2026-11-22");

  private static QualitySuite suite(String hocon) {
    return QualitySuite.from(ConfigNode.root(ConfigFactory.parseString("validation {" + hocon + "}")).node("validation"));
  }

  private static Map<String, QualityReport.Result> byId(QualityReport report) {
    return report.results().stream().collect(Collectors.toMap(result -> result.check().id(), result -> result));
  }

  /** n rows: ids C0..C(n-1), devices ios/web, sessions i, share i/n; {@code nullShares} of them with a null share. */
  private static Dataset<Row> customers(int n, int nullShares) {
    List<Object[]> values = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      values.add(new Object[] {"C" + i, i % 2 == 0 ? "ios" : "web", i, i < nullShares ? null : (double) i / n});
    }
    return rows(DDL, values.toArray(Object[][]::new));
  }

  @Test
  void eachCheckIsJudgedOnItsMetricWithItsLevel() {
    Dataset<Row> data = rows(DDL,
        new Object[] {"C1", "ios", 3, 0.5},
        new Object[] {"C2", "web", 5, 1.5},      // share out of range
        new Object[] {"C2", "fax", null, null},  // duplicate id, unknown device, missing sessions
        new Object[] {"C4", null, 10, 0.0});
    QualitySuite suite = suite("""
        checks = [
          { id = enough-rows, level = error, type = row-count, min = 4 }
          { id = too-few-rows, level = warning, type = row-count, min = 5 }
          { level = error, type = complete, columns = [customer_id] }
          { level = warning, type = complete, columns = [sessions], min-fraction = 0.8 }
          { level = error, type = unique, columns = [customer_id] }
          { level = warning, type = allowed-values, column = device, values = [ios, android, web] }
          { level = warning, type = range, column = share, min = 0, max = 1 }
          { level = warning, type = range, column = share, min = 0, max = 1, min-fraction = 0.6, id = mostly-shares }
          { level = warning, type = mean, column = sessions, min = 5, max = 7 }
          { id = mostly-unique, level = warning, type = unique, columns = [customer_id], min-fraction = 0.5 }
        ]""");
    QualityReport report = suite.run(session(), data, "program", "p", "extract", "test rows", DAY);
    Map<String, QualityReport.Result> results = byId(report);

    assertThat(results.get("enough-rows").outcome().status()).isEqualTo(QualityReport.Status.PASSED);
    assertThat(results.get("enough-rows").outcome().value()).contains(4.0);
    assertThat(results.get("too-few-rows").outcome().status()).isEqualTo(QualityReport.Status.FAILED);
    assertThat(results.get("complete(customer_id)").outcome().status()).isEqualTo(QualityReport.Status.PASSED);
    // 3 of 4 sessions present: 0.75 < 0.8.
    assertThat(results.get("complete(sessions)").outcome().value()).contains(0.75);
    assertThat(results.get("complete(sessions)").outcome().status()).isEqualTo(QualityReport.Status.FAILED);
    // C2 twice: 2 of the 3 ids occur once.
    assertThat(results.get("unique(customer_id)").outcome().status()).isEqualTo(QualityReport.Status.FAILED);
    // null passes, fax does not: 3 of 4.
    assertThat(results.get("allowed-values(device)").outcome().value()).contains(0.75);
    // 1.5 out of range, null passes: 3 of 4; at least 60% passes.
    assertThat(results.get("range(share)").outcome().value()).contains(0.75);
    assertThat(results.get("range(share)").outcome().status()).isEqualTo(QualityReport.Status.FAILED);
    assertThat(results.get("mostly-shares").outcome().status()).isEqualTo(QualityReport.Status.PASSED);
    // (3 + 5 + 10) / 3 = 6.
    assertThat(results.get("mean(sessions)").outcome().value()).contains(6.0);
    assertThat(results.get("mean(sessions)").outcome().status()).isEqualTo(QualityReport.Status.PASSED);
    // C1 and C4 occur once: 2 of 4 rows.
    assertThat(results.get("mostly-unique").outcome().value()).contains(0.5);
    assertThat(results.get("mostly-unique").outcome().status()).isEqualTo(QualityReport.Status.PASSED);

    assertThat(report.hasErrors()).isTrue();
    assertThat(report.failures(QualitySuite.Level.ERROR)).extracting(result -> result.check().id())
        .containsExactly("unique(customer_id)");
    assertThatThrownBy(() -> report.requirePassed("nothing was written"))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("Validation of extract (test rows) failed 1 error-level check(s); nothing was written")
        .hasMessageContaining("unique(customer_id) (customer_id unique)");
  }

  @Test
  void textColumnsAreJudgedByTheirNumbersWhereAMeanOrRangeNeedsOne() {
    // Training rows are read as text: "n/a" is missing for the mean; out of range for the range; and
    // the other checks of the same column still see the text as it is.
    Dataset<Row> text = rows("share STRING", new Object[] {"0.2"}, new Object[] {"0.4"}, new Object[] {"n/a"},
        new Object[] {"1.5"}, new Object[] {"-0.5"}, new Object[] {null});
    QualityReport report = suite("""
        checks = [
          { level = error, type = mean, column = share, min = 0.39, max = 0.41 }
          { level = error, type = range, column = share, min = 0, max = 1 }
          { level = error, type = allowed-values, column = share, values = ["0.2", "0.4"] }
          { level = error, type = complete, columns = [share] }
        ]""").run(session(), text, "program", "p", "training", "text rows", DAY);
    Map<String, QualityReport.Result> results = byId(report);
    // (0.2 + 0.4 + 1.5 - 0.5) / 4 = 0.4
    assertThat(results.get("mean(share)").outcome().value().orElseThrow()).isCloseTo(0.4, org.assertj.core.api.Assertions.within(1e-12));
    // 0.2, 0.4 and null pass; "1.5" is 1.5 and "-0.5" is -0.5 (not 1 and 0, as an integer bound would cast them); "n/a" fails.
    assertThat(results.get("range(share)").outcome().value()).contains(0.5);
    // The allowed values and the completeness read the text: "n/a" is a value, not a null.
    assertThat(results.get("allowed-values(share)").outcome().value()).contains(0.5);
    assertThat(results.get("complete(share)").outcome().value().orElseThrow()).isCloseTo(5.0 / 6, org.assertj.core.api.Assertions.within(1e-12));
  }

  @Test
  void warningsAloneLetTheRunGoOn() {
    QualitySuite suite = suite("checks = [{ level = warning, type = row-count, max = 2 }]");
    QualityReport report = suite.run(session(), customers(3, 0), "program", "p", "extract", "test rows", DAY);
    assertThat(report.toSummary()).containsEntry("status", "warned").containsEntry("failed_warnings", 1L);
    report.requirePassed("nothing was written");
  }

  @Test
  void runOverRunChecksCompareWithTheLatestEarlierRunDateOnly(@TempDir Path repository) {
    QualitySuite suite = suite("repository = \"" + repository.toUri() + "\"\n" + """
        checks = [
          { level = warning, type = row-count-change, max-relative-change = 0.3 }
          { level = warning, type = mean-change, column = sessions, max-relative-change = 0.25 }
          { level = error, type = null-rate-change, column = share, max-change = 0.05 }
        ]""");
    // First run: no history, every change check skipped; its metrics become history.
    QualityReport first = suite.run(session(), customers(100, 0), "program", "p", "extract", "week 1", DAY);
    assertThat(first.results()).allMatch(result -> result.outcome().status() == QualityReport.Status.SKIPPED);

    // A week later: 125 rows (+25%), mean of sessions 49.5 -> 62 (+25.3%), null rate 0 -> 4%.
    QualityReport second = suite.run(session(), customers(125, 5), "program", "p", "extract", "week 2", DAY.plusDays(7));
    Map<String, QualityReport.Result> results = byId(second);
    assertThat(results.get("row-count-change").outcome().status()).isEqualTo(QualityReport.Status.PASSED);
    assertThat(results.get("mean-change(sessions)").outcome().status()).isEqualTo(QualityReport.Status.FAILED);
    assertThat(results.get("null-rate-change(share)").outcome().status()).isEqualTo(QualityReport.Status.PASSED);
    assertThat(second.hasErrors()).isFalse();
    // In the check's own terms: the previous date's value, this run's, and the change.
    assertThat(results.get("row-count-change").outcome().message()).isEqualTo("previous run date 2026-11-22: 100; now 125 (+25.0%)");
    assertThat(results.get("null-rate-change(share)").outcome().value().orElseThrow()).isCloseTo(0.04, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(results.get("null-rate-change(share)").outcome().message()).startsWith("previous run date 2026-11-22: 0; now 0.04").endsWith("(+4.00 points)");

    // Week 3 against week 2 (not week 1): 125 -> 60 rows (-52%), null rate 4% -> 20%: an error.
    QualityReport third = suite.run(session(), customers(60, 12), "program", "p", "extract", "week 3", DAY.plusDays(14));
    results = byId(third);
    assertThat(results.get("row-count-change").outcome().status()).isEqualTo(QualityReport.Status.FAILED);
    assertThat(results.get("null-rate-change(share)").outcome().status()).isEqualTo(QualityReport.Status.FAILED);
    assertThat(third.hasErrors()).isTrue();

    // Week 3 failed an error check: it is not history. Week 4 (130 rows, 5 null shares) compares with
    // week 2 (125 rows, +4%); had week 3 (60 rows, 12 null) been history, +117% and a null rate down
    // by 16 points would fail.
    QualityReport week4 = suite.run(session(), customers(130, 5), "program", "p", "extract", "week 4", DAY.plusDays(21));
    assertThat(week4.results()).allMatch(result -> result.outcome().status() == QualityReport.Status.PASSED);

    // A rerun of week 3 with good data compares with week 2 too.
    QualityReport rerun = suite.run(session(), customers(125, 5), "program", "p", "extract", "week 3 again", DAY.plusDays(14));
    assertThat(rerun.results()).allMatch(result -> result.outcome().status() == QualityReport.Status.PASSED);


    // A backfill of week 1's date sees no earlier date: skipped, even though later dates exist.
    QualityReport backfill = suite.run(session(), customers(10, 5), "program", "p", "extract", "week 1 backfill", DAY);
    assertThat(backfill.results()).allMatch(result -> result.outcome().status() == QualityReport.Status.SKIPPED);

    // Another dataset of the program has a history of its own.
    QualityReport training = suite.run(session(), customers(10, 5), "program", "p", "training", "training rows", DAY.plusDays(28));
    assertThat(training.results()).allMatch(result -> result.outcome().status() == QualityReport.Status.SKIPPED);
  }

  @Test
  void badSuitesAreRefusedNamingTheirConfigPath() {
    assertThatThrownBy(() -> suite("checks = [{ level = error, type = uniqe, columns = [a] }]"))
        .hasMessageContaining("validation.checks[0].type").hasMessageContaining("did you mean unique?");
    assertThatThrownBy(() -> suite("checks = [{ level = fatal, type = row-count, min = 1 }]"))
        .hasMessageContaining("validation.checks[0].level").hasMessageContaining("must be error or warning");
    assertThatThrownBy(() -> suite("checks = [{ level = error, type = row-count }]"))
        .hasMessageContaining("needs min, max or both");
    assertThatThrownBy(() -> suite("checks = [{ level = error, type = range, column = a, min = 2, max = 1 }]"))
        .hasMessageContaining("is below min");
    assertThatThrownBy(() -> suite("checks = [{ level = warning, type = row-count-change, max-relative-change = 0.2 }]"))
        .hasMessageContaining("validation.repository").hasMessageContaining("needs the metrics repository");
    assertThatThrownBy(() -> suite("checks = [{ level = error, type = row-count, min = 1 }, { level = error, type = row-count, max = 9 }]"))
        .hasMessageContaining("two checks are called 'row-count'");
    assertThatThrownBy(() -> suite("checks = [{ level = error, type = complete, columns = [missing] }]")
        .run(session(), customers(2, 0), "program", "p", "extract", "test rows", DAY))
        .hasMessageContaining("check complete(missing) names column missing");
  }
}
