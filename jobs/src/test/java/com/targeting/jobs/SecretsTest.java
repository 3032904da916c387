package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.testing.S3Server;
import com.targeting.core.testing.TestSpark;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Secrets never reach a log, an error, a summary, a report or an output file. Every environment
 * variable the committed config reads ({@code ${?VAR}} and {@code ${VAR}} in conf/ and
 * reference.conf) is set, the secret ones to marker values, and each source type is run to success
 * and to failure as spark-submit runs it, in a JVM of its own with every logger at INFO: JDBC
 * against a real PostgreSQL, Redshift and Snowflake through their stand-in connectors with the
 * committed conf/sources files, and S3 through the test S3 server with conf/env/s3.conf (its keys
 * are the server's own random ones, which are markers too). Then every byte of the process's
 * stdout and stderr, of the local output tree and of the bucket is searched for the markers.
 */
class SecretsTest {
  private static final String JDBC_PASSWORD = "MARKER-jdbc-password-5f1c";
  private static final String REDSHIFT_PASSWORD = "MARKER-redshift-password-93ad";
  private static final String REDSHIFT_ROLE = "arn:aws:iam::123456789012:role/MARKER-redshift-role-0b7e";
  private static final String SNOWFLAKE_USER = "MARKER-snowflake-user-77c2";
  private static final String SNOWFLAKE_KEY = "MARKER-snowflake-private-key-a41d";
  private static final String WRONG_S3_SECRET = "MARKER-wrong-s3-secret-c09f";
  private static final String RUN_DATE = "2026-11-20";

  private static EmbeddedPostgres postgres;

  @TempDir
  static Path temp;

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    try (Connection connection = postgres.getPostgresDatabase().getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE customers (customer_id TEXT, idle_cash DOUBLE PRECISION)");
      statement.execute("INSERT INTO customers VALUES ('C1', 6000.0), ('C2', 100.0), ('C3', 7000.5)");
      // A real password on a real role: the run logs in with it.
      statement.execute("CREATE ROLE targeting LOGIN PASSWORD '" + JDBC_PASSWORD + "'");
      statement.execute("GRANT SELECT ON customers TO targeting");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @Test
  void jdbcRunsLeaveNoSecretAnywhere() throws Exception {
    Path conf = confDir("secrets-jdbc", "source { format = jdbc, options { url = ${TARGETING_JDBC_URL}, user = targeting, "
        + "password = ${TARGETING_JDBC_PASSWORD}, dbtable = customers } }");
    Map<String, String> env = environment(Map.of("TARGETING_JDBC_URL", postgres.getJdbcUrl("postgres", "postgres")));

    Run ok = run(conf, "secrets-jdbc", env);
    assertThat(ok.code).as(ok.log).isZero();
    assertThat(ok.log).contains("\"candidates\":3");

    // Nothing listens on port 1: the connection fails, as a warehouse outage would.
    Run failed = run(conf, "secrets-jdbc", environment(Map.of("TARGETING_JDBC_URL", "jdbc:postgresql://127.0.0.1:1/postgres")));
    assertThat(failed.code).as(failed.log).isNotZero();
    assertThat(failed.log).contains("\"status\":\"failed\"");

    assertNoMarker(List.of(ok, failed));
  }

  @Test
  void redshiftAndSnowflakeRunsLeaveNoSecretAnywhere() throws Exception {
    Path conf = confDir("secrets-warehouse", "source { format = csv, path = unused }");
    String redshiftConf = TestSpark.confDirectory().resolve("sources/investment-recommendations-redshift.conf").toString();
    String snowflakeConf = TestSpark.confDirectory().resolve("sources/loan-offer-targeting-snowflake.conf").toString();

    // The stand-in connectors return customer_id plus idle_cash (Redshift) or credit_score (Snowflake).
    Run redshift = run(conf, "secrets-warehouse", environment(Map.of()), "--config", redshiftConf,
        "--conf", "program.contract.columns.idle_cash=double");
    Run redshiftFailed = run(conf, "secrets-warehouse", environment(Map.of()), "--config", redshiftConf,
        "--conf", "program.contract.columns.credit_score=int");
    Run snowflake = run(conf, "secrets-warehouse", environment(Map.of()), "--config", snowflakeConf,
        "--conf", "program.contract.columns.credit_score=int");
    Run snowflakeFailed = run(conf, "secrets-warehouse", environment(Map.of()), "--config", snowflakeConf,
        "--conf", "program.contract.columns.idle_cash=double");

    assertThat(redshift.code).as(redshift.log).isZero();
    assertThat(snowflake.code).as(snowflake.log).isZero();
    assertThat(redshiftFailed.code).as(redshiftFailed.log).isEqualTo(2);
    assertThat(snowflakeFailed.code).as(snowflakeFailed.log).isEqualTo(2);
    assertNoMarker(List.of(redshift, redshiftFailed, snowflake, snowflakeFailed));
  }

  @Test
  void s3RunsLeaveNoSecretAnywhere() throws Exception {
    S3Server s3 = S3Server.instance();
    String bucket = s3.createBucket("secrets");
    try (S3Client client = S3Client.builder().endpointOverride(URI.create(s3.endpoint())).region(Region.US_EAST_1)
        .forcePathStyle(true)
        .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
        // S3Proxy checks the payload hash of unchunked uploads only.
        .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
        .build()) {
      client.putObject(b -> b.bucket(bucket).key("root/data/customers.csv"),
          RequestBody.fromString("customer_id,idle_cash\nC1,6000.0\nC2,100.0\n"));
      Path conf = confDir("secrets-s3", "source { format = csv, path = ${paths.data}\"/customers.csv\", options { header = \"true\" } }");
      Map<String, String> s3Env = Map.of("S3_ROOT", "s3a://" + bucket + "/root", "S3_ENDPOINT", s3.endpoint(),
          "S3_ACCESS_KEY", s3.accessKey(), "S3_SECRET_KEY", s3.secretKey());

      Run ok = run(conf, "secrets-s3", environment(s3Env), "--env", "s3");
      Map<String, String> wrong = new LinkedHashMap<>(s3Env);
      wrong.put("S3_SECRET_KEY", WRONG_S3_SECRET);
      // Refused credentials are final: S3A's retries of the failing calls would only lengthen the test.
      Run failed = run(conf, "secrets-s3", environment(wrong), "--env", "s3",
          "--conf", "spark.settings.\"spark.hadoop.fs.s3a.attempts.maximum\"=1",
          "--conf", "spark.settings.\"spark.hadoop.fs.s3a.retry.limit\"=1");

      assertThat(ok.code).as(ok.log).isZero();
      assertThat(ok.log).contains("\"candidates\":2");
      assertThat(failed.code).as(failed.log).isNotZero();

      List<String> markers = new ArrayList<>(markers());
      markers.addAll(List.of(s3.accessKey(), s3.secretKey()));
      List<String> objects = new ArrayList<>();
      for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents()) {
        objects.add(object.key());
        String text = client.getObjectAsBytes(b -> b.bucket(bucket).key(object.key())).asString(StandardCharsets.ISO_8859_1);
        for (String marker : markers) {
          assertThat(text).as("s3://%s/%s", bucket, object.key()).doesNotContain(marker);
        }
      }
      assertThat(objects).anyMatch(key -> key.contains("/summaries/"));
      for (Run run : List.of(ok, failed)) {
        assertLogged(run);
        for (String marker : markers) {
          assertThat(run.log).as("output of %s", run.args).doesNotContain(marker);
        }
      }
    }
  }

  /** The secret values, as they were set; S3's keys are added by its test. */
  private static List<String> markers() {
    return List.of(JDBC_PASSWORD, REDSHIFT_PASSWORD, REDSHIFT_ROLE, SNOWFLAKE_USER, SNOWFLAKE_KEY, WRONG_S3_SECRET);
  }

  /**
   * Every variable the committed config reads, plus the test's own JDBC ones: secrets as markers,
   * the rest (roots, artifacts, endpoints) as a run needs them, then {@code extra} over them.
   */
  private static Map<String, String> environment(Map<String, String> extra) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TARGETING_LOCAL_ROOT", temp.resolve("runs").toString());
    env.put("TARGETING_ROOT", temp.resolve("runs").toUri().toString());
    env.put("TARGETING_ARTIFACTS", TestSpark.confDirectory().getParent().toString());
    env.put("TARGETING_JDBC_PASSWORD", JDBC_PASSWORD);
    env.put("REDSHIFT_JDBC_URL", "jdbc:redshift://wealth.example:5439/customer_data?user=targeting&password=" + REDSHIFT_PASSWORD);
    env.put("REDSHIFT_IAM_ROLE", REDSHIFT_ROLE);
    env.put("SNOWFLAKE_USER", SNOWFLAKE_USER);
    env.put("SNOWFLAKE_PRIVATE_KEY", SNOWFLAKE_KEY);
    env.put("SNOWFLAKE_WAREHOUSE", "targeting_wh");
    // Read only by the committed programs' DynamoDB sections (not by these programs), and by s3.conf.
    env.put("TARGETING_DYNAMODB_MODE", "import");
    env.put("TARGETING_DYNAMODB_TABLE", "targeting-candidates");
    env.put("AWS_REGION", "us-east-1");
    env.put("DYNAMODB_ENDPOINT", "http://127.0.0.1:1");
    env.put("S3_ACCESS_KEY", "MARKER-unused-s3-access-key-1d2e");
    env.put("S3_SECRET_KEY", "MARKER-unused-s3-secret-key-6b8f");
    env.putAll(extra);
    return env;
  }

  private record Run(List<String> args, int code, String log) {}

  private static Run run(Path conf, String program, Map<String, String> env, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of(program, "--run-date", RUN_DATE, "--conf-dir", conf.toString()));
    args.addAll(List.of(extra));
    Path log = Files.createTempFile(temp, "job", ".log");
    Process process = JobProcess.start(args, log, env, List.of("-Dlog4j2.configurationFile=" + log4j()));
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("job did not end: " + args);
    }
    return new Run(args, process.exitValue(), Files.readString(log, StandardCharsets.ISO_8859_1));
  }

  /** Every logger at INFO, to stderr: what a verbose production log would hold. */
  private static Path log4j() throws IOException {
    Path file = temp.resolve("log4j2-info.properties");
    if (!Files.exists(file)) {
      Files.writeString(file, String.join("\n",
          "rootLogger.level = info",
          "rootLogger.appenderRef.stderr.ref = console",
          "appender.console.type = Console",
          "appender.console.name = console",
          "appender.console.target = SYSTEM_ERR",
          "appender.console.layout.type = PatternLayout",
          "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex",
          ""));
    }
    return file;
  }

  /** A conf dir with the committed env files and one minimal program: key, two columns, no models. */
  private static Path confDir(String program, String source) throws IOException {
    Path conf = temp.resolve("conf-" + program);
    Files.createDirectories(conf.resolve("env"));
    Files.createDirectories(conf.resolve("programs"));
    for (String env : List.of("local.conf", "s3.conf")) {
      Files.copy(TestSpark.confDirectory().resolve("env/" + env), conf.resolve("env/" + env));
    }
    Files.writeString(conf.resolve("programs/" + program + ".conf"), String.join("\n",
        "program {",
        "  id = " + program,
        "  key = customer_id",
        "  " + source,
        "  contract { columns { customer_id = string }, max-quarantined-fraction = 0.5 }",
        "  outputs {",
        "    candidates = ${paths.output}\"/candidates\"",
        "    rejections = ${paths.output}\"/rejections\"",
        "    quarantine = ${paths.output}\"/quarantine\"",
        "    summaries = ${paths.output}\"/summaries\"",
        "  }",
        "}",
        ""));
    return conf;
  }

  /**
   * The log was really written (the search would otherwise prove nothing): Spark's INFO lines, and
   * for a failed run the job's own error line.
   */
  private static void assertLogged(Run run) {
    assertThat(run.log).as("output of %s", run.args).contains(" INFO SparkContext: ");
    if (run.code != 0) {
      assertThat(run.log).as("output of %s", run.args).contains(" ERROR Main: " + run.args.get(0) + " failed");
    }
  }

  /** Searches the runs' output and every file under the local runs root for every marker. */
  private static void assertNoMarker(List<Run> runs) throws IOException {
    for (Run run : runs) {
      assertLogged(run);
      for (String marker : markers()) {
        assertThat(run.log).as("output of %s", run.args).doesNotContain(marker);
      }
    }
    Path root = temp.resolve("runs");
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertThat(files).anyMatch(file -> file.toString().contains("/summaries/"));
    for (Path file : files) {
      String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      for (String marker : markers()) {
        assertThat(text).as(file.toString()).doesNotContain(marker);
      }
    }
  }
}
