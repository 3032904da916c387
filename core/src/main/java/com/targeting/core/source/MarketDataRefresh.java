package com.targeting.core.source;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import com.targeting.core.validate.Contract;
import com.targeting.core.validate.ContractValidator;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daily market data refresh (seed 000, 7:45 AM "Market Data Refresh: update market
 * conditions, refresh sector performance"): reads the vendor extract, checks it against its
 * contract and replaces the snapshots of a range of dates (by default the run date alone) in the
 * Delta table the investment program's {@code market-data} enrichment reads, keyed by
 * {@code marketplace} and {@code as_of_date} and partitioned by {@code as_of_date}.
 *
 * <p>Rows whose {@code as_of_date} lies outside the range are counted and left alone; rows in it
 * that break the contract (a rule, an unparseable value, a second row for the same marketplace and
 * date: every copy, since which one is right is not ours to guess) are written to the quarantine
 * table with {@code quarantine_rule} and {@code quarantine_reason}, partition {@code dt=<run
 * date>}. The refresh fails before writing anything (user error) when the quarantined share passes
 * {@code contract.max-quarantined-fraction} or no row is left for the run date, so that a broken
 * extract never replaces a good snapshot with nothing. Rerunning a date gives the same table.
 */
public final class MarketDataRefresh {
  private static final Logger LOG = LoggerFactory.getLogger(MarketDataRefresh.class);

  public static final String MARKETPLACE = "marketplace";
  public static final String AS_OF_DATE = "as_of_date";
  public static final String DUPLICATE_KEY = "duplicate-key";
  /** The quarantine table's partition: the refresh's run date. */
  static final String QUARANTINE_DATE = "dt";
  private static final String SCOPE = "__scope";
  private static final String OUTSIDE = "outside";
  private static final String QUARANTINED = "quarantined";
  private static final String LOADED = "loaded";

  /** {@code market-data} in config. */
  public record Settings(SourceConfig extract, String table, String quarantine, Contract contract, List<String> marketplaces) {
    public Settings {
      requireNonNull(extract, "extract is null");
      requireNonNull(table, "table is null");
      requireNonNull(quarantine, "quarantine is null");
      requireNonNull(contract, "contract is null");
      marketplaces = List.copyOf(marketplaces);
      for (String column : List.of(MARKETPLACE, AS_OF_DATE)) {
        if (!contract.columns().containsKey(column)) {
          throw new IllegalArgumentException("the market data contract must list " + column);
        }
      }
    }

    /** Rules may use {@code :run_date} and {@code :marketplaces}. */
    public static Settings from(ConfigNode node, LocalDate runDate) {
      List<String> marketplaces = node.strings("marketplaces");
      Map<String, Object> parameters = new LinkedHashMap<>();
      parameters.put("run_date", runDate);
      parameters.put("marketplaces", marketplaces);
      Contract contract = Contract.withoutKey(node.node("contract"), parameters);
      for (String column : List.of(MARKETPLACE, AS_OF_DATE)) {
        if (!contract.columns().containsKey(column)) {
          throw node.invalid("contract.columns", "must list " + column + " (the snapshot's key)");
        }
      }
      if (!contract.columns().get(AS_OF_DATE).equals(org.apache.spark.sql.types.DataTypes.DateType)) {
        throw node.invalid("contract.columns." + AS_OF_DATE, "must be date");
      }
      return new Settings(SourceConfig.from(node.node("extract")), node.string("table"), node.string("quarantine"),
          contract, marketplaces);
    }
  }

  /** What a refresh did, for the job summary. */
  public record Result(
      LocalDate runDate,
      LocalDate fromDate,
      long extractRows,
      long outsideDates,
      long loadedRows,
      long quarantinedRows,
      Map<String, Long> quarantinedByRule,
      List<String> runDateMarketplaces,
      List<String> missingMarketplaces,
      long tableRows) {

    public Result {
      quarantinedByRule = java.util.Collections.unmodifiableMap(new TreeMap<>(quarantinedByRule));
      runDateMarketplaces = List.copyOf(runDateMarketplaces);
      missingMarketplaces = List.copyOf(missingMarketplaces);
    }

    public Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("run_date", runDate.toString());
      json.put("from_date", fromDate.toString());
      json.put("extract_rows", extractRows);
      json.put("outside_dates_rows", outsideDates);
      json.put("loaded_rows", loadedRows);
      json.put("quarantined_rows", quarantinedRows);
      json.put("quarantined_by_rule", quarantinedByRule);
      json.put("run_date_marketplaces", runDateMarketplaces);
      json.put("missing_marketplaces", missingMarketplaces);
      json.put("table_rows_for_dates", tableRows);
      return json;
    }
  }

  private final SparkSession spark;
  private final Settings settings;
  private final LocalDate fromDate;
  private final LocalDate runDate;

  private MarketDataRefresh(SparkSession spark, Settings settings, LocalDate fromDate, LocalDate runDate) {
    this.spark = requireNonNull(spark, "spark is null");
    this.settings = requireNonNull(settings, "settings is null");
    this.fromDate = requireNonNull(fromDate, "fromDate is null");
    this.runDate = requireNonNull(runDate, "runDate is null");
    if (fromDate.isAfter(runDate)) {
      throw TargetingException.userError("Market data refresh: from date %s is after the run date %s", fromDate, runDate);
    }
  }

  /** Replaces the snapshots of {@code fromDate..runDate} (both included) with the extract's valid rows of those dates. */
  public static Result run(SparkSession spark, Settings settings, LocalDate fromDate, LocalDate runDate) {
    return new MarketDataRefresh(spark, settings, fromDate, runDate).execute();
  }

  private Result execute() {
    ReaderSource source = ReaderSource.of(settings.extract());
    Dataset<Row> validated = ContractValidator.validate(source.readForContract(spark), settings.contract(), source.describe());
    // Read by the counts and both writes: cache, so the extract is read once.
    Dataset<Row> classified = classify(validated).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Counts counts = tally(classified);
      LOG.info("Market data extract {}: {} rows, {} outside {}..{}, {} quarantined {}, {} to load",
          source.describe(), counts.total(), counts.outside(), fromDate, runDate, counts.quarantined(), counts.byRule(), counts.loaded());
      long inScope = counts.total() - counts.outside();
      double fraction = inScope == 0 ? 0 : (double) counts.quarantined() / inScope;
      if (fraction > settings.contract().maxQuarantinedFraction()) {
        throw TargetingException.userError(
            "Market data extract %s: %d of %d rows of %s..%s break the contract (%s), more than contract.max-quarantined-fraction = %s; "
                + "nothing was written",
            source.describe(), counts.quarantined(), inScope, fromDate, runDate, counts.byRule(), settings.contract().maxQuarantinedFraction());
      }
      if (counts.runDateMarketplaces().isEmpty()) {
        throw TargetingException.userError(
            "Market data extract %s has no valid row for %s (%d rows: %d of other dates, %d quarantined %s); the snapshot was not replaced",
            source.describe(), runDate, counts.total(), counts.outside(), counts.quarantined(), counts.byRule());
      }
      List<String> missing = settings.marketplaces().stream().filter(m -> !counts.runDateMarketplaces().contains(m)).toList();
      if (!missing.isEmpty()) {
        LOG.warn("Market data for {} has no valid row for marketplaces {}: their previous snapshots stay in use", runDate, missing);
      }
      writeQuarantine(classified.where(col(SCOPE).equalTo(QUARANTINED)));
      long tableRows = writeSnapshots(classified.where(col(SCOPE).equalTo(LOADED)));
      if (tableRows != counts.loaded()) {
        throw TargetingException.internal("Market data table %s holds %d rows for %s..%s after writing %d",
            settings.table(), tableRows, fromDate, runDate, counts.loaded());
      }
      return new Result(runDate, fromDate, counts.total(), counts.outside(), counts.loaded(), counts.quarantined(),
          counts.byRule(), counts.runDateMarketplaces(), missing, tableRows);
    } finally {
      classified.unpersist();
    }
  }

  /**
   * Adds the scope of each row: outside the dates, quarantined (by the contract, or as a copy of a
   * marketplace and date that has several rows), or to load.
   */
  private Dataset<Row> classify(Dataset<Row> validated) {
    Column date = col(AS_OF_DATE);
    Column inRange = date.between(lit(fromDate.toString()).cast("date"), lit(runDate.toString()).cast("date"));
    // A row without a usable date cannot be placed outside the range: it is this refresh's to quarantine.
    Column outside = date.isNotNull().and(not(inRange));
    Column copies = count(lit(1)).over(Window.partitionBy(col(MARKETPLACE), date));
    Column duplicate = not(outside).and(col(QUARANTINE_RULE).isNull())
        .and(col(MARKETPLACE).isNotNull()).and(date.isNotNull()).and(copies.gt(1));
    return validated
        .withColumn(QUARANTINE_REASON, when(duplicate,
            concat(lit("duplicate marketplace and as_of_date ("), copies.cast("string"), lit(" rows)"))).otherwise(col(QUARANTINE_REASON)))
        .withColumn(QUARANTINE_RULE, when(duplicate, lit(DUPLICATE_KEY)).otherwise(col(QUARANTINE_RULE)))
        .withColumn(SCOPE, when(outside, lit(OUTSIDE))
            .when(col(QUARANTINE_RULE).isNotNull(), lit(QUARANTINED))
            .otherwise(lit(LOADED)));
  }

  /** The figures of the refresh, in one aggregation (bounded: scopes x rules x marketplaces of the run date). */
  private Counts tally(Dataset<Row> classified) {
    Column runDateMarketplace = when(col(SCOPE).equalTo(LOADED).and(col(AS_OF_DATE).equalTo(lit(runDate.toString()).cast("date"))),
        col(MARKETPLACE));
    Row[] groups = (Row[]) classified.groupBy(col(SCOPE), col(QUARANTINE_RULE), runDateMarketplace.as("m"))
        .agg(count(lit(1)).as("rows")).collect();
    long total = 0;
    long outside = 0;
    long quarantined = 0;
    long loaded = 0;
    Map<String, Long> byRule = new TreeMap<>();
    TreeSet<String> marketplaces = new TreeSet<>();
    for (Row group : groups) {
      long rows = group.getLong(3);
      total += rows;
      switch (group.getString(0)) {
        case OUTSIDE -> outside += rows;
        case QUARANTINED -> {
          quarantined += rows;
          byRule.merge(group.getString(1), rows, Long::sum);
        }
        case LOADED -> {
          loaded += rows;
          if (!group.isNullAt(2)) {
            marketplaces.add(group.getString(2));
          }
        }
        default -> throw TargetingException.internal("Unknown market data scope %s", group.getString(0));
      }
    }
    return new Counts(total, outside, quarantined, loaded, byRule, List.copyOf(marketplaces));
  }

  private record Counts(long total, long outside, long quarantined, long loaded, Map<String, Long> byRule,
      List<String> runDateMarketplaces) {}

  /** The run date's quarantine partition, replaced in one Delta commit (emptied when nothing broke the contract). */
  private void writeQuarantine(Dataset<Row> quarantined) {
    String partition = QUARANTINE_DATE + " = '" + runDate + "'";
    quarantined.drop(SCOPE)
        .withColumn(QUARANTINE_DATE, lit(runDate.toString()))
        .write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .option("replaceWhere", partition)
        .partitionBy(QUARANTINE_DATE)
        .save(settings.quarantine());
  }

  /** The dates' snapshots, replaced in one Delta commit; returns the rows the table then holds for them. */
  private long writeSnapshots(Dataset<Row> loaded) {
    List<Column> columns = new ArrayList<>();
    for (String column : settings.contract().columns().keySet()) {
      columns.add(col("`" + column + "`"));
    }
    writeSnapshots(loaded.select(columns.toArray(Column[]::new)), settings.table(), fromDate, runDate);
    return spark.read().format("delta").load(settings.table()).where(dates(fromDate, runDate)).count();
  }

  private static String dates(LocalDate fromDate, LocalDate toDate) {
    return AS_OF_DATE + " >= " + SqlTemplate.literal(fromDate) + " AND " + AS_OF_DATE + " <= " + SqlTemplate.literal(toDate);
  }

  /**
   * Writes snapshots that are valid by construction (the sample-data generator's) as the refresh
   * would, replacing {@code fromDate..toDate}: the enrichment reads one table layout, whoever wrote it.
   */
  public static void writeSnapshots(Dataset<Row> snapshots, String table, LocalDate fromDate, LocalDate toDate) {
    snapshots.withColumn(AS_OF_DATE, col(AS_OF_DATE).cast("date"))
        .write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .option("replaceWhere", dates(fromDate, toDate))
        .partitionBy(AS_OF_DATE)
        .save(table);
  }
}
