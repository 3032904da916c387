package com.targeting.core.transform;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How old a lookup table may be: an enrichment's {@code freshness { column = as_of_date,
 * max-age-days = N }}. The newest value of {@code column} (read as a date) on or before the run
 * date must be at most N days before it; otherwise the run fails as a data error before it
 * writes anything, naming the enrichment, the newest date found and the limit. A scheduler that
 * runs the program on yesterday's market data is fine; one that runs it on last month's because a
 * refresh stopped is not. Rows dated after the run date do not count: the enrichment ignores them.
 */
public record Freshness(String column, int maxAgeDays, LocalDate runDate) {
  private static final Logger LOG = LoggerFactory.getLogger(Freshness.class);

  public Freshness {
    requireNonNull(column, "column is null");
    requireNonNull(runDate, "runDate is null");
    if (maxAgeDays < 0) {
      throw new IllegalArgumentException("maxAgeDays must be at least 0, was " + maxAgeDays);
    }
  }

  public static Freshness from(ConfigNode node, LocalDate runDate) {
    int maxAge = node.integer("max-age-days");
    if (maxAge < 0) {
      throw node.invalid("max-age-days", "must be at least 0, was " + maxAge);
    }
    return new Freshness(node.string("column"), maxAge, runDate);
  }

  /**
   * Checks the table (one aggregation, one row back) and returns the newest date on or before the
   * run date.
   *
   * @param enrichment the enrichment's id, for the message
   * @param source where the table was read from, for the message
   */
  public LocalDate check(Dataset<Row> table, String enrichment, String source) {
    if (java.util.Arrays.stream(table.columns()).noneMatch(column::equalsIgnoreCase)) {
      throw TargetingException.userError("Enrichment %s: freshness.column %s is not a column of %s (it has %s)",
          enrichment, column, source, java.util.Arrays.toString(table.columns()));
    }
    Column date = col("`" + column + "`").cast("date");
    Row newest = table.where(date.leq(lit(runDate.toString()).cast("date"))).agg(max(date)).first();
    if (newest.isNullAt(0)) {
      throw TargetingException.userError("Enrichment %s is stale: %s has no %s on or before the run date %s (freshness.max-age-days = %d)",
          enrichment, source, column, runDate, maxAgeDays);
    }
    // java.sql.Date, or LocalDate where spark.sql.datetime.java8API.enabled is set
    Object value = newest.get(0);
    LocalDate found = value instanceof LocalDate local ? local : ((java.sql.Date) value).toLocalDate();
    long age = ChronoUnit.DAYS.between(found, runDate);
    if (age > maxAgeDays) {
      throw TargetingException.userError(
          "Enrichment %s is stale: the newest %s on or before the run date %s is %s, %d days old; freshness.max-age-days = %d",
          enrichment, column, runDate, found, age, maxAgeDays);
    }
    LOG.info("Enrichment {}: newest {} on or before {} is {} ({} days old, at most {})", enrichment, column, runDate, found, age,
        maxAgeDays);
    return found;
  }
}
