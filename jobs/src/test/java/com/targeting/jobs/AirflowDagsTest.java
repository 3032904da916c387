package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the Python tests of the Airflow DAGs and the EMR Serverless request templates
 * ({@code dags/tests}) from the Maven build, so that {@code mvn verify} (what CI runs) covers
 * them. They run on Debian's /usr/bin/python3 with python3-botocore (AWS's own service models
 * validate every request) and python3-croniter; {@code scripts/python-test-deps.sh} makes sure
 * both are there first (installing them when root, else failing with the command to run).
 */
class AirflowDagsTest {
  private static final Pattern RAN = Pattern.compile("(?m)^Ran (\\d+) tests? in ");

  @Test
  void dagAndRequestTestsPass() throws IOException, InterruptedException {
    Path repo = repositoryRoot();
    Result dependencies = run(repo, List.of("bash", "scripts/python-test-deps.sh"));
    assertThat(dependencies.exitCode()).as("scripts/python-test-deps.sh:%n%s", dependencies.output()).isZero();

    Result tests = run(repo, List.of("/usr/bin/python3", "-m", "unittest", "discover", "-s", "dags/tests", "-t", "dags", "-v"));
    assertThat(tests.exitCode()).as("python3 -m unittest discover -s dags/tests -t dags:%n%s", tests.output()).isZero();
    Matcher ran = RAN.matcher(tests.output());
    assertThat(ran.find()).as("no 'Ran N tests' line in:%n%s", tests.output()).isTrue();
    assertThat(Integer.parseInt(ran.group(1))).as("tests run:%n%s", tests.output()).isPositive();
    assertThat(tests.output()).as(tests.output()).containsPattern("(?m)^OK$");
  }

  /** Surefire runs in jobs/; the DAGs live beside it at the repository root. */
  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("dags/tests"))) {
        return dir;
      }
    }
    throw new IllegalStateException("No dags/tests above " + Path.of("").toAbsolutePath());
  }

  private static Result run(Path dir, List<String> command) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Process process = builder.start();
    // Read while waiting: a full pipe would block the child.
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    // A guard against a hung child, not a timing assertion.
    boolean exited = process.waitFor(10, TimeUnit.MINUTES);
    if (!exited) {
      process.destroyForcibly().waitFor();
    }
    String text = output.join();
    return exited ? new Result(process.exitValue(), text) : new Result(-1, text + "\n(stopped after 10 minutes)");
  }

  private record Result(int exitCode, String output) {}
}
