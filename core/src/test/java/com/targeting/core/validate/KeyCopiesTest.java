package com.targeting.core.validate;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static com.targeting.core.testing.TestSpark.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.source.ReaderSource;
import com.targeting.core.source.SourceConfig;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

/**
 * Duplicate keys counted by a pass over the key column ({@link KeyCopies}) give every row the
 * verdict the window over whole rows gives it, whatever the extract's format, key type, header
 * case or broken records; extracts that may read other rows a second time keep the window.
 */
class KeyCopiesTest {
  @TempDir
  Path dir;

  private static Contract contract(DataType keyType) {
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put("customer_id", keyType);
    columns.put("age", DataTypes.IntegerType);
    columns.put("region", DataTypes.StringType);
    return new Contract(Optional.of("customer_id"), columns,
        List.of(new Contract.Rule("minor", "age < 18", "under 18")), 0.9);
  }

  /** Every row of the validated extract, as text, sorted: the verdicts by window. */
  private static List<String> byWindow(Dataset<Row> extract, Contract contract) {
    return sorted(ContractValidator.validate(extract, contract, "test"));
  }

  /** The same by the key pass, which must have been taken, and found {@code duplicatedKeys}. */
  private static List<String> byKeys(Dataset<Row> extract, Contract contract, int duplicatedKeys) {
    KeyCopies copies = KeyCopies.count(extract, contract, "test").orElseThrow();
    assertThat(copies.duplicatedKeys()).isEqualTo(duplicatedKeys);
    Dataset<Row> validated = ContractValidator.validate(extract, contract, "test", Optional.of(copies));
    List<String> rows = sorted(validated);
    copies.verify(rows.size());
    return rows;
  }

  private static List<String> sorted(Dataset<Row> validated) {
    List<String> rows = new ArrayList<>();
    for (Row row : (Row[]) validated.collect()) {
      rows.add(row.mkString(" | "));
    }
    rows.sort(null);
    return rows;
  }

  private Path csv(String name, String... lines) throws Exception {
    Path folder = Files.createDirectories(dir.resolve(name));
    Files.writeString(folder.resolve("part-0.csv"), String.join("\r\n", lines) + "\r\n");
    return folder;
  }

  private static Dataset<Row> readForContract(Path path, String options) {
    return ReaderSource.of(SourceConfig.from(ConfigNode.root(ConfigFactory.parseString(
        "format = csv\npath = \"" + path + "\"\noptions { header = \"true\"\n" + options + " }"))))
        .readForContract(TestSpark.session());
  }

  @Test
  void localRowsAndFilesGetTheWindowsVerdictsWhateverTheHeadersCase() throws Exception {
    String[] lines = {"Customer_ID,Age,Region", "C1,30,north", "C2,31,north", "C2,32,south", ",40,east", ",41,east",
        "C3,50,west", "C3,x,west", "C3,12,west", "C4,12,north"};
    Dataset<Row> files = readForContract(csv("case", lines), "");
    Contract contract = contract(DataTypes.StringType);

    List<String> window = byWindow(files, contract);
    assertThat(window).contains(
        "C2 | 31 | north | duplicate-key | duplicate customer_id (2 rows)",
        "C3 | null | west | unparseable | unparseable age: 'x' is not int",
        "C3 | 12 | west | duplicate-key | duplicate customer_id (3 rows)",
        "C4 | 12 | north | minor | under 18",
        "null | 40 | east | null-key | null customer_id",
        "C1 | 30 | north | null | null");
    assertThat(byKeys(files, contract, 2)).isEqualTo(window);

    Dataset<Row> local = rows("Customer_ID STRING, Age STRING, Region STRING", java.util.Arrays.stream(lines).skip(1)
        .map(line -> (Object[]) java.util.Arrays.stream(line.split(",", -1)).map(v -> v.isEmpty() ? null : v).toArray())
        .toArray(Object[][]::new));
    assertThat(byKeys(local, contract, 2)).isEqualTo(byWindow(local, contract)).isEqualTo(window);
  }

  @Test
  void keysAreCountedAsConvertedSo007And7AreOneIntKey() throws Exception {
    Path path = csv("ints", "customer_id,age,region", "007,30,north", "7,31,north", "8,32,south", "x9,33,south");
    Dataset<Row> files = readForContract(path, "");
    Contract contract = contract(DataTypes.IntegerType);

    List<String> window = byWindow(files, contract);
    assertThat(window).contains("7 | 30 | north | duplicate-key | duplicate customer_id (2 rows)",
        "null | 33 | south | unparseable | unparseable customer_id: 'x9' is not int");
    assertThat(byKeys(files, contract, 1)).isEqualTo(window);

    // A typed key (Parquet's long) is its own value.
    String parquet = dir.resolve("parquet").toString();
    rows("customer_id BIGINT, age INT, region STRING", new Object[] {1L, 30, "a"}, new Object[] {1L, 31, "b"},
        new Object[] {2L, 32, "c"}).write().parquet(parquet);
    Dataset<Row> typed = TestSpark.session().read().parquet(parquet);
    Contract longKey = contract(DataTypes.LongType);
    assertThat(byKeys(typed, longKey, 1)).isEqualTo(byWindow(typed, longKey))
        .contains("1 | 30 | a | duplicate-key | duplicate customer_id (2 rows)");
  }

  @Test
  void brokenRecordsSharingKeysGetTheSameVerdictsReadAsOneLineOrSeveral() throws Exception {
    Path path = csv("broken", "customer_id,age,region", "X1,41,north", "X1,42,north,surplus", "X3,43", "X3,44,south",
        "X4,44,\"north\neast\"", "X4,45,west", "X5,46,south");
    Contract contract = contract(DataTypes.StringType);
    for (String multiLine : List.of("multiLine = \"true\"", "multiLine = \"false\"")) {
      Dataset<Row> read = readForContract(path, multiLine);
      List<String> window = byWindow(read, contract);
      assertThat(window).as(multiLine).anyMatch(row -> row.startsWith("X1 | 42 | north | malformed-record"))
          .anyMatch(row -> row.startsWith("X1 | 41 | north | duplicate-key | duplicate customer_id (2 rows)"));
      assertThat(byKeys(read, contract, 3)).as(multiLine).isEqualTo(window);
    }
  }

  @Test
  void extractsThatMayReadOtherRowsTheSecondTimeKeepTheWindow() throws Exception {
    Path path = csv("plain", "customer_id,age,region", "C1,30,north", "C1,31,north");
    Contract contract = contract(DataTypes.StringType);
    assertThat(KeyCopies.rereadable(readForContract(path, ""))).isTrue();
    assertThat(KeyCopies.rereadable(rows("customer_id STRING", new Object[] {"C1"}))).isTrue();
    // DROPMALFORMED drops a record by the columns a query reads: a pass over the key alone keeps
    // a short record the whole read drops, whose other copy would be quarantined for nothing.
    assertThat(KeyCopies.count(readForContract(path, "mode = DROPMALFORMED"), contract, "t")).isEmpty();
    assertThat(KeyCopies.count(readForContract(path, "mode = FAILFAST"), contract, "t")).isEmpty();
    // Queried again on each evaluation (as a JDBC extract), or random.
    assertThat(KeyCopies.count(TestSpark.session().range(3).selectExpr("CAST(id AS STRING) AS customer_id",
        "'30' AS age", "'n' AS region"), contract, "t")).isEmpty();
    assertThat(KeyCopies.count(readForContract(path, "").withColumn("r", org.apache.spark.sql.functions.rand()),
        contract, "t")).isEmpty();
    // A Delta table is read at its latest version on each evaluation.
    String delta = dir.resolve("delta").toString();
    readForContract(path, "").write().format("delta").save(delta);
    assertThat(KeyCopies.count(TestSpark.session().read().format("delta").load(delta), contract, "t")).isEmpty();
    // No key, nothing to count.
    assertThat(KeyCopies.count(readForContract(path, ""), new Contract(Optional.empty(), contract.columns(), List.of(), 0.9),
        "t")).isEmpty();
  }

  @Test
  void moreDuplicatedKeysThanTheLimitKeepTheWindow() throws Exception {
    Dataset<Row> read = readForContract(csv("many", "customer_id,age,region", "C1,30,n", "C1,31,n", "C2,32,n",
        "C2,33,n"), "");
    assertThat(KeyCopies.count(read, contract(DataTypes.StringType), "t", 1)).isEmpty();
    assertThat(KeyCopies.count(read, contract(DataTypes.StringType), "t", 2)).isPresent();
  }

  @Test
  void helperColumnsNeverReplaceTheExtractsOwn() {
    Dataset<Row> extract = rows("customer_id STRING, age STRING, region STRING, __duplicate_copies STRING, __duplicate_key STRING",
        new Object[] {"C1", "30", "n", "mine", "also mine"}, new Object[] {"C1", "31", "n", "mine 2", "also mine 2"});
    Contract contract = contract(DataTypes.StringType);
    assertThat(byKeys(extract, contract, 1)).isEqualTo(byWindow(extract, contract)).containsExactly(
        "C1 | 30 | n | mine | also mine | duplicate-key | duplicate customer_id (2 rows)",
        "C1 | 31 | n | mine 2 | also mine 2 | duplicate-key | duplicate customer_id (2 rows)");
  }

  @Test
  void anExtractThatChangedBetweenThePassesFailsTheRunNamingIt() {
    Contract contract = contract(DataTypes.StringType);
    Dataset<Row> before = rows("customer_id STRING, age STRING, region STRING",
        new Object[] {"C1", "30", "n"}, new Object[] {"C2", "31", "n"}, new Object[] {"C2", "32", "n"});
    // As if the files were rewritten between the passes: as many rows, one copy of C2 gone.
    Dataset<Row> after = rows("customer_id STRING, age STRING, region STRING",
        new Object[] {"C1", "30", "n"}, new Object[] {"C2", "31", "n"}, new Object[] {"C9", "32", "n"});
    KeyCopies copies = KeyCopies.count(before, contract, "extract customers").orElseThrow();
    assertThat(copies.rows()).isEqualTo(3);
    Dataset<Row> validated = ContractValidator.validate(after, contract, "extract customers", Optional.of(copies));
    long rows = validated.count();

    assertThatThrownBy(() -> copies.verify(rows)).isInstanceOf(TargetingException.class)
        .hasMessageContaining("Extract extract customers changed while it was read")
        .hasMessageContaining("read 3 rows, 2 of them of duplicated keys, the main pass 3 rows, 1 of them");
    assertThatThrownBy(() -> copies.verify(rows + 1)).hasMessageContaining("the main pass 4 rows");
  }
}
