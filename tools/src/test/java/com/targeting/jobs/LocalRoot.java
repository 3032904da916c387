package com.targeting.jobs;

import com.targeting.core.testing.TestSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A local root as the end-to-end tests run programs over it ({@code paths.root}: the bootstrapped
 * data and models under it, the outputs in {@code output/}), with the settings every run over it
 * takes (the bootstrap's size, the models' rounds). A test class runs its first run once over a
 * fixture root and reads it only; a test that runs a program again, or writes anything, runs over
 * a {@link #copyTo copy} of its own, so that each test passes alone and in any order.
 */
record LocalRoot(Path root, List<String> settings) {

  /** {@code settings} as {@code key=value}, each passed with {@code --conf} after the run's own arguments. */
  static LocalRoot of(Path root, String... settings) {
    return new LocalRoot(root, List.of(settings));
  }

  /** The arguments of a run over this root: {@code args}, then the conf directory, the root and the settings. */
  List<String> args(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--conf-dir", TestSpark.confDirectory().toString(), "--conf", "paths.root=" + root));
    for (String setting : settings) {
      all.addAll(List.of("--conf", setting));
    }
    return all;
  }

  /** Runs a job in this JVM over this root; its exit code and the parsed last line of its stdout. */
  JobRun run(String... args) {
    return JobRun.of(args(args));
  }

  /** The Delta table {@code output/<name>}, every partition of it. */
  Dataset<Row> table(String name) {
    return TestSpark.session().read().format("delta").load(output().resolve(name).toString());
  }

  Path output() {
    return root.resolve("output");
  }

  /**
   * This root copied, files and folders as they are, to {@code target} (an empty or absent
   * folder), with the same settings: a run over the copy finds the data and models bootstrapped
   * and the earlier outputs (Delta logs name their files relative to the table), and leaves this
   * root as it was.
   */
  LocalRoot copyTo(Path target) {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path copy = target.resolve(root.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(file, copy);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("copying " + root + " to " + target, e);
    }
    return new LocalRoot(target, settings);
  }

  /** {@code path}, a file under this root, at the same place under {@code other}. */
  Path moved(Path path, LocalRoot other) {
    return other.root.resolve(root.relativize(path).toString());
  }
}
