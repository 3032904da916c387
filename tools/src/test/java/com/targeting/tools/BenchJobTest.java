package com.targeting.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.targeting.core.TargetingException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's arithmetic and report, on made-up figures (no timing is asserted anywhere). */
class BenchJobTest {
  private static Map<String, Object> size(long rows, double wall, double job) {
    Map<String, Object> e2e = new LinkedHashMap<>();
    e2e.put("wall_s", wall);
    e2e.put("job_s", job);
    e2e.put("candidates", rows / 3);
    e2e.put("stage_ms", Map.of("score_decide", (long) (job * 500)));
    e2e.put("jvm", Map.of("heap_peak_mib", 100, "heap_max_mib", 6144));
    Map<String, Object> floor = new LinkedHashMap<>();
    floor.put("scan_s", 1.0);
    floor.put("predict_s", 1.0);
    floor.put("floor_s", 2.0);
    floor.put("reason_codes_extra_s", 3.0);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("rows", rows);
    result.put("end_to_end", e2e);
    result.put("floor", floor);
    result.put("ratio_wall_to_floor", wall / 2.0);
    result.put("ratio_wall_to_floor_with_reason_codes", wall / 5.0);
    result.put("rows_per_s", Math.round(rows / wall));
    return result;
  }

  @Test
  void theSlopeIsThatOfTimeAgainstRowsOnLogLogScales() {
    assertThat(BenchJob.slope(List.of(size(100_000, 10, 9), size(1_000_000, 100, 99), size(10_000_000, 1000, 999)), "wall_s"))
        .as("time proportional to rows").isCloseTo(1.0, within(1e-9));
    assertThat(BenchJob.slope(List.of(size(1_000_000, 20, 19), size(10_000_000, 40, 39)), "wall_s"))
        .as("doubling for ten times the rows").isCloseTo(Math.log10(2), within(1e-3));
  }

  @Test
  void sizesReadAsCountsWithOptionalSuffixes() {
    assertThat(BenchJob.parseRows("150000")).isEqualTo(150_000);
    assertThat(BenchJob.parseRows("150k")).isEqualTo(150_000);
    assertThat(BenchJob.parseRows("10M")).isEqualTo(10_000_000);
    assertThat(BenchJob.parseRows("1_000_000")).isEqualTo(1_000_000);
    assertThatThrownBy(() -> BenchJob.parseRows("lots")).isInstanceOf(TargetingException.class).hasMessageContaining("'lots'");
    assertThatThrownBy(() -> BenchJob.parseRows("0")).isInstanceOf(TargetingException.class);
  }

  @Test
  void theTableHasALinePerSizeAndAColumnPerSizeForEachStage() {
    String table = BenchJob.table("investment-recommendations", List.of(size(150_000, 40, 37), size(1_000_000, 90, 86)));

    assertThat(table).contains("   150000 ").contains("  1000000 ").contains("score_decide").contains("(JVM start, exit)");
    assertThat(table.lines().filter(line -> line.startsWith("score_decide")).findFirst().orElseThrow())
        .contains("18.5 s").contains("43.0 s");
  }
}
