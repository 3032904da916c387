package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.targeting.core.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An end-to-end test class's first run, registered with {@code @RegisterExtension} on a static
 * field: before the class's tests, one run of a program over a fresh root (which bootstraps its
 * data and models), that every test reads and none writes; {@link #copy} gives a test that runs
 * again a copy of that root of its own, deleted after the test. So each test passes alone and in
 * any order, and the class still makes its first run once.
 */
final class ProgramFixture implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  private final List<String> args;
  private final String[] settings;
  private final List<Path> copies = new ArrayList<>();
  private LocalRoot root;
  private JobRun result;

  /** The run {@code args} (program, run date, ...) over a fresh root with the {@link LocalRoot} {@code settings}. */
  ProgramFixture(List<String> args, String... settings) {
    this.args = List.copyOf(args);
    this.settings = settings.clone();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    TestSpark.session();
    root = LocalRoot.of(Files.createTempDirectory("e2e-first-run"), settings);
    result = root.run(args.toArray(String[]::new));
    assertThat(result.code()).as("the first run, which every test reads: %s", result.summary()).isZero();
  }

  /** The first run's root: for reading only. */
  LocalRoot root() {
    return root;
  }

  /** The first run's exit code and summary. */
  JobRun result() {
    return result;
  }

  JsonNode summary() {
    return result.summary();
  }

  /** A copy of the first run's root, for a test that runs again or writes; deleted after the test. */
  LocalRoot copy() {
    try {
      Path target = Files.createTempDirectory("e2e-own-root");
      copies.add(target);
      return root.copyTo(target);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The {@code written} counts of a run of {@code input} rows with {@code quarantined} of them
   * quarantined and {@code candidates} selected, in the summary's order: each row in one of the
   * quarantine, the rejections and the candidates, and the candidates again in the contact history
   * and the DynamoDB export.
   */
  static Map<String, Long> written(long input, long quarantined, long candidates) {
    Map<String, Long> written = new LinkedHashMap<>();
    written.put("quarantine", quarantined);
    written.put("rejections", input - quarantined - candidates);
    written.put("candidates", candidates);
    written.put("contact_history", candidates);
    written.put("dynamodb", candidates);
    return written;
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    for (Path copy : copies) {
      delete(copy);
    }
    copies.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (root != null) {
      delete(root.root());
    }
  }

  private static void delete(Path folder) throws IOException {
    if (Files.exists(folder)) {
      try (Stream<Path> files = Files.walk(folder)) {
        for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(file);
        }
      }
    }
  }
}
