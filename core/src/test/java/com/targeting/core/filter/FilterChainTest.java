package com.targeting.core.filter;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.REMOVAL_REASON;
import static com.targeting.core.Columns.REMOVED_BY;
import static com.targeting.core.testing.TestSpark.rows;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class FilterChainTest {
  private static final FilterChain CHAIN = FilterChain.of(List.of(
      new RuleFilter("first", "business-rule", Map.of(), List.of(
          new RuleFilter.Rule("a > 0", "a not positive"),
          new RuleFilter.Rule("b = 'ok'", "b not ok"))),
      new RuleFilter("second", "business-rule", Map.of(), List.of(
          new RuleFilter.Rule("a < 10", "a too large")))));

  private static Dataset<Row> input() {
    return rows("id STRING, a INT, b STRING, quarantine_rule STRING, quarantine_reason STRING",
        new Object[] {"kept", 5, "ok", null, null},
        new Object[] {"a-fails-first", 0, "ok", null, null},
        new Object[] {"b-fails-first", 5, "no", null, null},
        new Object[] {"fails-both-filters", -1, "ok", null, null},
        new Object[] {"fails-second", 12, "ok", null, null},
        new Object[] {"null-is-not-proof", null, "ok", null, null},
        new Object[] {"quarantined", 0, "no", "null-key", "null id"});
  }

  @Test
  void eachRowIsAttributedToTheFirstFilterAndCheckThatRemovesIt() {
    Map<String, String[]> outcome = new HashMap<>();
    for (Row row : (Row[]) CHAIN.apply(input()).collect()) {
      outcome.put(row.getAs("id"), new String[] {row.getAs(REMOVED_BY), row.getAs(REMOVAL_REASON)});
    }

    assertThat(outcome.get("kept")).containsExactly(null, null);
    assertThat(outcome.get("a-fails-first")).containsExactly("first", "a not positive");
    assertThat(outcome.get("b-fails-first")).containsExactly("first", "b not ok");
    assertThat(outcome.get("fails-both-filters")).containsExactly("first", "a not positive");
    assertThat(outcome.get("fails-second")).containsExactly("second", "a too large");
    assertThat(outcome.get("null-is-not-proof")).containsExactly("first", "a not positive");
    assertThat(outcome.get("quarantined")).containsExactly(null, null);
  }

  @Test
  void theFunnelCountsEveryRowExactlyOnce() {
    Funnel funnel = Funnel.of(CHAIN.apply(input()), CHAIN.filterIds());

    assertThat(funnel.inputRows()).isEqualTo(7);
    assertThat(funnel.quarantinedByRule()).containsExactly(Map.entry("null-key", 1L));
    assertThat(funnel.removedByFilter()).containsExactly(Map.entry("first", 4L), Map.entry("second", 1L));
    assertThat(funnel.candidates()).isEqualTo(1);
    funnel.requireBalanced(7);
  }

  @Test
  void aFilterThatRemovesNothingStillAppearsInTheFunnel() {
    FilterChain chain = FilterChain.of(List.of(new RuleFilter("nothing", "business-rule", Map.of(),
        List.of(new RuleFilter.Rule("true", "never")))));

    Funnel funnel = Funnel.of(chain.apply(input().where(col(QUARANTINE_REASON).isNull())), chain.filterIds());

    assertThat(funnel.removedByFilter()).containsExactly(Map.entry("nothing", 0L));
    assertThat(funnel.candidates()).isEqualTo(6);
  }

  @Test
  void anUnbalancedFunnelIsABug() {
    Funnel funnel = Funnel.of(CHAIN.apply(input()), CHAIN.filterIds());

    assertThatThrownBy(() -> funnel.requireBalanced(8))
        .isInstanceOf(TargetingException.class)
        .hasMessage("Funnel does not balance: source has 8 rows but 7 are accounted for (quarantined 1, removed 5, candidates 1)");
  }

  @Test
  void aRuleThatIsNotAConditionIsRefusedNamingFilterAndType() {
    // Before: `a + 1` ran as a filter; Spark's CASE WHEN NOT(coalesce(a + 1, false)) failed inside the run.
    FilterChain chain = FilterChain.of(List.of(new RuleFilter("eligibility", "eligibility", Map.of(),
        List.of(new RuleFilter.Rule("b", "b given"), new RuleFilter.Rule("a + 1", "a set")))));

    assertThatThrownBy(() -> chain.apply(input()))
        .isInstanceOf(TargetingException.class)
        .hasMessageStartingWith("Filter eligibility, rule 'b given': keep must be a condition (boolean), but is of type string");
  }

  @Test
  void aRuleNamingAMissingColumnIsReportedWithItsFilterBeforeAnyRowIsRead() {
    FilterChain chain = FilterChain.of(List.of(new RuleFilter("eligibility", "eligibility", Map.of(),
        List.of(new RuleFilter.Rule("opted_out IS NULL", "opted out")))));

    assertThatThrownBy(() -> chain.apply(input()))
        .isInstanceOf(TargetingException.class)
        .hasMessageStartingWith("Filter eligibility, rule 'opted out' cannot be evaluated: [UNRESOLVED_COLUMN");
  }

  @Test
  void filterIdsMustBeUnique() {
    RuleFilter filter = new RuleFilter("same", "business-rule", Map.of(), List.of(new RuleFilter.Rule("true", "x")));
    assertThatThrownBy(() -> FilterChain.of(List.of(filter, filter))).hasMessage("Filter id same appears twice in the chain");
  }
}
