package com.targeting.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.targeting.core.TargetingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench --peer}: its argument checks, the peer's summary line, the funnel comparison, the
 * CPU-time measurement of a child process tree (a real {@code sh} under GNU time) and the table, on
 * made-up figures. No time is asserted.
 */
class PeerBenchTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path temp;

  private Path peerFolder() throws Exception {
    Path folder = Files.createDirectories(temp.resolve("investment-pandas"));
    Files.writeString(folder.resolve("peer.py"), "# the peer\n");
    Files.writeString(folder.resolve("export_delta.sh"), "#!/bin/sh\n");
    return folder;
  }

  @Test
  void noPeerOptionNoPeer() {
    assertThat(PeerBench.check("loan-offer-targeting", Optional.empty(), temp.resolve("python3"), PeerBench.MODULES, false))
        .isEmpty();
  }

  @Test
  void thePeerRunsOnlyBesideTheProgramItMirrors() throws Exception {
    String folder = peerFolder().toString();
    assertThatThrownBy(() -> PeerBench.check("loan-offer-targeting", Optional.of(folder), PeerBench.PYTHON, PeerBench.MODULES, true))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("--peer").hasMessageContaining("investment-recommendations").hasMessageContaining("loan-offer-targeting");
  }

  @Test
  void aFolderWithoutThePeerIsNamed() throws Exception {
    Path empty = Files.createDirectories(temp.resolve("not-a-peer"));
    assertThatThrownBy(() -> PeerBench.check(PeerBench.PROGRAM, Optional.of(empty.toString()), PeerBench.PYTHON, PeerBench.MODULES, true))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("--peer " + empty).hasMessageContaining("no peer.py");
    Path onlyScript = Files.createDirectories(temp.resolve("half-a-peer"));
    Files.writeString(onlyScript.resolve("peer.py"), "");
    assertThatThrownBy(() -> PeerBench.check(PeerBench.PROGRAM, Optional.of(onlyScript.toString()), PeerBench.PYTHON,
        PeerBench.MODULES, true)).hasMessageContaining("no export_delta.sh");
  }

  @Test
  void withoutGnuTimeThereIsNoCpuTimeAndThePeerIsRefused() throws Exception {
    String folder = peerFolder().toString();
    assertThatThrownBy(() -> PeerBench.check(PeerBench.PROGRAM, Optional.of(folder), PeerBench.PYTHON, PeerBench.MODULES, false))
        .isInstanceOf(TargetingException.class).hasMessageContaining("--peer").hasMessageContaining("/usr/bin/time");
  }

  @Test
  void aMissingPythonIsNamed() throws Exception {
    Path python = temp.resolve("bin/python3");
    String folder = peerFolder().toString();
    assertThatThrownBy(() -> PeerBench.check(PeerBench.PROGRAM, Optional.of(folder), python, PeerBench.MODULES, true))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining("--peer").hasMessageContaining(python.toString()).hasMessageContaining("python3-xgboost")
        .satisfies(e -> assertThat(((TargetingException) e).category()).isEqualTo(TargetingException.Category.USER_ERROR));
  }

  @Test
  void aPythonThatCannotImportAModuleNamesIt() {
    assumeTrue(Files.isExecutable(PeerBench.PYTHON), "no " + PeerBench.PYTHON + " here");
    assertThatThrownBy(() -> PeerBench.pythonVersions(PeerBench.PYTHON, List.of("json_no_such_module_for_bench")))
        .isInstanceOf(TargetingException.class)
        .hasMessageContaining(PeerBench.PYTHON.toString()).hasMessageContaining("json_no_such_module_for_bench");
  }

  @Test
  void thePeersSummaryIsItsLastLine() {
    Path log = temp.resolve("peer-run-1.log");
    JsonNode summary = PeerBench.summary("{\"input_rows\":100,\"quarantined_rows\":2,\"removed_by_filter\":{\"trust\":5},"
        + "\"candidates\":30,\"total_ms\":1200}", log);
    assertThat(summary.path("candidates").asLong()).isEqualTo(30);

    assertThatThrownBy(() -> PeerBench.summary("Traceback (most recent call last):", log))
        .isInstanceOf(TargetingException.class).hasMessageContaining("Traceback").hasMessageContaining(log.toString());
    assertThatThrownBy(() -> PeerBench.summary(null, log)).hasMessageContaining(log.toString());
    assertThatThrownBy(() -> PeerBench.summary("{\"input_rows\":100,\"quarantined_rows\":2}", log))
        .hasMessageContaining("candidates").hasMessageContaining(log.toString());
  }

  @Test
  void theFunnelsAreComparedCountByCountAndFilterByFilter() throws Exception {
    JsonNode project = JSON.readTree("{\"input_rows\":100,\"quarantined_rows\":2,\"removed_by_filter\":{\"trust\":5,\"eligibility\":63},"
        + "\"candidates\":30,\"status\":\"succeeded\"}");
    JsonNode same = JSON.readTree("{\"input_rows\":100,\"quarantined_rows\":2,\"removed_by_filter\":{\"eligibility\":63,\"trust\":5},"
        + "\"candidates\":30}");
    JsonNode other = JSON.readTree("{\"input_rows\":100,\"quarantined_rows\":2,\"removed_by_filter\":{\"trust\":4,\"eligibility\":63,"
        + "\"extra\":1},\"candidates\":30}");

    assertThat(PeerBench.funnelDifferences(project, same)).isEmpty();
    assertThat(PeerBench.funnelDifferences(project, other))
        .containsExactly("removed by trust: project 5, peer 4", "removed by extra: project none, peer 1");
  }

  @Test
  void cpuTimeCountsTheWholeProcessTree() {
    assumeTrue(MeasuredProcess.canMeasure(), "no GNU time at " + MeasuredProcess.GNU_TIME);
    // The child shell only waits; its own child, a subshell, does the work: the CPU time is that subshell's.
    MeasuredProcess busy = MeasuredProcess.run(List.of("sh", "-c",
            "( i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo counted $i ) & wait; echo last line"),
        temp, Map.of(), temp.resolve("busy.log"));

    assertThat(busy.exit()).isZero();
    assertThat(busy.lastLine()).isEqualTo("last line");
    assertThat(busy.usage()).isPresent();
    assertThat(busy.usage().get().cpuSeconds()).as("the grandchild's CPU time").isPositive();
    assertThat(busy.usage().get().peakRssKib()).isPositive();
    assertThat(busy.figures()).containsKeys("wall_s", "cpu_s", "user_s", "sys_s", "peak_rss_mib");
  }

  @Test
  void aFailedChildStillHasItsFigures() {
    assumeTrue(MeasuredProcess.canMeasure(), "no GNU time at " + MeasuredProcess.GNU_TIME);
    MeasuredProcess failed = MeasuredProcess.run(List.of("sh", "-c", "echo half; exit 3"), temp, Map.of("X", "1"),
        temp.resolve("failed.log"));

    assertThat(failed.exit()).isEqualTo(3);
    assertThat(failed.lastLine()).isEqualTo("half");
    assertThat(failed.usage()).isPresent();
  }

  @Test
  void gnuTimesFiguresAreItsLastLine() {
    Path file = temp.resolve("time.txt");
    MeasuredProcess.Usage usage = MeasuredProcess.parseTimeOutput("Command exited with non-zero status 3\n1.52 0.40 0.05 2048\n", file);
    assertThat(usage.userSeconds()).isEqualTo(0.40);
    assertThat(usage.systemSeconds()).isEqualTo(0.05);
    assertThat(usage.peakRssKib()).isEqualTo(2048);
    assertThat(usage.peakRssMib()).isEqualTo(2.0);

    assertThatThrownBy(() -> MeasuredProcess.parseTimeOutput("Command terminated by signal 9\n", file))
        .isInstanceOf(TargetingException.class).hasMessageContaining(file.toString()).hasMessageContaining("signal 9");
  }

  private static Map<String, Object> run(int pair, double wall, double cpu, double load) {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("pair", pair);
    run.put("wall_s", wall);
    run.put("cpu_s", cpu);
    run.put("peak_rss_mib", 100.0 * pair);
    run.put("load_1m", load);
    run.put("funnel_differences", new ArrayList<String>());
    return run;
  }

  @Test
  void theRatiosAreOfTheMediansAndTheTableSaysWhetherTheFunnelsAgree() {
    List<Map<String, Object>> project = List.of(run(1, 40, 60, 3.0), run(2, 44, 50, 3.5), run(3, 48, 70, 2.0));
    List<Map<String, Object>> peer = new ArrayList<>(List.of(run(1, 10, 12, 3.1), run(2, 12, 14, 2.9), run(3, 11, 20, 2.5)));
    Map<String, Object> figures = BenchJob.peerFigures(project, peer);

    assertThat(figures).containsEntry("project_wall_s", 44.0).containsEntry("peer_wall_s", 11.0).containsEntry("ratio_wall", 4.0)
        .containsEntry("project_cpu_s", 60.0).containsEntry("peer_cpu_s", 14.0).containsEntry("ratio_cpu", 4.29)
        .containsEntry("funnel_agrees", true).containsEntry("project_load_1m", List.of(3.0, 3.5, 2.0));

    Map<String, Object> size = new LinkedHashMap<>();
    size.put("rows", 20_000L);
    size.put("end_to_end", Map.of("candidates", 6000L));
    size.put("peer", figures);
    String agreeing = BenchJob.peerTable(List.of(size));
    assertThat(agreeing).contains("4.00x").contains("4.29x").contains("3.0 3.5 2.0").contains("same");

    Map<String, Object> differing = run(4, 12, 14, 1.0);
    differing.put("funnel_differences", List.of("candidates: project 6000, peer 5999"));
    peer.add(differing);
    size.put("peer", BenchJob.peerFigures(project, peer));
    assertThat(BenchJob.peerTable(List.of(size))).contains("DIFFERS: pair 4: candidates: project 6000, peer 5999");
  }
}
