package com.targeting.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  @Test
  void overridesKeepLiteralTextAndParseOnlyClearHocon() {
    Config config = ConfigLoader.parseOverride("a.path=s3a://bucket//extract#2026")
        .withFallback(ConfigLoader.parseOverride("a.count=12"))
        .withFallback(ConfigLoader.parseOverride("a.flag=true"))
        .withFallback(ConfigLoader.parseOverride("a.quoted=\"x # y\""))
        .withFallback(ConfigLoader.parseOverride("a.list=[1, 2]"))
        .withFallback(ConfigLoader.parseOverride("a.query=SELECT * FROM t -- all"));

    assertThat(config.getString("a.path")).isEqualTo("s3a://bucket//extract#2026");
    assertThat(config.getInt("a.count")).isEqualTo(12);
    assertThat(config.getBoolean("a.flag")).isTrue();
    assertThat(config.getString("a.quoted")).isEqualTo("x # y");
    assertThat(config.getIntList("a.list")).containsExactly(1, 2);
    assertThat(config.getString("a.query")).isEqualTo("SELECT * FROM t -- all");
    assertThatThrownBy(() -> ConfigLoader.parseOverride("no-equals-sign")).hasMessageContaining("expected key=value");
  }

  @Test
  void placeholdersBecomeLiteralsOutsideQuotesOnly() {
    ConfigNode node = ConfigNode.root(ConfigFactory.parseString("keep = x"));
    Map<String, Object> parameters = Map.of(
        "run_date", LocalDate.of(2026, 11, 20), "name", "O'Brien", "limit", 5000, "rate", 0.25,
        "states", List.of("NY", "CA"), "on", true);

    String sql = SqlTemplate.render(
        "d = :run_date AND n = :name AND x > :limit AND r < :rate AND s IN :states AND :on AND note = ':limit'",
        parameters, node, "keep");

    assertThat(sql).isEqualTo("d = DATE '2026-11-20' AND n = 'O\\'Brien' AND x > 5000 AND r < 0.25D "
        + "AND s IN ('NY', 'CA') AND TRUE AND note = ':limit'");
    assertThat(SqlTemplate.expression("n = :name", parameters, node, "keep")).isEqualTo("n = 'O\\'Brien'");
  }
}
