package com.targeting.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static com.targeting.core.config.ShippedConfig.CONF;
import static com.targeting.core.config.ShippedConfig.LOCAL;
import static com.targeting.core.config.ShippedConfig.PROGRAM;
import static com.targeting.core.config.ShippedConfig.RUN_DATE;
import static com.targeting.core.config.ShippedConfig.load;
import static com.targeting.core.config.ShippedConfig.programWith;

import com.targeting.core.TargetingException;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.uplift.UpliftSpec;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config strictness (issue 15): a key nothing reads is refused with "did you mean", one spelling
 * of each XGBoost parameter whose user value always wins over the default, expressions without
 * aliases, and a run-date window. No Spark: all of it fails while the config loads.
 */
class ConfigStrictnessTest {
  @TempDir
  Path temp;

  // --- cfg-dash-xgboost-params: the README's dashed spelling must not lose to the defaults ---

  @Test
  void aModelsDashedXgboostParametersWinOverTheDefaults() throws IOException {
    ModelSpec spec = model("xgboost { num-round = 20, max-depth = 3, eta = 0.3 }");

    // Before: {num_round=100, max_depth=4, eta=0.3}: both spellings kept, the default's won.
    assertThat(spec.xgboost()).containsEntry("num_round", 20).containsEntry("max_depth", 3).containsEntry("eta", 0.3)
        .containsEntry("num_workers", 2); // model-defaults.xgboost.num-workers of conf/env/local.conf
  }

  @Test
  void xgboostsOwnUnderscoreSpellingIsOneParameterWithTheDashedOne() throws IOException {
    // Case label-case writes XGBoost's own names: they win over the defaults' dashed spelling.
    assertThat(model("xgboost { num_round = 20, max_depth = 3 }").xgboost())
        .containsEntry("num_round", 20).containsEntry("max_depth", 3)
        .doesNotContainKeys("num-round", "max-depth");
    // An env file's model-defaults beats reference.conf's under either spelling; the model beats both.
    assertThat(model("xgboost { num-round = 20 }", "model-defaults.xgboost.max_depth=5").xgboost())
        .containsEntry("max_depth", 5).containsEntry("num_round", 20);
    assertThat(model("xgboost { max-depth = 3 }", "model-defaults.xgboost.max_depth=5").xgboost())
        .containsEntry("max_depth", 3);
  }

  @Test
  void oneParameterSetTwiceUnderBothSpellingsToDifferentValuesIsRefused() throws IOException {
    assertThatThrownBy(() -> model("xgboost { num_round = 20, num-round = 30 }"))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining(temp.resolve("model.conf").toString() + ": 9")
        .hasMessageContaining("model.xgboost.num_round")
        .hasMessageContaining("model.xgboost.num-round")
        .hasMessageContaining("keep one spelling");
    // The same value twice is not a conflict.
    assertThat(model("xgboost { num_round = 20, num-round = 20 }").xgboost()).containsEntry("num_round", 20);
  }

  @Test
  void aTreeMethodNoTrainerHasIsRefusedWithItsPath() throws IOException {
    // Before: a bad value was refused only when training built XGBoost4J-Spark's estimator, naming
    // no config; exact reached training, which XGBoost4J-Spark cannot run (Spark retried the
    // barrier stage four times and the run failed as an internal error).
    assertThatThrownBy(() -> model("xgboost { tree-method = gpu_exact }"))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining(temp.resolve("model.conf").toString() + ": 9")
        .hasMessageContaining("model.xgboost.tree-method")
        .hasMessageContaining("[hist, approx, auto, exact]")
        .hasMessageContaining("was gpu_exact");
    assertThatThrownBy(() -> model("", "model-defaults.xgboost.tree_method=exakt"))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("model-defaults.xgboost.tree_method");
    assertThat(model("xgboost { tree_method = exact }").xgboost()).containsEntry("tree_method", "exact");
    // Exact trains on the driver for every round: early stopping has no evaluation set there.
    assertThatThrownBy(() -> model("xgboost { tree-method = exact, early-stopping-rounds = 5 }"))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("model.xgboost")
        .hasMessageContaining("early-stopping-rounds needs tree-method hist, approx or auto");
  }

  @Test
  void earlyStoppingIsReadUnderEitherSpelling() throws IOException {
    ModelSpec spec = model("xgboost { num-round = 20, early-stopping-rounds = 5 }");

    assertThat(spec.earlyStoppingRounds()).hasValue(5);
    assertThat(spec.xgboost()).doesNotContainKey("early_stopping_rounds").doesNotContainKey("early-stopping-rounds");
    assertThat(model("xgboost { early_stopping_rounds = 7 }").earlyStoppingRounds()).hasValue(7);
    assertThatThrownBy(() -> model("xgboost { early-stopping-rounds = 0 }"))
        .isInstanceOf(TargetingException.class).hasMessageContaining("early-stopping-rounds must be a whole number");
  }

  // --- unknown keys ---

  @Test
  void aMisspelledKeyInTheLibrarysOwnSectionsIsRefusedToo() throws IOException {
    // Found by ReferenceConfTest's author: these loaded without a word and the default applied.
    Path publishing = temp.resolve("publishing.conf");
    Files.writeString(publishing, "publishing { lock-timout = 20m }\n");
    assertThatThrownBy(() -> ProgramConfig.from(ConfigLoader.load(List.of(LOCAL, publishing.toString(), PROGRAM), RUN_DATE)))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("publishing.lock-timout at " + publishing + ": 1")
        .hasMessageContaining("did you mean lock-timeout?");
    Path contract = temp.resolve("contract.conf");
    Files.writeString(contract, "contract-defaults.serving-key.max-byte = 10\n");
    assertThatThrownBy(() -> ProgramConfig.from(ConfigLoader.load(List.of(LOCAL, contract.toString(), PROGRAM), RUN_DATE)))
        .hasMessageContaining("contract-defaults.serving-key.max-byte")
        .hasMessageContaining("did you mean max-bytes?");
    // Spelled right, both are read.
    Files.writeString(publishing, "publishing { lock-timeout = 20m }\ncontract-defaults.serving-key.max-bytes = 10\n");
    assertThat(ProgramConfig.from(ConfigLoader.load(List.of(LOCAL, publishing.toString(), PROGRAM), RUN_DATE))
        .outputs().publishing().lock().timeout()).isEqualTo(java.time.Duration.ofMinutes(20));
  }

  @Test
  void aMisspelledProgramKeyNamesFileLinePathAndTheKnownKey() throws IOException {
    String broken = programWith(temp, "{ keep = \"identity_verified\", reason = \"identity not verified\" }",
        "{ kepp = \"identity_verified\", keep = \"identity_verified\", reason = \"identity not verified\" }");
    int line = lineOf(broken, "kepp");

    assertThatThrownBy(() -> load(broken))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("Unknown config key")
        .hasMessageContaining("program.filters[0].rules[0].kepp at " + broken + ": " + line)
        .hasMessageContaining("did you mean keep?");
  }

  @Test
  void misspelledKeysAnywhereInAProgramAreAllListed() throws IOException {
    String broken = programWith(temp, "max-quarantined-fraction = 0.02", "max-quarantined-fraction = 0.02\n    max_quarantined_fraction = 0.5");
    String twice = Files.readString(Path.of(broken)).replace("ttl-days = 7", "ttl-days = 7\n      ttl-dayz = 30")
        .replace("label { column = invested, positive = \"1\" }", "label { column = invested, positive = \"1\" }\n      Calibration = platt");
    Files.writeString(Path.of(broken), twice);

    assertThatThrownBy(() -> load(broken))
        .hasMessageContaining("program.contract.max_quarantined_fraction").hasMessageContaining("did you mean max-quarantined-fraction?")
        .hasMessageContaining("program.outputs.dynamodb.ttl-dayz").hasMessageContaining("did you mean ttl-days?")
        .hasMessageContaining("program.models[0].Calibration").hasMessageContaining("did you mean calibration?");
  }

  @Test
  void aKeyNothingIsCloseToIsRefusedWithoutAGuess() throws IOException {
    String broken = programWith(temp, "key = customer_id", "key = customer_id\n  owner = \"marketing\"");

    assertThatThrownBy(() -> load(broken))
        .hasMessageContaining("program.owner at " + broken)
        .hasMessageNotContaining("did you mean");
  }

  @Test
  void anUnknownTopLevelSectionIsRefused() throws IOException {
    Path extra = temp.resolve("extra.conf");
    Files.writeString(extra, "modle-defaults { registry = /tmp/x }\n");

    assertThatThrownBy(() -> ProgramConfig.from(ConfigLoader.load(List.of(extra.toString(), LOCAL, PROGRAM), RUN_DATE)))
        .hasMessageContaining("modle-defaults at " + extra + ": 1")
        .hasMessageContaining("did you mean model-defaults?");
  }

  @Test
  void anUnknownKeyInAModelFileIsRefused() throws IOException {
    assertThatThrownBy(() -> model("xgboost { num-round = 20 }\n  lable { column = churn }"))
        .hasMessageContaining("model.lable at").hasMessageContaining("did you mean label?");
    assertThatThrownBy(() -> model("xgboost { num-round = 20 }\n  data { format = csv, train = x.csv, tset-fraction = 0.3 }"))
        .hasMessageContaining("model.data.tset-fraction").hasMessageContaining("did you mean test-fraction?");
  }

  @Test
  void freeFormMapsAcceptAnyKey() throws IOException {
    // Filter params, contract columns, source options, spark settings: their keys are the user's names.
    String program = programWith(temp, "options { header = \"true\" }", "options { header = \"true\", my_vendor_option = x }");
    Files.writeString(Path.of(program), Files.readString(Path.of(program))
        .replace("min_idle_cash = 5000", "min_idle_cash = 5000\n        unused_param = 1"));

    ProgramConfig loaded = load(program);

    assertThat(loaded.source().options()).containsEntry("my_vendor_option", "x");
  }

  @Test
  void aSwitchedOffDynamoDbSectionIsNotChecked() throws IOException {
    String program = programWith(temp, "ttl-days = 7", "ttl-days = 7\n      enabled = false\n      some-future-setting = 1");

    assertThat(load(program).dynamodb()).isEmpty();
  }

  // --- every committed config still loads ---

  @Test
  void everyCommittedProgramLoadsInEveryLocalEnvironment() {
    List<String> overrides = new ArrayList<>(RUN_DATE);
    for (String program : List.of("investment-recommendations", "loan-offer-targeting", "promotion-uplift", "engagement-prediction")) {
      String file = CONF.resolve("programs/" + program + ".conf").toString();
      for (String env : List.of("local", "s3")) {
        ProgramConfig loaded = ProgramConfig.from(ConfigLoader.load(List.of(CONF.resolve("env/" + env + ".conf").toString(), file), overrides));
        assertThat(loaded.id()).isEqualTo(program);
      }
      // With the DynamoDB Local overlay, and with each warehouse source (their ${VARS} given as config).
      ProgramConfig.from(ConfigLoader.load(List.of(CONF.resolve("dynalite.conf").toString(), LOCAL, file), overrides));
    }
    List<String> redshift = new ArrayList<>(RUN_DATE);
    redshift.addAll(List.of("TARGETING_ARTIFACTS=\"" + CONF.getParent() + "\"", "TARGETING_ROOT=s3a://bucket/t",
        "REDSHIFT_JDBC_URL=jdbc:redshift://h/db", "REDSHIFT_IAM_ROLE=arn:aws:iam::1:role/r"));
    assertThat(ProgramConfig.from(ConfigLoader.load(List.of(CONF.resolve("sources/investment-recommendations-redshift.conf").toString(),
        LOCAL, PROGRAM), redshift)).source().format()).isEqualTo("redshift");
    List<String> snowflake = new ArrayList<>(RUN_DATE);
    snowflake.addAll(List.of("TARGETING_ARTIFACTS=\"" + CONF.getParent() + "\"", "SNOWFLAKE_USER=u", "SNOWFLAKE_PRIVATE_KEY=k"));
    assertThat(ProgramConfig.from(ConfigLoader.load(List.of(CONF.resolve("sources/loan-offer-targeting-snowflake.conf").toString(),
        LOCAL, CONF.resolve("programs/loan-offer-targeting.conf").toString()), snowflake)).source().format()).isEqualTo("snowflake");
  }

  @Test
  void theCommittedUpliftModelFileAndTheCasesModelFilesLoad() throws IOException {
    Config hillstrom = ConfigLoader.load(List.of(CONF.resolve("models/hillstrom-email-visit.conf").toString(), LOCAL), RUN_DATE);
    ConfigNode root = ConfigNode.root(hillstrom);
    UpliftSpec spec = UpliftSpec.from(root.node("uplift-model"), root.node("model-defaults"));
    root.refuseUnread(List.of("uplift-model", "model-defaults"));
    assertThat(spec.xgboost()).containsEntry("num_round", 200).containsEntry("tree_method", "exact").containsEntry("base_score", 0.5);
    assertThat(spec.categoricalEncoding()).isEqualTo(com.targeting.core.model.CategoricalEncoding.ONE_HOT);
    // Before: an uplift model's early-stopping-rounds was dropped silently.
    Config stopping = ConfigLoader.load(List.of(CONF.resolve("models/hillstrom-email-visit.conf").toString(), LOCAL),
        List.of("run.date=\"2026-11-20\"", "uplift-model.xgboost.early-stopping-rounds=10"));
    ConfigNode stoppingRoot = ConfigNode.root(stopping);
    assertThatThrownBy(() -> UpliftSpec.from(stoppingRoot.node("uplift-model"), stoppingRoot.node("model-defaults")))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("uplift-model.xgboost.early-stopping-rounds")
        .hasMessageContaining("no early stopping");

    Path cases = CONF.getParent().resolve("../shared/cases").normalize();
    if (Files.isDirectory(cases)) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(cases)) {
        files = walk.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
      }
      for (Path file : files) {
        Config config = ConfigLoader.load(List.of(file.toString(), LOCAL), RUN_DATE);
        ConfigNode caseRoot = ConfigNode.root(config);
        if (caseRoot.has("model")) {
          ModelSpec.from(caseRoot.node("model"), caseRoot.node("model-defaults"));
          caseRoot.refuseUnread(List.of("model", "model-defaults"));
        } else if (caseRoot.has("program")) {
          ProgramConfig.from(config);
        }
      }
    }
  }

  // --- expressions: exactly one, no alias ---

  @Test
  void anUnfinishedConditionReadAsAnAliasIsRefused() throws IOException {
    String broken = programWith(temp, "{ keep = \"identity_verified\",", "{ keep = \"identity_verified AND\",");

    // Before: Spark parsed it as `identity_verified AS AND` and the run kept every verified row.
    assertThatThrownBy(() -> load(broken))
        .hasMessageContaining(broken + ": " + lineOf(broken, "identity_verified AND"))
        .hasMessageContaining("program.filters[0].rules[0].keep")
        .hasMessageContaining("without an alias")
        .hasMessageContaining("named AND");
  }

  @Test
  void anExplicitAliasInADerivedExpressionOrContractRuleIsRefused() {
    ConfigNode node = ConfigNode.root(com.typesafe.config.ConfigFactory.parseString("expr = \"income / 12 AS monthly\""));
    assertThatThrownBy(() -> SqlTemplate.expression("income / 12 AS monthly", java.util.Map.of(), node, "expr"))
        .hasMessageContaining("expr").hasMessageContaining("named monthly");
    assertThatThrownBy(() -> SqlTemplate.expression("age > 18 adult", java.util.Map.of(), node, "expr"))
        .hasMessageContaining("named adult");
    assertThat(SqlTemplate.expression("age > 18 AND income > 0", java.util.Map.of(), node, "expr")).isEqualTo("age > 18 AND income > 0");
  }

  // --- the run-date window ---

  @Test
  void aRunDateOutsideTheWindowIsRefusedNamingArgumentAndWindow() {
    Config config = ConfigLoader.load(List.of(LOCAL), List.of("run.date=\"9999-12-31\""));
    LocalDate today = LocalDate.of(2026, 11, 30);

    assertThatThrownBy(() -> RunWindow.check(config, "--run-date", LocalDate.of(9999, 12, 31), today))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("--run-date 9999-12-31")
        .hasMessageContaining("2016-12-02 to 2026-12-07")
        .hasMessageContaining("run.max-days-ahead = 7");
    assertThatThrownBy(() -> RunWindow.check(config, "--run-date", LocalDate.of(1999, 1, 1), today))
        .hasMessageContaining("run.max-days-back = 3650");
    // Backfills within ten years, and a date a week ahead, pass.
    RunWindow.check(config, "--run-date", LocalDate.of(2017, 1, 1), today);
    RunWindow.check(config, "--run-date", LocalDate.of(2026, 12, 7), today);
  }

  @Test
  void theRunWindowIsConfigurableAndItsKeysAreChecked() {
    LocalDate today = LocalDate.of(2026, 11, 30);
    Config longer = ConfigLoader.load(List.of(LOCAL), List.of("run.max-days-back=20000"));
    RunWindow.check(longer, "--run-date", LocalDate.of(1990, 1, 1), today);

    Config typo = ConfigLoader.load(List.of(LOCAL), List.of("run.max-days-bak=20000"));
    assertThatThrownBy(() -> RunWindow.check(typo, "--run-date", LocalDate.of(2026, 11, 30), today))
        .hasMessageContaining("run.max-days-bak").hasMessageContaining("did you mean max-days-back?");
  }

  @Test
  void closestKeyUsesCaseDashesAndEditDistance() {
    assertThat(ConfigNode.closest("num_round", List.of("num-round", "max-depth"))).hasValue("num-round");
    assertThat(ConfigNode.closest("Keep", List.of("keep", "reason"))).hasValue("keep");
    assertThat(ConfigNode.closest("reasn", List.of("keep", "reason"))).hasValue("reason");
    assertThat(ConfigNode.closest("owner", List.of("keep", "reason"))).isEmpty();
  }

  /** A model file like the case's (cfg-dash-xgboost-params), loaded as train-model --config loads it. */
  private ModelSpec model(String extra, String... overrides) throws IOException {
    Path file = temp.resolve("model.conf");
    Files.writeString(file, String.join("\n",
        "model {",
        "  id = base",
        "  objective = binary",
        "  data { format = csv, train = \"base.csv\", options { header = \"true\" } }",
        "  label { column = churn, positive = \"Yes\" }",
        "  id-column = cust_id",
        "  features { numeric = [tenure, monthly], categorical = [contract] }",
        "  reason-codes = 2",
        "  " + extra,
        "}", ""));
    List<String> all = new ArrayList<>(List.of(overrides));
    all.addAll(RUN_DATE);
    ConfigNode root = ConfigNode.root(ConfigLoader.load(List.of(file.toString(), LOCAL), all));
    ModelSpec spec = ModelSpec.from(root.node("model"), root.node("model-defaults"));
    root.refuseUnread(List.of("model", "model-defaults"));
    return spec;
  }

  private static int lineOf(String file, String text) throws IOException {
    List<String> lines = Files.readAllLines(Path.of(file));
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i + 1;
      }
    }
    throw new AssertionError(text + " not in " + file);
  }
}
