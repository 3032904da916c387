package com.targeting.jobs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A job run as spark-submit runs it, in a JVM of its own (the tests' classpath and Spark's Java 17
 * flags), so that a test can kill it with SIGKILL at any moment, as an EMR node loss or an OOM kill
 * would, and look at what readers see afterwards.
 */
final class JobProcess {
  private JobProcess() {}

  /** Starts {@code Main <args>}; its stdout and stderr go to {@code log}. */
  static Process start(List<String> args, Path log) throws IOException {
    return start(args, log, java.util.Map.of(), List.of());
  }

  /**
   * Starts {@code Main <args>} with {@code environment} added to this process's and {@code
   * jvmFlags} (a log4j2 configuration) on the command line; stdout and stderr go to {@code log}.
   */
  static Process start(List<String> args, Path log, java.util.Map<String, String> environment, List<String> jvmFlags)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx2g");
    command.addAll(jvmFlags);
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (flag.startsWith("--add-opens") || flag.startsWith("-Djdk.reflect")) {
        command.add(flag);
      }
    }
    // Surefire runs the tests from a manifest-only jar and keeps the real classpath here.
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    command.addAll(List.of("-cp", classpath, Main.class.getName()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    return builder.start();
  }
}
