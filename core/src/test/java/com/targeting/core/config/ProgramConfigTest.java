package com.targeting.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static com.targeting.core.config.ShippedConfig.LOCAL;
import static com.targeting.core.config.ShippedConfig.PROGRAM;
import static com.targeting.core.config.ShippedConfig.RUN_DATE;
import static com.targeting.core.config.ShippedConfig.load;
import static com.targeting.core.config.ShippedConfig.programWith;

import com.targeting.core.TargetingException;
import com.targeting.core.decide.ScoreBands;
import com.targeting.core.program.ProgramConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped program config loads, and each kind of mistake in it is reported where it is. */
class ProgramConfigTest {
  @TempDir
  Path temp;

  @Test
  void loadsTheInvestmentProgramWithTheSeedsParameters() {
    ProgramConfig program = ProgramConfig.from(ConfigLoader.load(List.of(LOCAL, PROGRAM), RUN_DATE));

    assertThat(program.id()).isEqualTo("investment-recommendations");
    assertThat(program.runDate()).isEqualTo(LocalDate.of(2026, 11, 20));
    assertThat(program.filters()).extracting(f -> f.id())
        .containsExactly("trust", "investment-qualification", "risk-profile", "eligibility", "regulatory-compliance");
    assertThat(program.filters().get(1).params()).containsEntry("min_idle_cash", 5000).containsEntry("min_account_age_days", 180);
    assertThat(program.filters().get(1).rules().get(0).keep()).isEqualTo("idle_cash > 5000");
    assertThat(program.models()).extracting(m -> m.id()).containsExactly("investment-suitability", "portfolio-optimization");
    assertThat(program.models().get(0).xgboost()).containsEntry("num_workers", 2).containsEntry("max_depth", 4);
    assertThat(program.models().get(0).registry()).isEqualTo("local-runs/models");
    assertThat(program.models().get(0).protectedAttributes()).containsExactly("gender", "age_band");
    assertThat(program.fairness()).isPresent();
    assertThat(program.source().path()).hasValue("local-runs/data/investment-recommendations/customer_investment_profiles");
    assertThat(((ScoreBands) program.decisions().get(0)).bands())
        .containsExactly(new ScoreBands.Band("high", 0.7), new ScoreBands.Band("medium", 0.4), new ScoreBands.Band("low", 0.0));
    assertThat(program.dynamodb()).isPresent();
    assertThat(((com.targeting.core.sink.dynamodb.DynamoDbExport.Import) program.dynamodb().get()).layout().ttlDays()).isEqualTo(7);
  }

  @Test
  void programContractsTakeTheirDateRangeAndServingKeyFromContractDefaultsUnlessTheySetTheirOwn() {
    ProgramConfig defaults = ProgramConfig.from(ConfigLoader.load(List.of(LOCAL, PROGRAM), RUN_DATE));
    ProgramConfig own = ProgramConfig.from(ConfigLoader.load(List.of(LOCAL, PROGRAM),
        List.of("program.contract.date-range.min=\"1950-01-01\"", "program.contract.serving-key.max-bytes=100", "run.date=\"2026-01-02\"")));

    assertThat(defaults.contract().limits()).isEqualTo(new com.targeting.core.validate.Contract.Limits(LocalDate.of(1900, 1, 1),
        LocalDate.of(2199, 12, 31), Optional.of(new com.targeting.core.validate.Contract.ServingKey(1024, "#"))));
    assertThat(own.contract().limits().minDate()).isEqualTo(LocalDate.of(1950, 1, 1));
    assertThat(own.contract().limits().maxDate()).isEqualTo(LocalDate.of(2199, 12, 31));
    assertThat(own.contract().limits().servingKey().get().maxBytes()).isEqualTo(100);
  }

  @Test
  void commandLineOverridesWinAndTakeHoconValues() {
    ProgramConfig program = ProgramConfig.from(ConfigLoader.load(List.of(LOCAL, PROGRAM),
        List.of("paths.root=/tmp/elsewhere", "program.contract.max-quarantined-fraction=0.5", "run.date=\"2026-01-02\"")));

    assertThat(program.source().path()).hasValue("/tmp/elsewhere/data/investment-recommendations/customer_investment_profiles");
    assertThat(program.runDate()).isEqualTo(LocalDate.of(2026, 1, 2));
    assertThat(program.contract().maxQuarantinedFraction()).isEqualTo(0.5);
  }

  @Test
  void aBadSqlConditionNamesFileLineAndPath() throws IOException {
    String broken = programWith(temp, "idle_cash > :min_idle_cash", "idle_cash >> :min_idle_cash");

    assertThatThrownBy(() -> load(broken))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining(broken + ": ")
        .hasMessageContaining("program.filters[1].rules[0].keep")
        .hasMessageContaining("not a valid Spark SQL expression");
  }

  @Test
  void anUnknownParameterIsReportedWithTheKnownOnes() throws IOException {
    String broken = programWith(temp, "idle_cash > :min_idle_cash", "idle_cash > :min_idle_money");

    assertThatThrownBy(() -> load(broken))
        .hasMessageContaining("program.filters[1].rules[0].keep")
        .hasMessageContaining("unknown parameter :min_idle_money")
        .hasMessageContaining("min_idle_cash");
  }

  @Test
  void aMissingSettingNamesItsFullPath() throws IOException {
    String broken = programWith(temp, "label { column = invested, positive = \"1\" }", "");

    assertThatThrownBy(() -> load(broken))
        .hasMessageContaining("Missing config setting program.models[0].label.column")
        .hasMessageContaining(broken);
  }

  @Test
  void aWrongTypeNamesThePath() throws IOException {
    String broken = programWith(temp, "max-quarantined-fraction = 0.02", "max-quarantined-fraction = lots");

    assertThatThrownBy(() -> load(broken))
        .hasMessageContaining("program.contract.max-quarantined-fraction")
        .hasMessageContaining(broken);
  }

  @Test
  void anUnknownContractTypeAndAnUnknownDecisionAreRefused() throws IOException {
    String badType = programWith(temp, "idle_cash = double", "idle_cash = money");
    assertThatThrownBy(() -> load(badType)).hasMessageContaining("program.contract.columns.idle_cash").hasMessageContaining("unknown type 'money'");

    String badDecision = programWith(temp, "type = score-bands", "type = score-buckets");
    assertThatThrownBy(() -> load(badDecision)).hasMessageContaining("program.decide[0].type").hasMessageContaining("unknown decision type score-buckets");
  }

  @Test
  void allocationsMustAddUpToOneHundred() throws IOException {
    String broken = programWith(temp, "conservative { bonds = 60", "conservative { bonds = 70");

    assertThatThrownBy(() -> load(broken))
        .hasMessageContaining("program.decide[1].allocations.conservative")
        .hasMessageContaining("add up to 110");
  }

  @Test
  void aBadRunDateOrMissingFileIsAUserError() {
    assertThatThrownBy(() -> ProgramConfig.from(ConfigLoader.load(List.of(LOCAL, PROGRAM), List.of("run.date=yesterday"))))
        .hasMessageContaining("run.date").hasMessageContaining("'yesterday'");
    assertThatThrownBy(() -> ConfigLoader.load(List.of(temp.resolve("nope.conf").toString()), RUN_DATE))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("Config file not found")
        .hasMessageContaining("nope.conf");
  }
}
