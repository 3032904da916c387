package com.targeting.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import com.targeting.core.program.RunSummary;
import com.targeting.jobs.JobArguments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The benchmark: for each size, generates the program's sample data once, then times the program
 * end to end as the scheduler runs it (a fresh JVM through {@code local.sh}, JVM start included)
 * and, in another fresh JVM, its floor ({@link BenchFloorJob}: a plain scan of the same extract
 * plus a plain prediction of the same models over the rows the run scored). Prints a table per
 * size and per stage, the ratio to the floor, peak heap, and the slope of time against rows on a
 * log-log scale; writes every figure as JSON.
 *
 * <p>Each size lives in its own local root ({@code <root>/<program>-<rows>}); models are trained
 * once into {@code <root>/models/<program>} (their training data does not depend on the size). Before
 * every timed run the contact history is put back as generated, so repeated runs see the same
 * input.
 *
 * <p>With {@code --peer DIR} (investment-recommendations only), each timed run of the program is
 * followed by one of the pandas peer on the same data ({@link PeerBench}), and the size's figures
 * get both sides' wall and CPU seconds, peak RSS, load, the ratios and the funnel check
 * ({@code sizes[].peer}). Every timed run is measured by {@link MeasuredProcess} (CPU time and
 * peak RSS when GNU time is here).
 */
final class BenchJob {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LAUNCHER = "scripts/spark-submit/local.sh";

  private BenchJob() {}

  static RunSummary run(JobArguments arguments) {
    String program = arguments.program().orElse("investment-recommendations");
    List<Long> sizes = Arrays.stream(arguments.option("rows").orElse("150000,1000000").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).map(s -> parseRows(s)).toList();
    int repeats = (int) arguments.longOption("repeats", 1);
    if (repeats < 1) {
      throw TargetingException.userError("--repeats must be at least 1, was %d", repeats);
    }
    Path root = Path.of(arguments.option("root").orElse("bench-runs")).toAbsolutePath();
    Path output = Path.of(arguments.option("output").orElse("bench-results")).toAbsolutePath();
    Optional<PeerBench.Peer> peer = PeerBench.check(program, arguments.option("peer"), PeerBench.PYTHON, PeerBench.MODULES,
        MeasuredProcess.canMeasure());
    // The peer's boosters, trained once like the program's (the labeled history does not depend on the size).
    Path peerModels = root.resolve("peer-models").resolve(program);
    String runDate = arguments.runDate().toString();
    // A registry per program: a champion of another program's model must not pass for this one's.
    Path models = root.resolve("models").resolve(program);
    List<String> overrides = new ArrayList<>();
    overrides.add("--conf");
    overrides.add("paths.models=\"" + models + "\"");
    for (String override : arguments.overrides()) {
      overrides.add("--conf");
      overrides.add(override);
    }

    List<Map<String, Object>> results = new ArrayList<>();
    for (long rows : sizes) {
      Path sizeRoot = root.resolve(program + "-" + rows);
      Path logs = sizeRoot.resolve("logs");
      mkdirs(logs);
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("rows", rows);

      Path marker = sizeRoot.resolve("generated.json");
      Path history = sizeRoot.resolve("data").resolve(program).resolve("contact_history");
      Path pristine = sizeRoot.resolve("pristine-contact-history");
      boolean generatedNow = !Files.exists(marker);
      if (generatedNow) {
        Child generated = Child.run(sizeRoot, logs.resolve("generate.log"), join(List.of("generate-sample-data", "--program", program,
            "--rows", Long.toString(rows), "--run-date", runDate), overrides));
        if (Files.exists(history)) {
          deleteRecursively(pristine);
          copyRecursively(history, pristine);
        }
        write(marker, generated.summary.toString());
        result.put("generate_s", generated.seconds());
      }
      if (!Files.isDirectory(models) || !hasChampions(models)) {
        Child trained = Child.run(sizeRoot, logs.resolve("train.log"), join(List.of("train-model", "--program", program, "--run-date", runDate), overrides));
        result.put("train_s", trained.seconds());
      }
      Path peerRoot = sizeRoot.resolve("peer");
      if (peer.isPresent()) {
        if (generatedNow) {
          deleteRecursively(peerRoot);
        }
        result.putAll(preparePeer(peer.get(), sizeRoot.resolve("data").resolve(program),
            Files.exists(pristine) ? pristine : history, peerRoot, peerModels, logs));
      }

      List<Map<String, Object>> runs = new ArrayList<>();
      List<Map<String, Object>> peerRuns = new ArrayList<>();
      for (int i = 0; i < repeats; i++) {
        if (Files.exists(pristine)) {
          deleteRecursively(history);
          copyRecursively(pristine, history);
        }
        Child e2e = Child.run(sizeRoot, logs.resolve("run-" + (i + 1) + ".log"), join(List.of(program, "--run-date", runDate), overrides));
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("pair", i + 1);
        run.putAll(e2e.process().figures());
        run.put("job_s", e2e.summary.path("total_ms").asLong() / 1000.0);
        run.put("input_rows", e2e.summary.path("input_rows").asLong());
        run.put("candidates", e2e.summary.path("candidates").asLong());
        run.put("stage_ms", JSON.convertValue(e2e.summary.path("stage_timings_ms"), Map.class));
        run.put("jvm", JSON.convertValue(e2e.summary.path("jvm"), Map.class));
        runs.add(run);
        if (peer.isPresent()) {
          peerRuns.add(runPeer(peer.get(), i + 1, sizeRoot, peerRoot, peerModels, runDate, e2e.summary(), logs));
        }
      }
      if (peer.isPresent()) {
        result.put("peer", peerFigures(runs, peerRuns));
      }
      runs.sort(Comparator.comparingDouble(r -> (double) r.get("wall_s")));
      Map<String, Object> median = runs.get(runs.size() / 2);
      result.put("end_to_end", median);
      result.put("runs", runs);

      Child floor = Child.run(sizeRoot, logs.resolve("floor.log"), join(List.of("bench-floor", "--program", program, "--run-date", runDate), overrides));
      Map<String, Object> floorFigures = new LinkedHashMap<>();
      floorFigures.put("scan_rows", floor.summary.path("scan_rows").asLong());
      floorFigures.put("scan_s", floor.summary.path("scan_ms").asLong() / 1000.0);
      floorFigures.put("predict_rows", floor.summary.path("predict_rows").asLong());
      floorFigures.put("predict_s", floor.summary.path("predict_ms").asLong() / 1000.0);
      floorFigures.put("predict_ms_by_model", JSON.convertValue(floor.summary.path("predict_ms_by_model"), Map.class));
      double floorSeconds = floor.summary.path("floor_ms").asLong() / 1000.0;
      floorFigures.put("floor_s", floorSeconds);
      double reasonCodesSeconds = floor.summary.path("reason_codes_extra_ms").asLong() / 1000.0;
      floorFigures.put("reason_codes_extra_s", reasonCodesSeconds);
      // The same reason codes by XGBoost's predictContrib, for comparison (the run uses TreeShap where it can).
      floorFigures.put("reason_codes_extra_s_xgboost", floor.summary.path("reason_codes_extra_ms_xgboost").asLong() / 1000.0);
      // The plain prediction again, warm, by XGBoost4J-Spark (the floor's engine) and by the program's (the JVM where it can).
      floorFigures.put("predict_warm_s_xgboost", floor.summary.path("predict_ms_warm_xgboost").asLong() / 1000.0);
      floorFigures.put("predict_warm_s", floor.summary.path("predict_ms_warm").asLong() / 1000.0);
      floorFigures.put("floor_with_reason_codes_s", floorSeconds + reasonCodesSeconds);
      floorFigures.put("wall_s", floor.seconds());
      if (floor.summary.hasNonNull("floor_note")) {
        // The floor is not what the table's header says (an uplift-only program: the scan alone).
        floorFigures.put("note", floor.summary.path("floor_note").asText());
      }
      result.put("floor", floorFigures);
      double wall = (double) median.get("wall_s");
      double job = (double) median.get("job_s");
      result.put("ratio_wall_to_floor", round(wall / floorSeconds, 2));
      result.put("ratio_job_to_floor", round(job / floorSeconds, 2));
      result.put("ratio_wall_to_floor_with_reason_codes", round(wall / (floorSeconds + reasonCodesSeconds), 2));
      result.put("rows_per_s", Math.round(rows / wall));
      results.add(result);
      System.err.println(table(program, results));
    }

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("program", program);
    report.put("run_date", runDate);
    report.put("measured_at", Instant.now().toString());
    report.put("machine", machine());
    report.put("driver_memory", System.getenv().getOrDefault("TARGETING_DRIVER_MEMORY", "6g"));
    peer.ifPresent(p -> report.put("peer", Map.of("directory", p.directory().toString(), "python", p.python().toString(),
        "packages", p.versions())));
    report.put("sizes", results);
    if (results.size() >= 2) {
      report.put("loglog_slope_wall", slope(results, "wall_s"));
      report.put("loglog_slope_job", slope(results, "job_s"));
    }
    mkdirs(output);
    Path file = output.resolve("bench-" + program + "-" + Instant.now().toString().replace(":", "") + ".json");
    try {
      write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String text = table(program, results) + (results.size() >= 2
        ? String.format(Locale.ROOT, "%nlog-log slope of time vs rows: %.3f end to end (wall), %.3f job%n",
            report.get("loglog_slope_wall"), report.get("loglog_slope_job")) : "");
    System.err.println(text);
    System.err.println("figures: " + file);
    return new RunSummary().put("job", "bench").put("program", program).put("report", file.toString())
        .put("sizes", results.size()).put("status", "succeeded");
  }

  /**
   * The peer's inputs for one size, untimed: its data folder, the contact history as CSV (exported
   * from the Delta table as generated), and its boosters when not trained yet. Returns the seconds
   * each step took (peer_export_s, peer_train_s), for the record.
   */
  private static Map<String, Object> preparePeer(PeerBench.Peer peer, Path generated, Path contactHistory, Path peerRoot,
      Path peerModels, Path logs) {
    Map<String, Object> figures = new LinkedHashMap<>();
    Path data = PeerBench.linkData(generated, peerRoot.resolve("data"));
    Path contacts = peerRoot.resolve("contact_history_csv");
    if (!Files.exists(contacts.resolve("_SUCCESS"))) {
      deleteRecursively(contacts);
      Path log = logs.resolve("peer-export.log");
      System.err.printf(Locale.ROOT, "bench: exporting the contact history to CSV for the peer (log %s)%n", log);
      MeasuredProcess export = MeasuredProcess.run(List.of("bash", peer.exporter().toString(), Path.of("").toAbsolutePath().toString(),
          contactHistory.toString(), contacts.toString()), Path.of("").toAbsolutePath(), Map.of(), log);
      if (export.exit() != 0) {
        throw TargetingException.userError("bench: %s failed (exit %d); see %s", peer.exporter(), export.exit(), log);
      }
      figures.put("peer_export_s", export.wallSeconds());
    }
    if (!Files.exists(peerModels.resolve("meta.json"))) {
      mkdirs(peerModels);
      Path log = logs.resolve("peer-train.log");
      System.err.printf(Locale.ROOT, "bench: training the peer's models into %s (log %s)%n", peerModels, log);
      MeasuredProcess train = MeasuredProcess.run(List.of(peer.python().toString(), peer.script().toString(), "train",
          "--data", data.toString(), "--models", peerModels.toString()), Path.of("").toAbsolutePath(), Map.of(), log);
      if (train.exit() != 0) {
        throw TargetingException.userError("bench: %s train failed (exit %d); see %s", peer.script(), train.exit(), log);
      }
      figures.put("peer_train_s", train.wallSeconds());
    }
    return figures;
  }

  /**
   * One timed run of the peer into a fresh output folder, on the data and run date of the program's
   * run just before it; its figures, its stage times and whether its funnel equals that run's.
   */
  private static Map<String, Object> runPeer(PeerBench.Peer peer, int pair, Path sizeRoot, Path peerRoot, Path peerModels,
      String runDate, JsonNode projectSummary, Path logs) {
    Path out = peerRoot.resolve("out");
    deleteRecursively(out);
    Path log = logs.resolve("peer-run-" + pair + ".log");
    System.err.printf(Locale.ROOT, "bench: peer run %d (log %s)%n", pair, log);
    MeasuredProcess process = MeasuredProcess.run(List.of(peer.python().toString(), peer.script().toString(), "run",
        "--data", peerRoot.resolve("data").toString(), "--models", peerModels.toString(), "--out", out.toString(),
        "--contact-csv", peerRoot.resolve("contact_history_csv").toString(), "--run-date", runDate),
        sizeRoot, Map.of(), log);
    if (process.exit() != 0) {
      throw TargetingException.userError("bench: the peer's run failed (exit %d); see %s", process.exit(), log);
    }
    JsonNode summary = PeerBench.summary(process.lastLine(), log);
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("pair", pair);
    run.putAll(process.figures());
    run.put("job_s", summary.path("total_ms").asLong() / 1000.0);
    run.put("input_rows", summary.path("input_rows").asLong());
    run.put("quarantined_rows", summary.path("quarantined_rows").asLong());
    run.put("candidates", summary.path("candidates").asLong());
    run.put("stage_ms", JSON.convertValue(summary.path("stage_timings_ms"), Map.class));
    run.put("funnel_differences", PeerBench.funnelDifferences(projectSummary, summary));
    return run;
  }

  /** A size's comparison: medians of each side over the alternated pairs, their ratios (project / peer), the loads. */
  static Map<String, Object> peerFigures(List<Map<String, Object>> projectRuns,
      List<Map<String, Object>> peerRuns) {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("project_wall_s", median(projectRuns, "wall_s"));
    figures.put("project_cpu_s", median(projectRuns, "cpu_s"));
    figures.put("project_peak_rss_mib", median(projectRuns, "peak_rss_mib"));
    figures.put("peer_wall_s", median(peerRuns, "wall_s"));
    figures.put("peer_cpu_s", median(peerRuns, "cpu_s"));
    figures.put("peer_peak_rss_mib", median(peerRuns, "peak_rss_mib"));
    figures.put("ratio_wall", round(median(projectRuns, "wall_s") / median(peerRuns, "wall_s"), 2));
    figures.put("ratio_cpu", round(median(projectRuns, "cpu_s") / median(peerRuns, "cpu_s"), 2));
    figures.put("project_load_1m", projectRuns.stream().map(r -> r.get("load_1m")).toList());
    figures.put("peer_load_1m", peerRuns.stream().map(r -> r.get("load_1m")).toList());
    List<String> differences = new ArrayList<>();
    for (Map<String, Object> run : peerRuns) {
      @SuppressWarnings("unchecked")
      List<String> pairDifferences = (List<String>) run.get("funnel_differences");
      pairDifferences.forEach(d -> differences.add("pair " + run.get("pair") + ": " + d));
    }
    figures.put("funnel_agrees", differences.isEmpty());
    figures.put("funnel_differences", differences);
    figures.put("runs", peerRuns);
    return figures;
  }

  /** The median of a figure over runs (the upper one of an even count), NaN when no run has it. */
  static double median(List<Map<String, Object>> runs, String key) {
    List<Double> values = runs.stream().map(r -> r.get(key)).filter(v -> v instanceof Number)
        .map(v -> ((Number) v).doubleValue()).sorted().toList();
    return values.isEmpty() ? Double.NaN : values.get(values.size() / 2);
  }

  /** The peer's table: a line per size with both sides' medians, the ratios, the loads and the funnel check. */
  static String peerTable(List<Map<String, Object>> results) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%nproject vs the pandas peer, same data, runs alternated (medians; ratio = project / peer; "
        + "CPU = user + sys of the process tree; load = 1-minute load average at each run's start)%n"));
    out.append(String.format(Locale.ROOT, "%12s %10s %9s %9s %9s %9s %9s %10s %10s %10s %15s %15s  %s%n",
        "rows", "candidates", "proj wall", "proj cpu", "peer wall", "peer cpu", "x wall", "x cpu", "proj rss", "peer rss",
        "load proj", "load peer", "funnel"));
    for (Map<String, Object> r : results) {
      Map<String, Object> peer = part(r, "peer");
      if (peer == null) {
        continue;
      }
      Map<String, Object> e2e = part(r, "end_to_end");
      out.append(String.format(Locale.ROOT, "%12d %10s %8.1fs %8.1fs %8.1fs %8.1fs %8.2fx %9.2fx %8.0f M %8.0f M %15s %15s  %s%n",
          r.get("rows"), e2e.get("candidates"), peer.get("project_wall_s"), peer.get("project_cpu_s"), peer.get("peer_wall_s"),
          peer.get("peer_cpu_s"), peer.get("ratio_wall"), peer.get("ratio_cpu"), peer.get("project_peak_rss_mib"),
          peer.get("peer_peak_rss_mib"), loads(peer.get("project_load_1m")), loads(peer.get("peer_load_1m")),
          Boolean.TRUE.equals(peer.get("funnel_agrees")) ? "same (input, quarantined, each filter, candidates)"
              : "DIFFERS: " + String.join("; ", castList(peer.get("funnel_differences")))));
    }
    return out.toString();
  }

  private static String loads(Object values) {
    return String.join(" ", castList(values).stream().map(v -> v == null ? "-" : String.format(Locale.ROOT, "%.1f",
        ((Number) v).doubleValue())).toList());
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> castList(Object list) {
    return (List<T>) list;
  }

  static long parseRows(String value) {
    String v = value.toLowerCase(Locale.ROOT).replace("_", "");
    long scale = v.endsWith("m") ? 1_000_000L : v.endsWith("k") ? 1_000L : 1L;
    try {
      long rows = Long.parseLong(scale == 1 ? v : v.substring(0, v.length() - 1)) * scale;
      if (rows < 1) {
        throw TargetingException.userError("--rows: sizes must be positive, was %s", value);
      }
      return rows;
    } catch (NumberFormatException e) {
      throw TargetingException.userError("--rows: '%s' is not a row count (e.g. 150000, 1m, 10m)", value);
    }
  }

  /** The human table: a line per size, then each stage's time and throughput per size. */
  static String table(String program, List<Map<String, Object>> results) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%nbench %s (floor = plain scan + plain predict; +shap = the reason codes' extra; "
        + "e2e/f+s = e2e over floor plus that)%n", program));
    out.append(String.format(Locale.ROOT, "%12s %10s %9s %9s %9s %9s %8s %8s %9s %8s %11s %10s %10s%n",
        "rows", "candidates", "e2e s", "job s", "scan s", "predict s", "floor s", "e2e/flr", "+shap s", "e2e/f+s",
        "rows/s e2e", "heap peak", "heap max"));
    for (Map<String, Object> r : results) {
      Map<String, Object> e2e = part(r, "end_to_end");
      Map<String, Object> floor = part(r, "floor");
      Map<String, Object> jvm = part(e2e, "jvm");
      out.append(String.format(Locale.ROOT, "%12d %10d %9.1f %9.1f %9.1f %9.1f %8.1f %8.2f %9.1f %8.2f %11d %8s M %8s M%n",
          r.get("rows"), e2e.get("candidates"), e2e.get("wall_s"), e2e.get("job_s"), floor.get("scan_s"), floor.get("predict_s"),
          floor.get("floor_s"), r.get("ratio_wall_to_floor"), floor.get("reason_codes_extra_s"),
          r.get("ratio_wall_to_floor_with_reason_codes"), r.get("rows_per_s"), jvm.get("heap_peak_mib"), jvm.get("heap_max_mib")));
    }
    Map<String, Boolean> stages = new LinkedHashMap<>();
    for (Map<String, Object> r : results) {
      Map<String, Object> e2e = part(r, "end_to_end");
      Map<String, Object> stageMs = part(e2e, "stage_ms");
      stageMs.keySet().forEach(s -> stages.put(s, true));
    }
    out.append(String.format(Locale.ROOT, "%nstage (seconds | input rows per second)%n%-18s", "stage"));
    for (Map<String, Object> r : results) {
      out.append(String.format(Locale.ROOT, " %24s", r.get("rows") + " rows"));
    }
    out.append('\n');
    for (String stage : stages.keySet()) {
      out.append(String.format(Locale.ROOT, "%-18s", stage));
      for (Map<String, Object> r : results) {
        Map<String, Object> e2e = part(r, "end_to_end");
        Map<String, Object> stageMs = part(e2e, "stage_ms");
        Object ms = stageMs.get(stage);
        if (ms == null || ((Number) ms).doubleValue() < 50) {
          out.append(String.format(Locale.ROOT, " %9s s | %11s", ms == null ? "-" : "0.0", "-"));
        } else {
          double seconds = ((Number) ms).doubleValue() / 1000.0;
          long perSecond = seconds > 0 ? Math.round(((Number) r.get("rows")).doubleValue() / seconds) : 0;
          out.append(String.format(Locale.ROOT, " %9.1f s | %9d/s", seconds, perSecond));
        }
      }
      out.append('\n');
    }
    // What the job spent outside its timed stages: config, plan building, the summary write.
    out.append(String.format(Locale.ROOT, "%-18s", "(outside stages)"));
    for (Map<String, Object> r : results) {
      Map<String, Object> e2e = part(r, "end_to_end");
      Map<String, Object> stageMs = part(e2e, "stage_ms");
      double staged = stageMs.values().stream().mapToDouble(v -> ((Number) v).doubleValue()).sum() / 1000.0;
      out.append(String.format(Locale.ROOT, " %9.1f s %14s", (double) e2e.get("job_s") - staged, ""));
    }
    out.append('\n');
    out.append(String.format(Locale.ROOT, "%-18s", "(JVM start, exit)"));
    for (Map<String, Object> r : results) {
      Map<String, Object> e2e = part(r, "end_to_end");
      out.append(String.format(Locale.ROOT, " %9.1f s %14s", (double) e2e.get("wall_s") - (double) e2e.get("job_s"), ""));
    }
    out.append('\n');
    if (results.stream().anyMatch(r -> r.containsKey("peer"))) {
      out.append(peerTable(results));
    }
    return out.toString();
  }

  /** A nested part of a size's figures (the end-to-end run, the floor, the JVM, the stages). */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> part(Map<String, Object> figures, String key) {
    return (Map<String, Object>) figures.get(key);
  }

  /** Least-squares slope of log(time) against log(rows). */
  static double slope(List<Map<String, Object>> results, String key) {
    double n = results.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (Map<String, Object> r : results) {
      Map<String, Object> e2e = part(r, "end_to_end");
      double x = Math.log(((Number) r.get("rows")).doubleValue());
      double y = Math.log(((Number) e2e.get(key)).doubleValue());
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    return round((n * sxy - sx * sy) / (n * sxx - sx * sx), 3);
  }

  private static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }

  private static Map<String, Object> machine() {
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    machine.put("java", System.getProperty("java.version"));
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          machine.put("memory_gib", Math.round(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: memory left out
    }
    return machine;
  }

  private static boolean hasChampions(Path models) {
    try (Stream<Path> entries = Files.list(models)) {
      List<Path> ids = entries.filter(Files::isDirectory).toList();
      return !ids.isEmpty() && ids.stream().allMatch(id -> Files.exists(id.resolve("champion.json")));
    } catch (IOException e) {
      return false;
    }
  }

  private static List<String> join(List<String> command, List<String> overrides) {
    List<String> all = new ArrayList<>(command);
    all.addAll(overrides);
    return all;
  }

  /** One job in a fresh JVM through the local launcher, as a scheduler starts it; measured (see {@link MeasuredProcess}). */
  private record Child(MeasuredProcess process, JsonNode summary) {
    double seconds() {
      return process.wallSeconds();
    }

    static Child run(Path localRoot, Path log, List<String> arguments) {
      List<String> command = new ArrayList<>();
      command.add(LAUNCHER);
      command.addAll(arguments);
      System.err.printf(Locale.ROOT, "bench: %s (log %s)%n", String.join(" ", arguments), log);
      MeasuredProcess process = MeasuredProcess.run(command, Path.of("").toAbsolutePath(),
          Map.of("TARGETING_LOCAL_ROOT", localRoot.toString()), log);
      String lastLine = process.lastLine();
      JsonNode summary;
      try {
        summary = lastLine == null ? null : JSON.readTree(lastLine);
      } catch (IOException e) {
        summary = null;
      }
      if (process.exit() != 0 || summary == null || !"succeeded".equals(summary.path("status").asText())) {
        throw TargetingException.userError("bench: %s failed (exit %d): %s; see %s", String.join(" ", arguments), process.exit(),
            summary == null ? "no summary" : summary.path("error").toString(), log);
      }
      return new Child(process, summary);
    }
  }

  private static void mkdirs(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw TargetingException.external(e, "bench: cannot create %s", directory);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw TargetingException.external(e, "bench: cannot write %s", file);
    }
  }

  private static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      Iterator<Path> paths = walk.sorted(Comparator.reverseOrder()).iterator();
      while (paths.hasNext()) {
        Files.delete(paths.next());
      }
    } catch (IOException e) {
      throw TargetingException.external(e, "bench: cannot delete %s", path);
    }
  }

  private static void copyRecursively(Path from, Path to) {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path source : (Iterable<Path>) walk::iterator) {
        Files.copy(source, to.resolve(from.relativize(source).toString()), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw TargetingException.external(e, "bench: cannot copy %s to %s", from, to);
    }
  }
}
