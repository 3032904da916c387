package com.targeting.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.report.DailyMetrics;
import com.targeting.core.sink.dynamodb.DynamoDbTtlCheck;
import com.targeting.core.source.MarketDataRefresh;
import com.targeting.core.uplift.UpliftSpec;
import com.targeting.core.validate.Contract;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.DataTypes;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trino's config-test habit (airlift's {@code assertRecordedDefaults} and {@code assertFullMapping})
 * for {@code reference.conf}: {@link #KEYS} lists every leaf of the file with its default as the
 * code reads it, a value that is not the default, that value as read, and the reader. A key added to
 * reference.conf without a row, a row whose key is gone, a default that changed, and a key read
 * under another name (setting it then changes nothing) all fail here.
 *
 * <p>Keys read only by the jobs module ({@link Kind#JOB}) are checked here as HOCON values, and as
 * read by {@code com.targeting.jobs.ReferenceConfJobsTest}.
 */
public class ReferenceConfTest {
  /** How a key is read, and so how setting it is checked. */
  public enum Kind {
    /** Read by a core class: every such key is set at once to its other value ({@link #everyKeySetToAnotherValueIsReadAsThatValue}). */
    READ,
    /** Read only through {@code ${path}} substitutions (the keys built on it are set too in the full config): set alone. */
    SUBSTITUTED,
    /** Has one valid value: set alone to another, which is refused with the message in {@code overridden}. */
    ONLY_VALUE,
    /** Read only by the jobs module (checked there, as read); here as the HOCON value. */
    JOB
  }

  /**
   * One leaf of reference.conf.
   *
   * @param path the HOCON path, as typesafe-config's {@code entrySet} spells it
   * @param defaultValue the value as read with nothing set
   * @param override a HOCON value that is not the default
   * @param overridden {@code override} as read (for {@link Kind#ONLY_VALUE}: the refusal's message)
   * @param read how the code reads it (null for {@link Kind#JOB})
   */
  public record Key(String path, Kind kind, Object defaultValue, String override, Object overridden, Function<Read, Object> read) {}

  private static final LocalDate RUN_DATE = LocalDate.of(2026, 11, 20);

  /** reference.conf: path, default as read, another value (HOCON), that value as read, how it is read. */
  public static final List<Key> KEYS = List.of(
      substituted("paths.root", "target/targeting", "\"/elsewhere\"", "/elsewhere",
          r -> withoutSuffix(r.model().registry(), "/models")),
      substituted("paths.data", "target/targeting/data", "\"/elsewhere/d\"", "/elsewhere/d",
          r -> withoutSuffix(r.marketData().table(), "/investment-recommendations/market_data")),
      substituted("paths.models", "target/targeting/models", "\"/elsewhere/m\"", "/elsewhere/m", r -> r.model().registry()),
      substituted("paths.output", "target/targeting/output", "\"/elsewhere/o\"", "/elsewhere/o",
          r -> withoutSuffix(r.dailyMetrics().summaries(), "/summaries")),

      job("spark.app-name", "targeting", "\"other\"", "other"),
      job("spark.settings.\"spark.sql.adaptive.enabled\"", "true", "false", "false"),
      job("spark.settings.\"spark.sql.session.timeZone\"", "UTC", "\"Europe/Paris\"", "Europe/Paris"),
      job("spark.settings.\"spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs\"", "false", "true", "true"),
      job("spark.settings.\"spark.sql.parquet.compression.codec\"", "snappy", "zstd", "zstd"),
      job("spark.settings.\"spark.databricks.delta.snapshotPartitions\"", "4", "50", "50"),
      job("spark.settings.\"spark.sql.constraintPropagation.enabled\"", "false", "true", "true"),

      read("publishing.lock-timeout", Duration.ofMinutes(10), "20m", Duration.ofMinutes(20),
          r -> r.program().outputs().publishing().lock().timeout()),
      read("publishing.lock-heartbeat", Duration.ofSeconds(30), "45s", Duration.ofSeconds(45),
          r -> r.program().outputs().publishing().lock().heartbeat()),
      read("publishing.max-attempts", 5, "9", 9, r -> r.program().outputs().publishing().maxAttempts()),

      read("contract-defaults.date-range.min", LocalDate.of(1900, 1, 1), "\"1950-06-01\"", LocalDate.of(1950, 6, 1),
          r -> r.program().contract().limits().minDate()),
      read("contract-defaults.date-range.max", LocalDate.of(2199, 12, 31), "\"2100-01-01\"", LocalDate.of(2100, 1, 1),
          r -> r.program().contract().limits().maxDate()),
      read("contract-defaults.serving-key.max-bytes", 1024, "512", 512,
          r -> r.program().contract().limits().servingKey().orElseThrow().maxBytes()),
      read("contract-defaults.serving-key.forbidden-characters", "#", "\"|\"", "|",
          r -> r.program().contract().limits().servingKey().orElseThrow().forbiddenCharacters()),

      read("model-defaults.registry", "target/targeting/models", "\"/registry\"", "/registry", r -> r.model().registry()),
      read("model-defaults.promotion.margin", 0.0, "0.01", 0.01, r -> r.model().promotion().margin()),
      read("model-defaults.calibration", ModelSpec.Calibration.NONE, "platt", ModelSpec.Calibration.PLATT,
          r -> r.model().calibration()),
      read("model-defaults.reason-codes", 0, "3", 3, r -> r.model().reasonCodes()),
      read("model-defaults.categorical-encoding", com.targeting.core.model.CategoricalEncoding.INDEX, "one-hot",
          com.targeting.core.model.CategoricalEncoding.ONE_HOT, r -> r.model().categoricalEncoding()),
      read("model-defaults.xgboost.num-round", 100, "250", 250, r -> r.model().xgboost().get("num_round")),
      read("model-defaults.xgboost.max-depth", 4, "6", 6, r -> r.model().xgboost().get("max_depth")),
      read("model-defaults.xgboost.eta", 0.1, "0.3", 0.3, r -> r.model().xgboost().get("eta")),
      read("model-defaults.xgboost.num-workers", 1, "3", 3, r -> r.model().xgboost().get("num_workers")),
      read("model-defaults.xgboost.nthread", 1, "2", 2, r -> r.model().xgboost().get("nthread")),

      read("program.source.min-rows", 1L, "7", 7L, r -> r.program().source().minRows()),

      read("run.max-days-ahead", 7L, "14", 14L, r -> r.window().maxDaysAhead()),
      read("run.max-days-back", 3650L, "400", 400L, r -> r.window().maxDaysBack()),

      job("bootstrap.enabled", false, "true", true),
      job("bootstrap.rows", 150_000L, "1000", 1000L),
      job("bootstrap.history-rows", 30_000L, "500", 500L),
      job("bootstrap.seed", 20261120L, "7", 7L),

      read("daily-metrics.summaries", "target/targeting/output/summaries", "\"/dm/summaries\"", "/dm/summaries",
          r -> r.dailyMetrics().summaries()),
      read("daily-metrics.output", "target/targeting/output/daily-metrics", "\"/dm/out\"", "/dm/out", r -> r.dailyMetrics().output()),
      read("daily-metrics.namespace", "Targeting", "Other", "Other", r -> r.dailyMetrics().namespace()),
      read("daily-metrics.programs", List.of("investment-recommendations", "loan-offer-targeting", "promotion-uplift",
          "engagement-prediction"),
          "[loan-offer-targeting]", List.of("loan-offer-targeting"),
          r -> r.dailyMetrics().programs().stream().map(DailyMetrics.ExpectedProgram::program).toList()),

      read("market-data.extract.format", "csv", "parquet", "parquet", r -> r.marketData().extract().format()),
      read("market-data.extract.path", Optional.of("target/targeting/data/investment-recommendations/market_data_extract"),
          "\"/md/extract\"", Optional.of("/md/extract"), r -> r.marketData().extract().path()),
      read("market-data.extract.options.header", "true", "\"false\"", "false",
          r -> r.marketData().extract().options().get("header")),
      read("market-data.table", "target/targeting/data/investment-recommendations/market_data", "\"/md/table\"", "/md/table",
          r -> r.marketData().table()),
      read("market-data.quarantine", "target/targeting/output/market-data-quarantine", "\"/md/quarantine\"", "/md/quarantine",
          r -> r.marketData().quarantine()),
      read("market-data.contract.columns.marketplace", DataTypes.StringType, "binary", DataTypes.BinaryType,
          r -> r.marketData().contract().columns().get("marketplace")),
      only("market-data.contract.columns.as_of_date", DataTypes.DateType, "timestamp",
          "market-data.contract.columns.as_of_date: must be date", r -> r.marketData().contract().columns().get("as_of_date")),
      read("market-data.contract.columns.market_conditions", DataTypes.StringType, "int", DataTypes.IntegerType,
          r -> r.marketData().contract().columns().get("market_conditions")),
      read("market-data.contract.columns.sector_performance", DataTypes.DoubleType, "float", DataTypes.FloatType,
          r -> r.marketData().contract().columns().get("sector_performance")),
      read("market-data.contract.columns.volatility_index", DataTypes.DoubleType, "\"decimal(6,2)\"", DataTypes.createDecimalType(6, 2),
          r -> r.marketData().contract().columns().get("volatility_index")),
      read("market-data.contract.rules",
          List.of("missing-marketplace: missing marketplace",
              "unknown-marketplace: marketplace is not one of market-data.marketplaces",
              "missing-as-of-date: missing as_of_date",
              "unknown-market-conditions: market_conditions is not bullish, neutral or bearish",
              "volatility-out-of-range: volatility_index missing or outside 5-100"),
          "[{ id = blank-marketplace, when = \"marketplace = ''\", reason = \"blank marketplace\" }]",
          List.of("blank-marketplace: blank marketplace"),
          r -> r.marketData().contract().rules().stream().map(rule -> rule.id() + ": " + rule.reason()).toList()),
      read("market-data.contract.max-quarantined-fraction", 0.2, "0.3", 0.3, r -> r.marketData().contract().maxQuarantinedFraction()),
      read("market-data.contract.date-range.min", LocalDate.of(1900, 1, 1), "\"2000-01-01\"", LocalDate.of(2000, 1, 1),
          r -> r.marketData().contract().limits().minDate()),
      read("market-data.contract.date-range.max", LocalDate.of(2199, 12, 31), "\"2099-12-31\"", LocalDate.of(2099, 12, 31),
          r -> r.marketData().contract().limits().maxDate()),
      read("market-data.marketplaces", List.of("US", "UK", "DE", "FR", "JP", "AU"), "[US, CA]", List.of("US", "CA"),
          r -> r.marketData().marketplaces()),

      read("dynamodb-ttl-check.grace-hours", 48, "24", 24, r -> r.ttlCheck().graceHours()),
      read("dynamodb-ttl-check.segments", 4, "2", 2, r -> r.ttlCheck().segments()),
      read("dynamodb-ttl-check.read-budget", 100.0, "50", 50.0, r -> r.ttlCheck().readBudget()),
      read("dynamodb-ttl-check.page-size", 1000, "200", 200, r -> r.ttlCheck().pageSize()),
      read("dynamodb-ttl-check.sample", 5, "2", 2, r -> r.ttlCheck().sample()),
      read("dynamodb-ttl-check.max-attempts", 8, "3", 3, r -> r.ttlCheck().maxAttempts()));

  /**
   * The least program that makes every reader of reference.conf read: one model and one uplift model
   * (model-defaults), a keyed contract (contract-defaults), and a switched-off DynamoDB output whose
   * table the TTL check reads.
   */
  private static final String PROGRAM = """
      program {
        id = conf-test
        key = customer_id
        source { format = parquet, path = "in/extract" }
        contract { columns { customer_id = string }, max-quarantined-fraction = 0.1 }
        models = [{ id = churn, objective = binary, label.column = churned, features.numeric = [income] }]
        uplift-models = [{
          id = lift, data.train = "in/campaign", features.numeric = [income], outcome.column = visit
          treatment { column = arm, treated = t, control = c }
        }]
        outputs {
          candidates = "out/candidates", rejections = "out/rejections", quarantine = "out/quarantine", summaries = "out/summaries"
          dynamodb { enabled = false, ttl-attribute = expires_at, batch-write { table = serving, write-budget = 10 } }
        }
      }
      """;

  @TempDir
  Path temp;

  /**
   * The typed objects the code reads reference.conf into, each read as its job reads it (and with the
   * job's check that nothing set under its section went unread).
   */
  public record Read(ProgramConfig program, RunWindow window, DailyMetrics.Settings dailyMetrics,
      MarketDataRefresh.Settings marketData, DynamoDbTtlCheck.Settings ttlCheck) {
    static Read of(Config config) {
      ProgramConfig program = ProgramConfig.from(config);
      ConfigNode root = ConfigNode.root(config);
      DailyMetrics.Settings dailyMetrics = DailyMetrics.Settings.from(root.node("daily-metrics"), id -> Optional.empty());
      MarketDataRefresh.Settings marketData = MarketDataRefresh.Settings.from(root.node("market-data"), RUN_DATE);
      DynamoDbTtlCheck.Settings ttlCheck = DynamoDbTtlCheck.Settings.from(root.node("program").node("outputs.dynamodb"),
          root.node("dynamodb-ttl-check"), program.id());
      root.refuseUnread(List.of("daily-metrics", "market-data", "dynamodb-ttl-check"));
      return new Read(program, RunWindow.from(config), dailyMetrics, marketData, ttlCheck);
    }

    ModelSpec model() {
      return program.models().get(0);
    }

    UpliftSpec uplift() {
      return program.upliftModels().get(0);
    }
  }

  @Test
  void everyLeafOfReferenceConfIsListedOnceAndNothingElse() {
    List<String> listed = KEYS.stream().map(Key::path).toList();
    Set<String> leaves = referenceLeaves();
    Set<String> unlisted = new TreeSet<>(leaves);
    unlisted.removeAll(listed);
    Set<String> gone = new TreeSet<>(listed);
    gone.removeAll(leaves);

    assertThat(listed).doesNotHaveDuplicates();
    assertThat(unlisted).as("keys of reference.conf without a row in KEYS").isEmpty();
    assertThat(gone).as("rows of KEYS whose key is not in reference.conf").isEmpty();
  }

  @Test
  void everyDefaultIsReadAsListed() throws IOException {
    Config config = load("");
    Read defaults = Read.of(config);
    SoftAssertions softly = new SoftAssertions();
    for (Key key : KEYS) {
      if (key.kind() == Kind.JOB) {
        softly.assertThat(String.valueOf(config.getAnyRef(key.path()))).as(key.path()).isEqualTo(String.valueOf(key.defaultValue()));
      } else {
        softly.assertThat(key.read().apply(defaults)).as(key.path()).isEqualTo(key.defaultValue());
      }
    }
    softly.assertAll();
  }

  @Test
  void everyKeySetToAnotherValueIsReadAsThatValue() throws IOException {
    // Every key at once, so that two keys read into one field, or one key read twice, show too.
    List<Key> settable = KEYS.stream().filter(key -> key.kind() != Kind.ONLY_VALUE).toList();
    Config config = load(settable.stream().map(key -> key.path() + " = " + key.override()).collect(Collectors.joining("\n")));
    Read full = Read.of(config);
    SoftAssertions softly = new SoftAssertions();
    for (Key key : settable) {
      softly.assertThat(key.overridden()).as(key.path() + ": the other value is not the default").isNotEqualTo(key.defaultValue());
      switch (key.kind()) {
        case READ -> softly.assertThat(key.read().apply(full)).as(key.path()).isEqualTo(key.overridden());
        case JOB -> softly.assertThat(String.valueOf(config.getAnyRef(key.path()))).as(key.path())
            .isEqualTo(String.valueOf(key.overridden()));
        default -> { } // SUBSTITUTED: what is built on it is set here too; see the next test
      }
    }
    softly.assertAll();
  }

  @Test
  void aKeyReadThroughSubstitutionsMovesWhatIsBuiltOnIt() throws IOException {
    SoftAssertions softly = new SoftAssertions();
    for (Key key : KEYS) {
      if (key.kind() == Kind.SUBSTITUTED) {
        Read alone = Read.of(load(key.path() + " = " + key.override()));
        softly.assertThat(key.read().apply(alone)).as(key.path()).isEqualTo(key.overridden());
      }
    }
    softly.assertAll();
  }

  @Test
  void aKeyWithOneValidValueRefusesAnyOther() throws IOException {
    for (Key key : KEYS) {
      if (key.kind() == Kind.ONLY_VALUE) {
        Config config = load(key.path() + " = " + key.override());
        assertThatThrownBy(() -> Read.of(config)).as(key.path())
            .isInstanceOf(TargetingException.class)
            .hasMessageContaining((String) key.overridden());
      }
    }
  }

  @Test
  void upliftModelsReadTheSameModelDefaultsAsModels() throws IOException {
    String all = KEYS.stream().filter(key -> key.path().startsWith("model-defaults."))
        .map(key -> key.path() + " = " + key.override()).collect(Collectors.joining("\n"));
    for (Read read : List.of(Read.of(load("")), Read.of(load(all)))) {
      assertThat(read.uplift().registry()).isEqualTo(read.model().registry());
      assertThat(read.uplift().promotionMargin()).isEqualTo(read.model().promotion().margin());
      assertThat(read.uplift().categoricalEncoding()).isEqualTo(read.model().categoricalEncoding());
      // Plus the uplift models' own max_bin default (UpliftSpec.DEFAULT_MAX_BIN), which model-defaults does not set.
      assertThat(read.uplift().xgboost()).containsAllEntriesOf(read.model().xgboost())
          .containsEntry("max_bin", com.targeting.core.uplift.UpliftSpec.DEFAULT_MAX_BIN)
          .hasSize(read.model().xgboost().size() + 1);
    }
  }

  @Test
  void contractsBuiltInCodeUseTheDefaultDateRange() throws IOException {
    Contract.Limits programDefaults = Read.of(load("")).program().contract().limits();

    assertThat(Contract.Limits.DEFAULT.minDate()).isEqualTo(programDefaults.minDate());
    assertThat(Contract.Limits.DEFAULT.maxDate()).isEqualTo(programDefaults.maxDate());
  }

  /** The program, then {@code settings}, over reference.conf, loaded as a job loads its files. */
  private Config load(String settings) throws IOException {
    Path file = Files.createTempFile(temp, "conf-test", ".conf");
    Files.writeString(file, PROGRAM + settings + "\n");
    return ConfigLoader.load(List.of(file.toString()), List.of("run.date=\"" + RUN_DATE + "\""));
  }

  /** The leaves of core's own reference.conf (not another library's on the class path). */
  private static Set<String> referenceLeaves() {
    String classes = ConfigLoader.class.getProtectionDomain().getCodeSource().getLocation().toString();
    try {
      List<URL> ours = new ArrayList<>();
      for (URL url : Collections.list(ConfigLoader.class.getClassLoader().getResources("reference.conf"))) {
        if (url.toString().replaceFirst("^jar:", "").startsWith(classes)) {
          ours.add(url);
        }
      }
      assertThat(ours).as("core's reference.conf under " + classes).hasSize(1);
      return new TreeSet<>(ConfigFactory.parseURL(ours.get(0)).resolve().entrySet().stream().map(e -> e.getKey()).toList());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String withoutSuffix(String value, String suffix) {
    assertThat(value).endsWith(suffix);
    return value.substring(0, value.length() - suffix.length());
  }

  private static Key read(String path, Object defaultValue, String override, Object overridden, Function<Read, Object> read) {
    return new Key(path, Kind.READ, defaultValue, override, overridden, read);
  }

  private static Key substituted(String path, Object defaultValue, String override, Object overridden, Function<Read, Object> read) {
    return new Key(path, Kind.SUBSTITUTED, defaultValue, override, overridden, read);
  }

  private static Key only(String path, Object defaultValue, String override, String refusal, Function<Read, Object> read) {
    return new Key(path, Kind.ONLY_VALUE, defaultValue, override, refusal, read);
  }

  private static Key job(String path, Object defaultValue, String override, Object overridden) {
    return new Key(path, Kind.JOB, defaultValue, override, overridden, null);
  }
}
