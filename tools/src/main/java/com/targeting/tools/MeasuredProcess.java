package com.targeting.tools;

import com.targeting.core.TargetingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A child process of the benchmark, timed: wall seconds from start to exit, and, when GNU time is
 * at {@link #GNU_TIME}, the CPU time (user and system) of the child and every descendant it waited
 * for, and the peak resident set of the largest of them. GNU time reads them from {@code wait4}'s
 * resource usage, which the kernel sums over the whole reaped process tree; a daemon the child
 * leaves running after it exits is not counted. The 1-minute load average of the machine is
 * read from {@code /proc/loadavg} just before the start.
 *
 * <p>Stdout is read to its end and its last non-blank line kept (the jobs' and the peer's summary
 * JSON); stderr goes to a log file.
 */
record MeasuredProcess(int exit, long wallNanos, Optional<Usage> usage, OptionalDouble load1m, String lastLine) {
  /** Where GNU time is looked for (Debian's package {@code time}). */
  static final Path GNU_TIME = Path.of("/usr/bin/time");

  /** GNU time's format: elapsed, user and system seconds, peak RSS in KiB. */
  private static final String FORMAT = "%e %U %S %M";

  /** CPU seconds (user, system) of a process tree, and its largest process's peak resident set in KiB. */
  record Usage(double userSeconds, double systemSeconds, long peakRssKib) {
    double cpuSeconds() {
      return userSeconds + systemSeconds;
    }

    double peakRssMib() {
      return Math.round(peakRssKib / 1024.0 * 10) / 10.0;
    }
  }

  double wallSeconds() {
    return Math.round(wallNanos / 1e7) / 100.0;
  }

  /** Whether the CPU time and peak RSS can be measured here. */
  static boolean canMeasure() {
    return Files.isExecutable(GNU_TIME);
  }

  /**
   * Runs a command to its end in {@code directory}, stderr to {@code log}, with {@code environment}
   * added to this process's; measured by GNU time when {@link #canMeasure()}.
   *
   * @throws TargetingException external, when the command cannot be started or GNU time's figures
   *     cannot be read
   */
  static MeasuredProcess run(List<String> command, Path directory, Map<String, String> environment, Path log) {
    Path figures = null;
    List<String> full = new ArrayList<>();
    if (canMeasure()) {
      try {
        figures = Files.createTempFile("bench-time-", ".txt");
      } catch (IOException e) {
        throw TargetingException.external(e, "bench: cannot create a temporary file for GNU time's figures");
      }
      full.addAll(List.of(GNU_TIME.toString(), "-f", FORMAT, "-o", figures.toString(), "--"));
    }
    full.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(full).directory(directory.toFile()).redirectError(log.toFile());
    builder.environment().putAll(environment);
    OptionalDouble load = loadAverage();
    long start = System.nanoTime();
    String lastLine = null;
    int exit;
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          if (!line.isBlank()) {
            lastLine = line;
          }
        }
      }
      exit = process.waitFor();
    } catch (IOException e) {
      throw TargetingException.external(e, "bench: cannot start %s", command.get(0));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw TargetingException.internal("bench: interrupted while %s ran", command.get(0));
    }
    long wall = System.nanoTime() - start;
    Optional<Usage> usage = Optional.empty();
    if (figures != null) {
      try {
        usage = Optional.of(parseTimeOutput(Files.readString(figures, StandardCharsets.UTF_8), figures));
        Files.deleteIfExists(figures);
      } catch (IOException e) {
        throw TargetingException.external(e, "bench: cannot read GNU time's figures in %s", figures);
      }
    }
    return new MeasuredProcess(exit, wall, usage, load, lastLine);
  }

  /**
   * GNU time's output for {@link #FORMAT}: its last non-blank line holds the figures (a line
   * before it says so when the command failed: "Command exited with non-zero status 3").
   *
   * @throws TargetingException external, naming the file, when the last line is not four numbers
   */
  static Usage parseTimeOutput(String text, Path file) {
    List<String> lines = text.lines().filter(line -> !line.isBlank()).toList();
    String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
    String[] fields = last.split("\\s+");
    try {
      if (fields.length != 4) {
        throw new NumberFormatException();
      }
      return new Usage(Double.parseDouble(fields[1]), Double.parseDouble(fields[2]), Long.parseLong(fields[3]));
    } catch (NumberFormatException e) {
      throw TargetingException.external(e, "bench: GNU time's figures in %s are not '%s' but '%s'", file, FORMAT, last);
    }
  }

  /** The 1-minute load average, from {@code /proc/loadavg}; empty where there is none. */
  static OptionalDouble loadAverage() {
    try {
      String text = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim();
      return OptionalDouble.of(Double.parseDouble(text.split("\\s+")[0]));
    } catch (IOException | RuntimeException e) {
      return OptionalDouble.empty();
    }
  }

  /** The figures of a measured run as JSON fields: wall_s, cpu_s, user_s, sys_s, peak_rss_mib, load_1m. */
  Map<String, Object> figures() {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("wall_s", wallSeconds());
    usage.ifPresent(u -> {
      out.put("cpu_s", Math.round(u.cpuSeconds() * 100) / 100.0);
      out.put("user_s", u.userSeconds());
      out.put("sys_s", u.systemSeconds());
      out.put("peak_rss_mib", u.peakRssMib());
    });
    if (load1m.isPresent()) {
      out.put("load_1m", load1m.getAsDouble());
    }
    return out;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "exit %d, %.2f s wall%s", exit, wallSeconds(),
        usage.map(u -> String.format(Locale.ROOT, ", %.2f s CPU, %d KiB peak RSS", u.cpuSeconds(), u.peakRssKib())).orElse(""));
  }
}
