package com.targeting.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.testing.AthenaDdl.Statement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The translation alone; {@link TrinoServerTest} runs its output on Trino. */
class AthenaDdlTest {
  private static final String OUTPUT = "local:///data/out";

  @Test
  void hiveTableBecomesTrinoTableWithTypesFormatAndProjection() {
    String ddl = """
        -- A comment; with a semicolon, and 'quotes'.
        CREATE EXTERNAL TABLE IF NOT EXISTS targeting.t (
          customer_id string COMMENT 'the key; unique',
          `Rank` int,
          ratio float,
          amount decimal(12,2),
          whole decimal,
          flag boolean,
          day date,
          at timestamp,
          total bigint,
          tags array<string>,
          weights map<string, double>,
          channels array<struct<channel:string, priority:int, display_until:date>>,
          nested map<string,array<struct<`values`:array<bigint>, inner:struct<x:double>>>>
        )
        PARTITIONED BY (program string, dt string, hour string, n string, id string)
        STORED AS PARQUET
        LOCATION '${output}/t/'
        TBLPROPERTIES (
          'projection.enabled' = 'true',
          'projection.program.type' = 'enum',
          'projection.program.values' = 'a-program, b_program',
          'projection.dt.type' = 'date',
          'projection.dt.format' = 'yyyy-MM-dd',
          'projection.dt.range' = '2026-01-01,NOW',
          'projection.dt.interval' = '1',
          'projection.dt.interval.unit' = 'days',
          'projection.hour.type' = 'integer',
          'projection.hour.range' = '0,23',
          'projection.hour.digits' = '2',
          'projection.n.type' = 'integer',
          'projection.n.range' = '1,9',
          'projection.id.type' = 'injected',
          'storage.location.template' = '${output}/t/program=${program}/dt=${dt}/hour=${hour}/n=${n}/id=${id}/'
        );
        """;

    List<Statement> statements = AthenaDdl.translate("t.sql", ddl, OUTPUT, TrinoServer.HIVE);

    assertThat(statements).containsExactly(new Statement("hive", """
        CREATE TABLE IF NOT EXISTS hive."targeting"."t" (
          "customer_id" varchar COMMENT 'the key; unique',
          "rank" integer,
          "ratio" real,
          "amount" decimal(12,2),
          "whole" decimal(10,0),
          "flag" boolean,
          "day" date,
          "at" timestamp,
          "total" bigint,
          "tags" array(varchar),
          "weights" map(varchar, double),
          "channels" array(row("channel" varchar, "priority" integer, "display_until" date)),
          "nested" map(varchar, array(row("values" array(bigint), "inner" row("x" double)))),
          "program" varchar WITH (partition_projection_type = 'ENUM', partition_projection_values = ARRAY['a-program', 'b_program']),
          "dt" varchar WITH (partition_projection_type = 'DATE', partition_projection_format = 'yyyy-MM-dd', \
        partition_projection_range = ARRAY['2026-01-01', 'NOW'], partition_projection_interval = 1, partition_projection_interval_unit = 'DAYS'),
          "hour" varchar WITH (partition_projection_type = 'INTEGER', partition_projection_range = ARRAY['0', '23'], partition_projection_digits = 2),
          "n" varchar WITH (partition_projection_type = 'INTEGER', partition_projection_range = ARRAY['1', '9']),
          "id" varchar WITH (partition_projection_type = 'INJECTED')
        )
        WITH (
          format = 'PARQUET',
          external_location = 'local:///data/out/t/',
          partitioned_by = ARRAY['program', 'dt', 'hour', 'n', 'id'],
          partition_projection_enabled = true,
          partition_projection_location_template = 'local:///data/out/t/program=${program}/dt=${dt}/hour=${hour}/n=${n}/id=${id}/'
        )"""));
  }

  @Test
  void summariesUseOpenXJsonAndKeepTheirOwnProgramColumn() {
    List<Statement> statements = AthenaDdl.translate(sql("summaries.sql"), OUTPUT, TrinoServer.HIVE);

    assertThat(statements).hasSize(1);
    String sql = statements.get(0).sql();
    assertThat(sql)
        .startsWith("CREATE TABLE IF NOT EXISTS hive.\"targeting\".\"summaries\" (\n  \"program\" varchar,\n")
        .contains("\"removed_by_filter\" map(varchar, bigint),")
        .contains("\"program_partition\" varchar WITH (partition_projection_type = 'ENUM', "
            + "partition_projection_values = ARRAY['investment-recommendations', 'loan-offer-targeting', 'promotion-uplift', "
            + "'engagement-prediction'])")
        .contains("\"churn_risk_tier\" map(varchar, bigint),")
        .contains("\"engagement_band\" map(varchar, bigint),")
        .contains("format = 'OPENX_JSON'")
        .contains("external_location = 'local:///data/out/summaries/'")
        .contains("partitioned_by = ARRAY['program_partition', 'dt']")
        .contains("partition_projection_location_template = "
            + "'local:///data/out/summaries/program=${program_partition}/dt=${dt}/'");
  }

  @Test
  void theParquetRejectionsAndQuarantineProjectEveryProgram() {
    List<Statement> statements = AthenaDdl.translate(sql("parquet/rejections.sql"), OUTPUT, TrinoServer.HIVE);
    assertThat(statements).hasSize(2).allSatisfy(statement -> assertThat(statement.sql())
        .contains("\"program\" varchar WITH (partition_projection_type = 'ENUM', partition_projection_values = "
            + "ARRAY['investment-recommendations', 'loan-offer-targeting', 'promotion-uplift', 'engagement-prediction'])"));
  }

  @Test
  void theEngagementPredictionsAreAViewOverDeltaAndAPlainParquetTableWithTheSameColumns() {
    List<Statement> delta = AthenaDdl.translate(sql("engagement-prediction.sql"), OUTPUT, TrinoServer.DELTA);
    assertThat(delta).hasSize(1);
    assertThat(delta.get(0).sql()).startsWith("CREATE OR REPLACE VIEW targeting.engagement_predictions AS")
        .contains("WHERE program = 'engagement-prediction'");

    List<Statement> parquet = AthenaDdl.translate(sql("parquet/engagement-prediction.sql"), OUTPUT, TrinoServer.HIVE);
    assertThat(parquet).hasSize(1);
    assertThat(parquet.get(0).sql())
        .startsWith("CREATE TABLE IF NOT EXISTS hive.\"targeting\".\"engagement_predictions\" (\n  \"customer_id\" varchar,\n")
        .contains("\"last_active_date\" date,")
        .contains("\"churn_probability_reasons\" array(row(\"rank\" integer, \"feature\" varchar, \"value\" varchar, "
            + "\"contribution\" double)),")
        .contains("external_location = 'local:///data/out/candidates/program=engagement-prediction/'");
    // The same columns, in the same order, as the view.
    assertThat(columns(parquet.get(0).sql())).isEqualTo(viewColumns(delta.get(0).sql()));
  }

  /** The quoted column names of a translated CREATE TABLE, partition columns included. */
  private static List<String> columns(String createTable) {
    return createTable.lines().filter(line -> line.startsWith("  \"")).map(line -> line.substring(3, line.indexOf('"', 3))).toList();
  }

  /** The names a view's SELECT list gives. */
  private static List<String> viewColumns(String view) {
    String list = view.substring(view.indexOf("SELECT") + "SELECT".length(), view.indexOf("FROM"));
    return Stream.of(list.split(",")).map(String::strip).toList();
  }

  @Test
  void everyAthenaFileTranslates() throws IOException {
    try (Stream<Path> files = Files.walk(sql("."))) {
      for (Path file : files.filter(path -> path.toString().endsWith(".sql")).toList()) {
        List<Statement> statements = AthenaDdl.translate(file, OUTPUT, TrinoServer.HIVE);
        assertThat(statements).as(file.toString()).isNotEmpty()
            .allSatisfy(statement -> assertThat(statement.sql()).doesNotContain("${output}"));
      }
    }
  }

  @Test
  void deltaTableIsRegisteredAndViewRunsAsWritten() {
    String ddl = """
        CREATE EXTERNAL TABLE targeting.offers
        LOCATION '${output}/offers'
        TBLPROPERTIES ('table_type' = 'DELTA');
        -- The view's text, comments aside, is Trino SQL.
        CREATE OR REPLACE VIEW targeting.offers_per_day AS
        SELECT dt, count(*) AS offers -- per run date
        FROM targeting.offers
        WHERE program <> 'x;y'
        GROUP BY dt
        """;

    assertThat(AthenaDdl.translate("offers.sql", ddl, OUTPUT, TrinoServer.DELTA)).containsExactly(
        new Statement("delta", "CALL delta.system.register_table(schema_name => 'targeting', table_name => 'offers', "
            + "table_location => 'local:///data/out/offers')"),
        new Statement("delta", """
            CREATE OR REPLACE VIEW targeting.offers_per_day AS
            SELECT dt, count(*) AS offers\s
            FROM targeting.offers
            WHERE program <> 'x;y'
            GROUP BY dt"""));
  }

  @Test
  void localDirectoryBecomesLocalLocation() {
    assertThat(AthenaDdl.location(Path.of("/tmp/a/../b"))).isEqualTo("local:///tmp/b");
  }

  @Test
  void whatIsNotTranslatedFailsNamingFileAndStatement() {
    assertThatThrownBy(() -> AthenaDdl.translate("x.sql", "CREATE EXTERNAL TABLE t.a (x int) LOCATION 'l';\n\nMSCK REPAIR TABLE t.a;",
        OUTPUT, TrinoServer.HIVE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("x.sql: statement 2 (line 3) is not a CREATE EXTERNAL TABLE or CREATE VIEW: MSCK REPAIR TABLE t.a");
    assertThatThrownBy(() -> AthenaDdl.translate("x.sql", "CREATE EXTERNAL TABLE t.a (x uniontype<int,string>) LOCATION 'l'",
        OUTPUT, TrinoServer.HIVE))
        .hasMessage("x.sql: statement 1 (line 1) is not translated to Trino: type uniontype; "
            + "in CREATE EXTERNAL TABLE t.a (x uniontype<int,string>) LOCATION 'l'");
    assertThatThrownBy(() -> AthenaDdl.translate("x.sql", "CREATE EXTERNAL TABLE t.a (x int) LOCATION 'l' "
        + "TBLPROPERTIES ('has_encrypted_data' = 'false')", OUTPUT, TrinoServer.HIVE))
        .hasMessageStartingWith("x.sql: statement 1 (line 1) is not translated to Trino: table property 'has_encrypted_data'");
    assertThatThrownBy(() -> AthenaDdl.translate("x.sql", "CREATE EXTERNAL TABLE t.a (x int) PARTITIONED BY (dt string) "
        + "LOCATION 'l' TBLPROPERTIES ('projection.x.type' = 'enum')", OUTPUT, TrinoServer.HIVE))
        .hasMessageStartingWith("x.sql: statement 1 (line 1) is not translated to Trino: table property 'projection.x.type': "
            + "x is not a partition column");
    assertThatThrownBy(() -> AthenaDdl.translate("x.sql", "CREATE EXTERNAL TABLE t.a (x int) ROW FORMAT SERDE "
        + "'org.openx.data.jsonserde.JsonSerDe' STORED AS PARQUET LOCATION 'l'", OUTPUT, TrinoServer.HIVE))
        .hasMessageStartingWith("x.sql: statement 1 (line 1) is not translated to Trino: ROW FORMAT SERDE "
            + "'org.openx.data.jsonserde.JsonSerDe' with STORED AS PARQUET");
    assertThatThrownBy(() -> AthenaDdl.translate("x.sql", "CREATE EXTERNAL TABLE t.a LOCATION 'l' "
        + "TBLPROPERTIES ('table_type' = 'ICEBERG')", OUTPUT, TrinoServer.HIVE))
        .hasMessageStartingWith("x.sql: statement 1 (line 1) is not translated to Trino: 'table_type' = 'ICEBERG'");
  }

  /** A file of the repository's sql/athena. */
  static Path sql(String name) {
    return TestSpark.confDirectory().resolveSibling("sql").resolve("athena").resolve(name).normalize();
  }
}
