package com.targeting.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The benchmark's peer ({@code bench --peer DIR}): the investment-recommendations run written in
 * plain pandas + Python xgboost ({@code ../shared/peers/investment-pandas}), run beside the program
 * on the same generated data. The peer is a tool outside the project, run by the machine's
 * {@code /usr/bin/python3}; the project never depends on it.
 *
 * <p>Per size, untimed: its data folder ({@code <size>/peer/data}: links to the generated
 * customer extract, opt-outs and labeled history, and {@code market_data} linked to the CSV vendor
 * extract {@code market_data_extract}, since the peer reads market data as CSV and the program
 * reads the Delta table), the contact history exported from Delta to CSV ({@code
 * export_delta.sh}: Debian's pandas reads no Parquet), and once for all sizes its two boosters,
 * trained by {@code peer.py train} with its own fixed hyper-parameters (those of the program's
 * {@code model-defaults.xgboost}). Timed: {@code peer.py run}, each run into a fresh output folder.
 */
final class PeerBench {
  /** The only program the peer mirrors. */
  static final String PROGRAM = "investment-recommendations";
  static final Path PYTHON = Path.of("/usr/bin/python3");
  /** What {@code peer.py} imports (sklearn for training's metrics). */
  static final List<String> MODULES = List.of("pandas", "xgboost", "sklearn");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The peer's folder, the Python that runs it, and that Python's package versions. */
  record Peer(Path directory, Path python, String versions) {
    Path script() {
      return directory.resolve("peer.py");
    }

    Path exporter() {
      return directory.resolve("export_delta.sh");
    }
  }

  private PeerBench() {}

  /**
   * Checks {@code --peer} before anything runs: only with the program it mirrors, a folder holding
   * {@code peer.py} and {@code export_delta.sh}, a Python that imports {@code modules}, and GNU
   * time to measure CPU time.
   *
   * @throws TargetingException user error naming {@code --peer}, the folder, the Python or the
   *     missing module
   */
  static Optional<Peer> check(String program, Optional<String> option, Path python, List<String> modules, boolean canMeasure) {
    if (option.isEmpty()) {
      return Optional.empty();
    }
    if (!PROGRAM.equals(program)) {
      throw TargetingException.userError("bench: --peer %s mirrors only %s; it cannot run beside --program %s",
          option.get(), PROGRAM, program);
    }
    Path directory = Path.of(option.get()).toAbsolutePath().normalize();
    for (String file : List.of("peer.py", "export_delta.sh")) {
      if (!Files.isRegularFile(directory.resolve(file))) {
        throw TargetingException.userError("bench: --peer %s: no %s in %s (the folder of the pandas peer, "
            + "e.g. ../shared/peers/investment-pandas)", option.get(), file, directory);
      }
    }
    if (!canMeasure) {
      throw TargetingException.userError("bench: --peer needs GNU time at %s to measure each run's CPU time and peak RSS "
          + "(apt-get install time)", MeasuredProcess.GNU_TIME);
    }
    String versions = pythonVersions(python, modules);
    return Optional.of(new Peer(directory, python, versions));
  }

  /**
   * The versions of {@code modules} under {@code python} ("pandas 1.5.3, xgboost 1.7.4, ...").
   *
   * @throws TargetingException user error naming the Python, and the module it cannot import
   */
  static String pythonVersions(Path python, List<String> modules) {
    if (!Files.isExecutable(python)) {
      throw TargetingException.userError("bench: --peer runs the peer with %s, which is not here (apt-get install python3 "
          + "python3-pandas python3-sklearn python3-xgboost)", python);
    }
    StringBuilder code = new StringBuilder("import importlib\nfor m in [");
    for (String module : modules) {
      code.append('\'').append(module).append("',");
    }
    code.append("]:\n  try:\n    v = importlib.import_module(m).__version__\n  except Exception as e:\n"
        + "    print('MISSING ' + m + ': ' + str(e)); raise SystemExit(1)\n  print(m + ' ' + v)\n");
    try {
      Process process = new ProcessBuilder(python.toString(), "-c", code.toString()).redirectErrorStream(true).start();
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      int exit = process.waitFor();
      Optional<String> missing = out.lines().filter(line -> line.startsWith("MISSING ")).findFirst();
      if (exit != 0 || missing.isPresent()) {
        throw TargetingException.userError("bench: --peer: %s cannot import what the peer needs: %s (apt-get install "
            + "python3-pandas python3-sklearn python3-xgboost)", python,
            missing.map(line -> line.substring("MISSING ".length())).orElse("exit " + exit + ": " + out));
      }
      return String.join(", ", out.lines().toList());
    } catch (IOException e) {
      throw TargetingException.userError("bench: --peer: cannot run %s: %s", python, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw TargetingException.internal("bench: interrupted while checking %s", python);
    }
  }

  /**
   * The peer's summary: the last line {@code peer.py run} prints, a JSON object with the funnel
   * ({@code input_rows}, {@code quarantined_rows}, {@code candidates}, {@code removed_by_filter}).
   *
   * @throws TargetingException user error naming the log, when the line is missing, not JSON, or
   *     lacks a funnel count
   */
  static JsonNode summary(String lastLine, Path log) {
    JsonNode summary;
    try {
      summary = lastLine == null ? null : JSON.readTree(lastLine);
    } catch (IOException e) {
      summary = null;
    }
    if (summary == null || !summary.isObject()) {
      throw TargetingException.userError("bench: the peer's last line of output is not its summary JSON but '%s'; see %s",
          lastLine == null ? "" : lastLine.length() > 200 ? lastLine.substring(0, 200) + "..." : lastLine, log);
    }
    for (String field : FUNNEL) {
      if (!summary.path(field).isIntegralNumber()) {
        throw TargetingException.userError("bench: the peer's summary has no whole number %s; see %s", field, log);
      }
    }
    return summary;
  }

  /** The funnel counts compared between the program's summary and the peer's. */
  static final List<String> FUNNEL = List.of("input_rows", "quarantined_rows", "candidates");

  /**
   * Where the program's funnel and the peer's differ: input rows, quarantined rows, candidates, and
   * the rows each filter removed ("candidates: project 44752, peer 44751"); empty when they agree.
   */
  static List<String> funnelDifferences(JsonNode project, JsonNode peer) {
    List<String> differences = new ArrayList<>();
    for (String field : FUNNEL) {
      compare(differences, field, project.path(field), peer.path(field));
    }
    Set<String> filters = new LinkedHashSet<>();
    for (JsonNode side : List.of(project.path("removed_by_filter"), peer.path("removed_by_filter"))) {
      for (Iterator<String> names = side.fieldNames(); names.hasNext(); ) {
        filters.add(names.next());
      }
    }
    for (String filter : filters) {
      compare(differences, "removed by " + filter, project.path("removed_by_filter").path(filter),
          peer.path("removed_by_filter").path(filter));
    }
    return differences;
  }

  private static void compare(List<String> differences, String name, JsonNode project, JsonNode peer) {
    String a = project.isMissingNode() ? "none" : project.asText();
    String b = peer.isMissingNode() ? "none" : peer.asText();
    if (!a.equals(b)) {
      differences.add(name + ": project " + a + ", peer " + b);
    }
  }

  /**
   * The peer's data folder for one size: links to the generated CSV tables it reads, and {@code
   * market_data} to the CSV vendor extract (the program's own {@code market_data} is Delta).
   */
  static Path linkData(Path generated, Path peerData) {
    try {
      Files.createDirectories(peerData);
      for (Map.Entry<String, String> link : Map.of(
          "customer_investment_profiles", "customer_investment_profiles",
          "opt_outs", "opt_outs",
          "investment_history", "investment_history",
          "market_data", "market_data_extract").entrySet()) {
        Path target = generated.resolve(link.getValue());
        if (!Files.isDirectory(target)) {
          throw TargetingException.userError("bench: --peer needs %s, which the sample data generator did not write", target);
        }
        Path name = peerData.resolve(link.getKey());
        Files.deleteIfExists(name);
        Files.createSymbolicLink(name, target);
      }
      return peerData;
    } catch (IOException e) {
      throw TargetingException.external(e, "bench: cannot link the peer's data under %s", peerData);
    }
  }
}
