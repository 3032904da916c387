package com.targeting.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import io.github.spark_redshift_community.spark.redshift.DefaultSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Warehouse connectors are named by data source; what they are handed is asserted here. */
class WarehouseSourcesTest {
  private static final Path SQL = TestSpark.confDirectory().getParent().resolve("sql");

  private static SourceConfig source(String hocon) {
    return SourceConfig.from(ConfigNode.root(ConfigFactory.parseString(hocon)));
  }

  @Test
  void theRedshiftConnectorIsHandedTheProgramsQueryAndTheUnloadSettings() throws Exception {
    String queryFile = SQL.resolve("warehouse/redshift/investment-recommendations.sql").toString();
    SourceConfig config = source("format = redshift\nquery-file = \"" + queryFile + "\"\n"
        + "options { url = \"jdbc:redshift://wealth-analytics.example:5439/customer_data\", "
        + "tempdir = \"s3a://bucket/tmp/redshift\", aws_iam_role = \"arn:aws:iam::123456789012:role/unload\", "
        + "password = \"s3cr3t\" }");

    Row row = ReaderSource.of(config).read(TestSpark.session()).first();

    assertThat(row.<String>getAs("customer_id")).isEqualTo("C1");
    String query = DefaultSource.LAST_OPTIONS.get("query");
    assertThat(query).startsWith("SELECT customer_id,").endsWith("FROM investments.customer_investment_profiles")
        .doesNotContain("--").doesNotContain(";");
    assertThat(Files.readString(Path.of(queryFile))).contains(query.substring(0, 40));
    assertThat(DefaultSource.LAST_OPTIONS).containsEntry("url", "jdbc:redshift://wealth-analytics.example:5439/customer_data")
        .containsEntry("tempdir", "s3a://bucket/tmp/redshift")
        .containsEntry("aws_iam_role", "arn:aws:iam::123456789012:role/unload")
        .containsKeys("query", "password").hasSize(5);
    assertThat(ReaderSource.of(config).describe()).isEqualTo("redshift").doesNotContain("s3cr3t");
  }

  @Test
  void theSnowflakeConnectorIsHandedThePushedDownQueryAndTheAccount() {
    String queryFile = SQL.resolve("warehouse/snowflake/loan-offer-targeting.sql").toString();
    SourceConfig config = source("format = snowflake\nquery-file = \"" + queryFile + "\"\n"
        + "options { sfURL = \"bank.us-east-1.snowflakecomputing.com\", sfDatabase = customer_data, sfSchema = credit, "
        + "sfWarehouse = targeting, sfUser = targeting, sfPassword = \"s3cr3t\", autopushdown = on }");

    Row row = ReaderSource.of(config).read(TestSpark.session()).first();

    assertThat(row.<String>getAs("customer_id")).isEqualTo("L1");
    assertThat(net.snowflake.spark.snowflake.DefaultSource.LAST_OPTIONS)
        .containsEntry("sfurl", "bank.us-east-1.snowflakecomputing.com")
        .containsEntry("sfdatabase", "customer_data")
        .containsEntry("sfschema", "credit")
        .containsEntry("autopushdown", "on")
        .containsKeys("sfpassword", "sfuser", "sfwarehouse", "query");
    assertThat(net.snowflake.spark.snowflake.DefaultSource.LAST_OPTIONS.get("query"))
        .startsWith("SELECT customer_id, credit_score, income,").contains("employment_status").endsWith("FROM customer_credit_profiles");
    assertThat(ReaderSource.of(config).describe()).doesNotContain("s3cr3t");
  }

  @Test
  void aMissingConnectorIsNamedWithWhereToGetItAndNoSecret() {
    SourceConfig config = source("format = \"com.example.absent\"\noptions { password = \"s3cr3t\" }");

    assertThatThrownBy(() -> ReaderSource.of(config).read(TestSpark.session()))
        .isInstanceOf(TargetingException.class)
        .hasMessageStartingWith("Cannot read source com.example.absent: data source com.example.absent is not on the classpath")
        .message().doesNotContain("s3cr3t");
    assertThat(ReaderSource.WHERE_TO_GET.get("snowflake")).startsWith("net.snowflake:spark-snowflake_2.12");
  }

  @Test
  void aQueryFileAndAnInlineQueryAreNotBothAllowed() {
    assertThatThrownBy(() -> source("format = redshift\nquery-file = x.sql\noptions { query = \"SELECT 1\" }"))
        .hasMessageContaining("query-file").hasMessageContaining("not both");
  }
}
