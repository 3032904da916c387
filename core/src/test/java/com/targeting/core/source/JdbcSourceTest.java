package com.targeting.core.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.Columns;
import com.targeting.core.testing.TestSpark;
import com.targeting.core.validate.Contract;
import com.targeting.core.validate.ContractValidator;
import com.typesafe.config.ConfigFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JDBC source against a real PostgreSQL (binaries from Maven Central) on a loopback port. */
class JdbcSourceTest {
  private static EmbeddedPostgres postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
    try (Connection connection = postgres.getPostgresDatabase().getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA investments");
      statement.execute("CREATE TABLE investments.customer_investment_profiles ("
          + "row_id BIGINT PRIMARY KEY, customer_id TEXT, account_status TEXT, idle_cash NUMERIC(12,2), "
          + "account_open_date DATE, updated_at TIMESTAMP, risk_tolerance TEXT)");
      // 1,000 customers: every 4th inactive, every 5th with idle cash at most 5,000, every 7th without a risk tolerance.
      statement.execute("INSERT INTO investments.customer_investment_profiles "
          + "SELECT i, 'C' || lpad(i::text, 5, '0'), CASE WHEN i % 4 = 0 THEN 'closed' ELSE 'active' END, "
          + "CASE WHEN i % 5 = 0 THEN 4999.99 ELSE 5000.01 + i END, DATE '2020-01-01' + i, "
          + "TIMESTAMP '2026-11-20 06:00:00' + (i || ' seconds')::interval, CASE WHEN i % 7 = 0 THEN NULL ELSE 'moderate' END "
          + "FROM generate_series(1, 1000) AS i");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @Test
  void theSeedsExtractQueryIsReadInParallelWithItsTypesAndNulls() {
    String url = postgres.getJdbcUrl("postgres", "postgres");
    SourceConfig config = SourceConfig.from(ConfigNode.root(ConfigFactory.parseString(String.join("\n",
        "format = jdbc",
        "options {",
        "  url = \"" + url + "\"",
        "  driver = org.postgresql.Driver",
        "  dbtable = \"(SELECT row_id, customer_id, idle_cash, account_open_date, updated_at, risk_tolerance"
            + " FROM investments.customer_investment_profiles WHERE idle_cash > 5000 AND account_status = 'active') AS extract\"",
        "  partitionColumn = row_id, lowerBound = \"1\", upperBound = \"1000\", numPartitions = \"4\"",
        "  fetchsize = \"200\"",
        "}"))));

    Dataset<Row> extract = ReaderSource.of(config).read(TestSpark.session());

    // active (not i % 4 == 0) and idle cash above 5,000 (not i % 5 == 0): 1000 - 250 - 200 + 50
    assertThat(extract.count()).isEqualTo(600);
    assertThat(extract.rdd().getNumPartitions()).isEqualTo(4);
    assertThat(extract.schema().apply("idle_cash").dataType()).isEqualTo(new DecimalType(12, 2));
    assertThat(extract.schema().apply("account_open_date").dataType()).isEqualTo(DataTypes.DateType);
    assertThat(extract.schema().apply("updated_at").dataType()).isEqualTo(DataTypes.TimestampType);
    Row first = extract.where("row_id = 1").first();
    assertThat(first.<BigDecimal>getAs("idle_cash")).isEqualByComparingTo("5001.01");
    assertThat(first.get(first.fieldIndex("account_open_date")).toString()).isEqualTo("2020-01-02");
    assertThat(first.get(first.fieldIndex("updated_at")).toString()).isEqualTo("2026-11-20 06:00:01.0");
    assertThat(extract.where("risk_tolerance IS NULL").count()).isEqualTo(86);

    // The contract takes warehouse decimals as doubles without losing a cent.
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put("customer_id", DataTypes.StringType);
    columns.put("idle_cash", DataTypes.DoubleType);
    Dataset<Row> validated = ContractValidator.validate(extract, new Contract(Optional.of("customer_id"), columns, List.of(), 0.0), "jdbc");
    assertThat(validated.where(validated.col(Columns.QUARANTINE_RULE).isNotNull()).count()).isZero();
    assertThat(ReaderSource.of(config).describe()).isEqualTo("jdbc").doesNotContain("postgres@");
  }
}
