package com.targeting.core.program;

import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.TargetingException;
import com.targeting.core.filter.Funnel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary's JSON is what analysts and schedulers read: its fields, their order and their values. */
class RunSummaryTest {
  @Test
  void theFunnelIsWrittenStepByStepInChainOrderWithPercentagesOfTheInput() {
    Map<String, Long> removed = new LinkedHashMap<>();
    removed.put("trust", 2L);
    removed.put("age", 1L);
    String json = new RunSummary().funnel(new Funnel(9, Map.of("non-finite", 3L), removed, 3)).toJson();

    assertThat(json).isEqualTo("{\"input_rows\":9,\"quarantined_rows\":3,\"quarantined_by_rule\":{\"non-finite\":3},"
        + "\"removed_by_filter\":{\"trust\":2,\"age\":1},"
        + "\"funnel\":[{\"filter\":\"trust\",\"removed\":2,\"removed_pct_of_input\":22.22,\"remaining\":4},"
        + "{\"filter\":\"age\",\"removed\":1,\"removed_pct_of_input\":11.11,\"remaining\":3}],"
        + "\"candidates\":3,\"pass_rate_pct\":33.33}");
  }

  @Test
  void aFailureIsStatusFailedWithWhoHasToActAndTheMessage() {
    String json = new RunSummary().failed(TargetingException.userError("Extract %s has no rows", "s3://b/x.csv")).toJson();

    assertThat(json).isEqualTo("{\"status\":\"failed\",\"error\":{\"category\":\"user_error\",\"message\":\"Extract s3://b/x.csv has no rows\"}}");
  }
}
