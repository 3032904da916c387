package com.targeting.core.source;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.testing.TestSpark;
import com.targeting.core.validate.Contract;
import com.targeting.core.validate.ContractValidator;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV sources read extracts as warehouses write them (RFC 4180), and keep what they cannot read. */
class CsvSourceTest {
  @TempDir
  Path dir;

  private Path extract(String name, String... lines) throws Exception {
    Path folder = Files.createDirectories(dir.resolve(name));
    Files.writeString(folder.resolve("part-0.csv"), String.join("\r\n", lines) + "\r\n");
    return folder;
  }

  private static SourceConfig source(Path path, String options) {
    return SourceConfig.from(ConfigNode.root(ConfigFactory.parseString(
        "format = csv\npath = \"" + path + "\"\noptions { " + options + " }")));
  }

  private static Map<String, Row> byId(Dataset<Row> rows) {
    Map<String, Row> byId = new LinkedHashMap<>();
    for (Row row : (Row[]) rows.collect()) {
      byId.put(row.getAs("customer_id"), row);
    }
    return byId;
  }

  private static Contract contract() {
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put("customer_id", DataTypes.StringType);
    columns.put("age", DataTypes.IntegerType);
    columns.put("region", DataTypes.StringType);
    return new Contract(Optional.of("customer_id"), columns, List.of(), 0.5);
  }

  @Test
  void quotedLineBreaksAndDoubledQuotesStayInOneRecord() throws Exception {
    Path path = extract("customers",
        "customer_id,age,region,note",
        "X1,41,north,plain",
        "X4,44,\"north\neast\",\"said \"\"hi\"\", then left\"",
        "X5,45,\"south\r\nwest\",\"a, b\"",
        "X6,46,east,last");

    // As before, when the config sets no reader options beyond the header: no phantom rows.
    Dataset<Row> rows = ReaderSource.of(source(path, "header = \"true\"")).read(TestSpark.session());

    Map<String, Row> byId = byId(rows);
    assertThat(rows.count()).isEqualTo(4);
    assertThat(byId.keySet()).containsExactly("X1", "X4", "X5", "X6");
    assertThat(byId.get("X4").<String>getAs("region")).isEqualTo("north\neast");
    assertThat(byId.get("X4").<String>getAs("note")).isEqualTo("said \"hi\", then left");
    // The parser writes a quoted CRLF as LF.
    assertThat(byId.get("X5").<String>getAs("region")).isEqualTo("south\nwest");
    assertThat(byId.get("X5").<String>getAs("note")).isEqualTo("a, b");
  }

  @Test
  void aSourceCanSetItsOwnReaderOptions() throws Exception {
    Path path = extract("semicolons",
        "customer_id;age;region",
        "X1;41;north",
        "X2;42;'north;east'");
    ReaderSource source = ReaderSource.of(source(path, "sep = \";\", quote = \"'\", MULTILINE = \"false\""));

    assertThat(source.options()).containsEntry("sep", ";").containsEntry("quote", "'").containsEntry("header", "true")
        .containsEntry("multiLine", "false").hasSize(5);
    assertThat(byId(source.read(TestSpark.session())).get("X2").<String>getAs("region")).isEqualTo("north;east");
  }

  @Test
  void aRecordThatCannotBeReadIsQuarantinedUnderItsKeyAndCountedOnce() throws Exception {
    Path path = extract("broken",
        "customer_id,age,region",
        "X1,41,north",
        "X2,42,north,surplus",
        "X3,43",
        "X4,44,\"north\neast\"",
        "X5,45,south");
    Dataset<Row> read = ReaderSource.of(source(path, "header = \"true\"")).readForContract(TestSpark.session());

    Dataset<Row> validated = ContractValidator.validate(read, contract(), "broken");

    Map<String, Row> byId = byId(validated);
    assertThat(validated.count()).as("one row per record").isEqualTo(5);
    assertThat(validated.columns()).doesNotContain(ReaderSource.MALFORMED_RECORD);
    assertThat(byId.get("X2").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.MALFORMED_RECORD);
    assertThat(byId.get("X2").<String>getAs(QUARANTINE_REASON))
        .isEqualTo("malformed record (wrong number of fields or a quote left open): 'X2,42,north,surplus'");
    assertThat(byId.get("X3").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.MALFORMED_RECORD);
    assertThat(byId.get("X4").<String>getAs(QUARANTINE_RULE)).isNull();
    assertThat(byId.get("X4").<String>getAs("region")).isEqualTo("north\neast");
    assertThat(byId.get("X1").<String>getAs(QUARANTINE_RULE)).isNull();
    assertThat(byId.get("X5").<Integer>getAs("age")).isEqualTo(45);
  }

  @Test
  void aQuoteLeftOpenQuarantinesItsRecordWithTheRestOfTheFileWholeInTheReason() throws Exception {
    Path path = extract("open-quote",
        "customer_id,age,region",
        "B1,41,north",
        "B2,42,\"north",
        "B3,43,south-with-a-longer-name",
        "B4,44,east-with-a-longer-name",
        "B5,45,west-with-a-longer-name");
    Dataset<Row> read = ReaderSource.of(source(path, "header = \"true\"")).readForContract(TestSpark.session());

    Map<String, Row> byId = byId(ContractValidator.validate(read, contract(), "open-quote"));

    // RFC 4180 cannot tell where a quote left open was meant to end: the record runs to the end of
    // the file, and is quarantined under its key with what it swallowed in the reason. (A quote
    // left open before the last field gives a wrong number of fields: the test above.) B3 to B5
    // are inside B2's record: not customers any more, but not lost either: the reason holds them
    // whole (a one-line malformed record is cut at 40 characters).
    assertThat(byId.keySet()).containsExactly("B1", "B2");
    assertThat(byId.get("B1").<String>getAs(QUARANTINE_RULE)).isNull();
    assertThat(byId.get("B2").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.MALFORMED_RECORD);
    assertThat(byId.get("B2").<String>getAs(QUARANTINE_REASON))
        .startsWith("malformed record spanning ")
        .contains("B2,42,north\\nB3,43,south-with-a-longer-name\\nB4,44,east-with-a-longer-name\\nB5,45,west-with-a-longer-name");
  }

  @Test
  void aQuoteInsideAnUnquotedFieldIsTextAndAQuotedLineBreakAfterItStaysInTheRecord() throws Exception {
    // Every line has an even number of quotes, yet the record spans two lines: a quote that does not
    // open a field is a character (5'10"), the next field's quotes hold a line break. A reader that
    // split the file into lines by counting quotes would cut X1 into two malformed records.
    Path path = extract("inch-marks",
        "customer_id,height,note,size",
        "X1,5'10\",\"line one\nline two\",12\"",
        "X2,6'1\",plain,10\"");

    Dataset<Row> read = ReaderSource.of(source(path, "header = \"true\"")).readForContract(TestSpark.session());

    Map<String, Row> byId = byId(read);
    assertThat(byId.keySet()).containsExactly("X1", "X2");
    assertThat(byId.get("X1").<String>getAs(ReaderSource.MALFORMED_RECORD)).isNull();
    assertThat(byId.get("X1").<String>getAs("height")).isEqualTo("5'10\"");
    assertThat(byId.get("X1").<String>getAs("note")).isEqualTo("line one\nline two");
    assertThat(byId.get("X1").<String>getAs("size")).isEqualTo("12\"");
    assertThat(byId.get("X2").<String>getAs("note")).isEqualTo("plain");
  }

  @Test
  void multiLineExtractOfFewerFilesThanCoresIsWarnedOf() throws Exception {
    Path path = extract("one-file", "customer_id,age", "X1,30", "X2,40");
    ReaderSource source = ReaderSource.of(source(path, ""));
    Dataset<Row> rows = source.readForContract(TestSpark.session());

    assertThat(source.scanParallelismWarning(rows, 4)).hasValueSatisfying(warning -> assertThat(warning)
        .contains("Extract csv " + path, "1 csv file(s) read with multiLine = true", "runs at most 1 task(s) where the session can run 4 at once",
            "at least 4 files of similar size", "multiLine = \"false\""));
    // As many files as cores: each core reads one.
    Files.writeString(path.resolve("part-1.csv"), "customer_id,age\r\nX3,50\r\n");
    ReaderSource twoFiles = ReaderSource.of(source(path, ""));
    assertThat(twoFiles.scanParallelismWarning(twoFiles.readForContract(TestSpark.session()), 2)).isEmpty();
    assertThat(twoFiles.scanParallelismWarning(twoFiles.readForContract(TestSpark.session()), 3)).get().asString()
        .contains("2 csv file(s)");
    // Without multiLine (option names in any case, as Spark's), Spark splits a file among tasks.
    ReaderSource split = ReaderSource.of(source(path, "multiline = \"false\""));
    assertThat(split.scanParallelismWarning(split.read(TestSpark.session()), 4)).isEmpty();
    // Other formats: the rows are not even looked at.
    ReaderSource delta = ReaderSource.of(SourceConfig.from(ConfigNode.root(ConfigFactory.parseString(
        "format = delta\npath = \"" + path + "\""))));
    assertThat(delta.scanParallelismWarning(null, 4)).isEmpty();
  }

  @Test
  void taskSlotsCountTheExecutorsAtFullSize() {
    org.apache.spark.SparkConf dynamic = new org.apache.spark.SparkConf(false).set("spark.dynamicAllocation.enabled", "true")
        .set("spark.executor.cores", "4").set("spark.dynamicAllocation.maxExecutors", "4");
    // Two executors registered so far: the default parallelism is theirs, the run may grow to 16.
    assertThat(ReaderSource.taskSlots(false, 8, dynamic)).isEqualTo(16);
    assertThat(ReaderSource.taskSlots(false, 200, dynamic)).isEqualTo(200);
    assertThat(ReaderSource.taskSlots(false, 2, dynamic.clone().remove("spark.dynamicAllocation.maxExecutors"))).isEqualTo(2);
    assertThat(ReaderSource.taskSlots(false, 2, dynamic.clone().set("spark.dynamicAllocation.maxExecutors", "2147483647"))).isEqualTo(2);
    org.apache.spark.SparkConf fixed = new org.apache.spark.SparkConf(false).set("spark.executor.cores", "4")
        .set("spark.executor.instances", "3");
    assertThat(ReaderSource.taskSlots(false, 2, fixed)).isEqualTo(12);
    // Local mode: the cores, whatever the executor settings say.
    assertThat(ReaderSource.taskSlots(true, 2, fixed)).isEqualTo(2);
  }
}
