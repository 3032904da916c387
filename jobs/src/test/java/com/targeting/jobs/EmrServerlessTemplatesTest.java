package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The job arguments each EMR Serverless request template passes (scripts/spark-submit/emr-serverless)
 * are ones the job jar parses as meant: the env, the config directory and run date on S3, the
 * program of a retraining or a per-program job; every driver and executor JVM compiles Spark's huge
 * generated methods ({@link Sessions#COMPILE_HUGE_METHODS}). (dags/tests checks the requests against AWS's model.)
 */
class EmrServerlessTemplatesTest {
  private static final Map<String, String> VALUES = Map.of(
      "ARTIFACTS_URI", "s3://bank-artifacts/targeting/0.1.0",
      "RUN_DATE", "2026-11-20",
      "RUN_ID", "scheduled__2026-11-20T06-00-00-00-00.try1",
      "PROGRAM", "promotion-uplift");

  @Test
  void everyTemplatesArgumentsParseAsMeant() throws IOException {
    Path templates = repositoryRoot().resolve("scripts/spark-submit/emr-serverless");
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(templates, "*.json")) {
      for (Path file : files) {
        String name = file.getFileName().toString().replace(".json", "");
        if (name.equals("application")) {
          continue;
        }
        names.add(name);
        String submitParameters = new ObjectMapper().readTree(file.toFile()).path("jobDriver").path("sparkSubmit")
            .path("sparkSubmitParameters").asText();
        assertThat(submitParameters.split(" ")).as(name).contains(
            "spark.driver.extraJavaOptions=" + Sessions.COMPILE_HUGE_METHODS,
            "spark.executor.extraJavaOptions=" + Sessions.COMPILE_HUGE_METHODS);
        JobArguments arguments = JobArguments.parse(arguments(file));
        assertThat(arguments.env()).as(name).isEqualTo("emr");
        assertThat(arguments.confDir()).as(name).isEqualTo("s3://bank-artifacts/targeting/0.1.0/conf");
        assertThat(arguments.runDate()).as(name).isEqualTo(LocalDate.of(2026, 11, 20));
        assertThat(arguments.configFilesFor("x")).as(name)
            .contains("s3://bank-artifacts/targeting/0.1.0/conf/env/emr.conf");
        if (name.startsWith("retrain-")) {
          assertThat(arguments.job()).isEqualTo("retrain");
          assertThat(arguments.requireProgram()).isEqualTo(name.substring("retrain-".length()));
        } else if (name.equals("dynamodb-ttl-check")) {
          assertThat(arguments.requireProgram()).isEqualTo("promotion-uplift");
        } else {
          assertThat(arguments.job()).isEqualTo(name);
        }
        if (name.equals("investment-recommendations")) {
          assertThat(arguments.configFiles())
              .containsExactly("s3://bank-artifacts/targeting/0.1.0/conf/sources/investment-recommendations-redshift.conf");
        } else {
          assertThat(arguments.configFiles()).as(name).isEmpty();
        }
      }
    }
    assertThat(names).contains("investment-recommendations", "loan-offer-targeting", "promotion-uplift", "engagement-prediction",
        "retrain-investment-recommendations", "retrain-loan-offer-targeting", "retrain-engagement-prediction", "daily-metrics",
        "refresh-market-data", "dynamodb-ttl-check");
  }

  private static String[] arguments(Path template) throws IOException {
    JsonNode request = new ObjectMapper().readTree(template.toFile());
    List<String> arguments = new ArrayList<>();
    for (JsonNode argument : request.path("jobDriver").path("sparkSubmit").path("entryPointArguments")) {
      String value = argument.asText();
      for (Map.Entry<String, String> placeholder : VALUES.entrySet()) {
        value = value.replace("${" + placeholder.getKey() + "}", placeholder.getValue());
      }
      assertThat(value).as("%s: %s", template, value).doesNotContain("${");
      arguments.add(value);
    }
    return arguments.toArray(String[]::new);
  }

  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("scripts/spark-submit/emr-serverless"))) {
        return dir;
      }
    }
    throw new IllegalStateException("No scripts/spark-submit/emr-serverless above " + Path.of("").toAbsolutePath());
  }
}
