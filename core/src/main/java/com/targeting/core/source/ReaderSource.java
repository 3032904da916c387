package com.targeting.core.source;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Every source is a Spark {@link DataFrameReader} with a format and options: files (parquet, csv,
 * json, delta), JDBC, Snowflake (spark-snowflake) and Redshift (the spark-redshift community
 * connector, which EMR ships: it is named here by data source and never bundled).
 *
 * <p>CSV is read as warehouses write it (RFC 4180): every csv source starts from
 * {@link #CSV_DEFAULTS} (a header line, quoted line breaks kept inside one record, a doubled quote
 * as a quote in a quoted field), and its own {@code options} override any of them (option names
 * are case-insensitive, as Spark's are). Note that with {@code multiLine} a CSV file is read by one
 * task, however large: parallelism comes from the number of files.
 */
public final class ReaderSource implements Source {
  /** Short names in config for the connectors' data source names. */
  static final Map<String, String> DATA_SOURCES = Map.of(
      "redshift", "io.github.spark_redshift_community.spark.redshift",
      "snowflake", "net.snowflake.spark.snowflake");

  /** Where a connector that is not bundled comes from, for the error that says it is missing. */
  static final Map<String, String> WHERE_TO_GET = Map.of(
      "redshift", "the spark-redshift community connector, which EMR 7.x ships: add --jars "
          + "/usr/share/aws/redshift/jdbc/redshift-jdbc.jar,/usr/share/aws/redshift/spark-redshift/lib/spark-redshift.jar "
          + "to spark-submit (locally, build with the Maven profile -Predshift)",
      "snowflake", "net.snowflake:spark-snowflake_2.12 and net.snowflake:snowflake-jdbc: build the job jar with the Maven "
          + "profile -Psnowflake, or add them with spark-submit --packages");

  /** The reader options every csv source starts from; the source's own options win. */
  public static final Map<String, String> CSV_DEFAULTS = Map.of(
      "header", "true",
      "multiLine", "true",
      "quote", "\"",
      "escape", "\"");

  /**
   * The column {@link #readForContract} adds to a csv source: the raw text of a record that could
   * not be read as a row of the header's columns (wrong number of fields, a quote left open), null
   * for every record read whole. {@code ContractValidator} quarantines
   * such rows as {@code malformed-record} and drops the column.
   */
  public static final String MALFORMED_RECORD = com.targeting.core.Columns.MALFORMED_RECORD;

  private final SourceConfig config;

  private ReaderSource(SourceConfig config) {
    this.config = requireNonNull(config, "config is null");
  }

  public static ReaderSource of(SourceConfig config) {
    return new ReaderSource(config);
  }

  public String dataSourceName() {
    return DATA_SOURCES.getOrDefault(config.format(), config.format());
  }

  @Override
  public String describe() {
    return config.toString();
  }

  /**
   * The options the reader gets: for csv, {@link #CSV_DEFAULTS} overridden by the source's own
   * options (matched case-insensitively); for other formats, the source's options.
   */
  public Map<String, String> options() {
    if (!"csv".equals(config.format())) {
      return config.options();
    }
    Map<String, String> options = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    options.putAll(CSV_DEFAULTS);
    options.putAll(config.options());
    return options;
  }

  @Override
  public Dataset<Row> read(SparkSession spark) {
    return load(spark.read().format(dataSourceName()).options(options()));
  }

  /**
   * As {@link #read}, for a reader that checks rows against a contract: a csv source (unless its
   * options set {@code mode} or {@code columnNameOfCorruptRecord} themselves) also gets the
   * {@link #MALFORMED_RECORD} column, so that a record that cannot be read is kept, with the
   * fields that could be read (its key among them, where readable), instead of being split, merged
   * or failing the read. The header is read first for the columns (every one a string, unless
   * {@code inferSchema} is set, which then reads the files once more).
   */
  public Dataset<Row> readForContract(SparkSession spark) {
    Dataset<Row> rows = read(spark);
    Map<String, String> options = options();
    if (!"csv".equals(config.format()) || options.containsKey("mode") || options.containsKey("columnNameOfCorruptRecord")
        || java.util.Arrays.asList(rows.columns()).contains(MALFORMED_RECORD)) {
      return rows;
    }
    org.apache.spark.sql.types.StructType schema = rows.schema().add(MALFORMED_RECORD, org.apache.spark.sql.types.DataTypes.StringType);
    Dataset<Row> records = load(spark.read().format(dataSourceName()).options(options)
        .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", MALFORMED_RECORD).schema(schema));
    String[] columns = rows.columns();
    if (columns.length == 0 || !multiLine(options)) {
      return records;
    }
    // A quote left open in the last field still gives the right number of fields: that field then
    // runs to the end of the file, line break included. Such a record is malformed too.
    org.apache.spark.sql.Column last = org.apache.spark.sql.functions.col("`" + columns[columns.length - 1].replace("`", "``") + "`");
    org.apache.spark.sql.Column[] all = java.util.Arrays.stream(columns)
        .map(c -> org.apache.spark.sql.functions.coalesce(org.apache.spark.sql.functions.col("`" + c.replace("`", "``") + "`"),
            org.apache.spark.sql.functions.lit("")))
        .toArray(org.apache.spark.sql.Column[]::new);
    org.apache.spark.sql.Column malformed = org.apache.spark.sql.functions.col(MALFORMED_RECORD);
    return records.withColumn(MALFORMED_RECORD, org.apache.spark.sql.functions.when(
        malformed.isNull().and(last.rlike("[\\r\\n]$")), org.apache.spark.sql.functions.concat_ws(",", all)).otherwise(malformed));
  }

  /**
   * The warning a run logs when {@code rows}, read from this csv source with {@code multiLine}
   * (the default for csv), come from fewer files than the session can run tasks at once: Spark
   * reads such a file in one task however large (and may pack several small files into one task),
   * so the scan runs at most as many tasks as there are files, and an extract written as one file
   * is read by one core of a cluster. Empty for other formats (as named in config, lower case), without
   * {@code multiLine}, for no files, and from {@code slots} files up. The files are counted from the
   * read's own file index ({@code Dataset.inputFiles}: the plan is optimized on the driver, nothing
   * is read or listed again); {@code rows} is not touched for other sources.
   *
   * @param rows {@link #read} or {@link #readForContract} of this source
   * @param slots the tasks the session can run at once ({@link #taskSlots})
   */
  public Optional<String> scanParallelismWarning(Dataset<Row> rows, int slots) {
    if (!"csv".equals(config.format()) || !multiLine(options())) {
      return Optional.empty();
    }
    int files = rows.inputFiles().length;
    if (files == 0 || files >= slots) {
      return Optional.empty();
    }
    return Optional.of(String.format("Extract %s: %d csv file(s) read with multiLine = true, which Spark cannot split: the scan "
        + "runs at most %d task(s) where the session can run %d at once. Write the extract as at least %d files of similar "
        + "size, or, for uncompressed files with no line break inside a quoted field, set the source's option "
        + "multiLine = \"false\".", describe(), files, files, slots, slots));
  }

  /**
   * The tasks {@code spark} can run at once: its default parallelism (local mode: the cores), or,
   * on a cluster, the executors' cores at full size ({@code spark.executor.cores} times
   * {@code spark.dynamicAllocation.maxExecutors} with dynamic allocation, else
   * {@code spark.executor.instances}) where that is more: with dynamic allocation the default
   * parallelism counts only the executors registered so far. A size over {@value #MAX_COUNTED_SLOTS}
   * slots (an unbounded maximum) is not counted.
   */
  public static int taskSlots(org.apache.spark.SparkContext spark) {
    return taskSlots(spark.isLocal(), spark.defaultParallelism(), spark.getConf());
  }

  static int taskSlots(boolean local, int defaultParallelism, org.apache.spark.SparkConf conf) {
    if (local) {
      return defaultParallelism;
    }
    int cores = conf.getInt("spark.executor.cores", 1);
    int executors = conf.getBoolean("spark.dynamicAllocation.enabled", false)
        ? conf.getInt("spark.dynamicAllocation.maxExecutors", 0) : conf.getInt("spark.executor.instances", 0);
    long atFullSize = (long) cores * executors;
    // An unbounded maximum (Spark's default for dynamicAllocation.maxExecutors) says nothing of the size.
    return atFullSize > MAX_COUNTED_SLOTS ? defaultParallelism : (int) Math.max(defaultParallelism, atFullSize);
  }

  private static final int MAX_COUNTED_SLOTS = 100_000;

  /** Whether the reader options (case-insensitive, as {@link #options} gives them) read quoted line breaks. */
  private static boolean multiLine(Map<String, String> options) {
    return "true".equalsIgnoreCase(options.getOrDefault("multiLine", "false"));
  }

  private Dataset<Row> load(DataFrameReader reader) {
    try {
      return config.path().isPresent() ? reader.load(config.path().get()) : reader.load();
    } catch (Exception e) { // Scala throws checked exceptions undeclared
      if (e instanceof ClassNotFoundException) {
        throw TargetingException.userError("Cannot read source %s: data source %s is not on the classpath%s", describe(),
            dataSourceName(), WHERE_TO_GET.containsKey(config.format()) ? "; it comes with " + WHERE_TO_GET.get(config.format()) : "");
      }
      if (!(e instanceof AnalysisException)) {
        throw e;
      }
      if (e.getMessage() != null && e.getMessage().contains("PATH_NOT_FOUND")) {
        throw TargetingException.userError("Cannot read source %s: path does not exist", describe());
      }
      throw TargetingException.userError("Cannot read source %s: %s", describe(), e.getMessage());
    }
  }
}
