package com.targeting.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import io.github.spark_redshift_community.spark.redshift.DefaultSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

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
  void theEngagementExtractSelectsTheContractsColumnsInTheContractsOrder() {
    String queryFile = SQL.resolve("warehouse/redshift/engagement-prediction.sql").toString();
    SourceConfig config = source("format = redshift\nquery-file = \"" + queryFile + "\"\n"
        + "options { url = \"jdbc:redshift://marketplace.example:5439/marketplace\", "
        + "tempdir = \"s3a://bucket/tmp/redshift\", aws_iam_role = \"arn:aws:iam::123456789012:role/unload\" }");

    String query = config.options().get("query");
    assertThat(query).startsWith("SELECT c.customer_id,").endsWith("WHERE c.created_date < CURRENT_DATE")
        .doesNotContain("--").doesNotContain(";").doesNotContain("::");
    // Spark's parser reads Redshift's query as far as names go (it does not resolve functions):
    // the SELECT list is the contract's columns, in the order of conf/programs/engagement-prediction.conf.
    LogicalPlan plan = CatalystSqlParser$.MODULE$.parsePlan(query);
    assertThat(plan).isInstanceOf(Project.class);
    List<String> selected = JavaConverters.seqAsJavaList(((Project) plan).projectList()).stream()
        .map(WarehouseSourcesTest::outputName).toList();
    assertThat(selected).hasSize(49).containsExactlyElementsOf(contractColumns("engagement-prediction"));
  }

  /** The name a SELECT item gives its column: its alias, or the last part of a column reference. */
  private static String outputName(NamedExpression expression) {
    if (expression instanceof Alias alias) {
      return alias.name();
    }
    assertThat(expression).as(expression.toString()).isInstanceOf(UnresolvedAttribute.class);
    return JavaConverters.seqAsJavaList(((UnresolvedAttribute) expression).nameParts()).get(
        ((UnresolvedAttribute) expression).nameParts().size() - 1);
  }

  /** A program's contract columns in the order its file lists them (a HOCON object keeps no order). */
  private static List<String> contractColumns(String program) {
    Path file = TestSpark.confDirectory().resolve("programs/" + program + ".conf");
    com.typesafe.config.Config config = ConfigFactory.parseFile(file.toFile())
        .withFallback(ConfigFactory.parseString("paths { data = d, output = o }")).resolve();
    return config.getObject("program.contract.columns").entrySet().stream()
        .sorted(Comparator.comparingInt((Map.Entry<String, ConfigValue> column) -> column.getValue().origin().lineNumber()))
        .map(Map.Entry::getKey).toList();
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
