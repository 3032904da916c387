package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.config.ConfigLoader;
import com.targeting.core.config.ReferenceConfTest;
import com.targeting.core.config.ReferenceConfTest.Key;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys of reference.conf that only the jobs read ({@link ReferenceConfTest.Kind#JOB} rows of
 * {@link ReferenceConfTest#KEYS}: their defaults and other values are listed there), read as the
 * jobs read them.
 */
class ReferenceConfJobsTest {
  /** How each job key is read. */
  private static final Map<String, Function<Config, Object>> READS = Map.ofEntries(
      Map.entry("spark.app-name", config -> Sessions.Settings.from(config).appName()),
      Map.entry("spark.settings.\"spark.sql.adaptive.enabled\"", config -> spark(config, "spark.sql.adaptive.enabled")),
      Map.entry("spark.settings.\"spark.sql.session.timeZone\"", config -> spark(config, "spark.sql.session.timeZone")),
      Map.entry("spark.settings.\"spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs\"",
          config -> spark(config, "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs")),
      Map.entry("spark.settings.\"spark.sql.parquet.compression.codec\"", config -> spark(config, "spark.sql.parquet.compression.codec")),
      Map.entry("spark.settings.\"spark.databricks.delta.snapshotPartitions\"", config -> spark(config, "spark.databricks.delta.snapshotPartitions")),
      Map.entry("spark.settings.\"spark.sql.constraintPropagation.enabled\"", config -> spark(config, "spark.sql.constraintPropagation.enabled")),
      Map.entry("bootstrap.enabled", config -> LocalBootstrap.Settings.from(config).enabled()),
      Map.entry("bootstrap.rows", config -> LocalBootstrap.Settings.from(config).rows()),
      Map.entry("bootstrap.history-rows", config -> LocalBootstrap.Settings.from(config).historyRows()),
      Map.entry("bootstrap.seed", config -> LocalBootstrap.Settings.from(config).seed()));

  private static final List<Key> JOB_KEYS =
      ReferenceConfTest.KEYS.stream().filter(key -> key.kind() == ReferenceConfTest.Kind.JOB).toList();

  @TempDir
  Path temp;

  @Test
  void everyKeyOnlyTheJobsReadHasAReader() {
    assertThat(READS.keySet()).containsExactlyInAnyOrderElementsOf(JOB_KEYS.stream().map(Key::path).toList());
  }

  @Test
  void everyDefaultIsReadAsListed() throws IOException {
    Config config = load("");
    SoftAssertions softly = new SoftAssertions();
    for (Key key : JOB_KEYS) {
      softly.assertThat(READS.get(key.path()).apply(config)).as(key.path()).isEqualTo(key.defaultValue());
    }
    softly.assertAll();
  }

  @Test
  void everyKeySetToAnotherValueIsReadAsThatValue() throws IOException {
    Config config = load(JOB_KEYS.stream().map(key -> key.path() + " = " + key.override()).collect(Collectors.joining("\n")));
    SoftAssertions softly = new SoftAssertions();
    for (Key key : JOB_KEYS) {
      softly.assertThat(READS.get(key.path()).apply(config)).as(key.path()).isEqualTo(key.overridden());
    }
    softly.assertAll();
  }

  private static Object spark(Config config, String setting) {
    return Sessions.Settings.from(config).settings().get(setting);
  }

  private Config load(String settings) throws IOException {
    Path file = Files.createTempFile(temp, "conf-test", ".conf");
    Files.writeString(file, settings + "\n");
    return ConfigLoader.load(List.of(file.toString()), List.of());
  }
}
