package com.targeting.core.transform;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
import static com.targeting.core.testing.TestSpark.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.validate.Contract;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/**
 * Derived values enter under the contract's rules. The newcomer's case: a portfolio_allocation of
 * {@code {"stocks": 1e400}} reached the multi-class model as a missing stocks share, silently
 * ({@code CAST} of the text {@code "Infinity"}, quotes included, is null).
 */
class DerivedColumnTest {
  private static final List<DerivedColumn> PORTFOLIO = List.of(
      new DerivedColumn("stocks_pct", "get_json_object(portfolio_allocation, '$.stocks')", Optional.of(DataTypes.DoubleType)),
      new DerivedColumn("growth", "power(10, stocks_pct)"),
      new DerivedColumn("trades", "get_json_object(portfolio_allocation, '$.trades')", Optional.of(DataTypes.IntegerType)));

  private static Map<String, Row> byCustomer(Dataset<Row> rows) {
    Map<String, Row> result = new LinkedHashMap<>();
    for (Row row : (Row[]) rows.collect()) {
      result.put(row.getAs("customer_id"), row);
    }
    return result;
  }

  @Test
  void aDerivedValueThatCannotEnterQuarantinesItsRowNamingTheColumnAndValue() {
    Dataset<Row> input = rows("customer_id STRING, portfolio_allocation STRING, quarantine_rule STRING, quarantine_reason STRING",
        new Object[] {"good", "{\"stocks\": 40, \"trades\": 3}", null, null},
        new Object[] {"huge", "{\"stocks\": 1e400}", null, null},
        new Object[] {"text", "{\"stocks\": \"forty\"}", null, null},
        new Object[] {"big", "{\"stocks\": 400}", null, null},
        new Object[] {"lossy", "{\"stocks\": 10, \"trades\": 2.5}", null, null},
        new Object[] {"missing", "{}", null, null},
        new Object[] {"earlier", "{\"stocks\": \"forty\"}", "impossible-age", "age outside 18-120"});

    Map<String, Row> rows = byCustomer(DerivedColumn.addAll(input, PORTFOLIO, Contract.Limits.DEFAULT));

    assertThat(rows.get("good").<Double>getAs("stocks_pct")).isEqualTo(40.0);
    assertThat(rows.get("good").<Integer>getAs("trades")).isEqualTo(3);
    assertThat(rows.get("good").<String>getAs(QUARANTINE_RULE)).isNull();
    assertThat(rows.get("missing").<String>getAs(QUARANTINE_RULE)).isNull(); // absent is missing, not broken
    assertThat(rows.get("missing").<Double>getAs("stocks_pct")).isNull();
    // get_json_object writes a number past double's range as the JSON text "Infinity", quotes included.
    assertThat(rows.get("huge").<String>getAs(QUARANTINE_RULE)).isEqualTo("unparseable");
    assertThat(rows.get("huge").<String>getAs(QUARANTINE_REASON)).isEqualTo("unparseable derived stocks_pct: '\"Infinity\"' is not double");
    assertThat(rows.get("text").<String>getAs(QUARANTINE_RULE)).isEqualTo("unparseable");
    assertThat(rows.get("text").<String>getAs(QUARANTINE_REASON)).isEqualTo("unparseable derived stocks_pct: 'forty' is not double");
    // Untyped doubles are checked too: 10^400 is Infinity.
    assertThat(rows.get("big").<String>getAs(QUARANTINE_RULE)).isEqualTo("non-finite");
    assertThat(rows.get("big").<String>getAs(QUARANTINE_REASON)).isEqualTo("non-finite derived growth: 'Infinity'");
    assertThat(rows.get("lossy").<String>getAs(QUARANTINE_REASON)).isEqualTo("unparseable derived trades: '2.5' is not int");
    assertThat(rows.get("earlier").<String>getAs(QUARANTINE_RULE)).isEqualTo("impossible-age");
    assertThat(rows.get("earlier").<String>getAs(QUARANTINE_REASON)).isEqualTo("age outside 18-120");
    assertThat(rows).hasSize(7);
    assertThat(DerivedColumn.addAll(input, PORTFOLIO, Contract.Limits.DEFAULT).columns()).containsExactly(
        "customer_id", "portfolio_allocation", QUARANTINE_RULE, QUARANTINE_REASON, "stocks_pct", "growth", "trades");
  }

  @Test
  void rowsWithoutQuarantineColumnsGetThem() {
    Dataset<Row> input = rows("customer_id STRING, portfolio_allocation STRING",
        new Object[] {"good", "{\"stocks\": 40}"}, new Object[] {"huge", "{\"stocks\": 1e400}"});

    Dataset<Row> derived = DerivedColumn.addAll(input, PORTFOLIO.subList(0, 1));

    assertThat(derived.columns()).containsExactly("customer_id", "portfolio_allocation", "stocks_pct", QUARANTINE_RULE, QUARANTINE_REASON);
    assertThat(byCustomer(derived).get("huge").<String>getAs(QUARANTINE_RULE)).isEqualTo("unparseable");
    assertThat(byCustomer(derived).get("good").<String>getAs(QUARANTINE_RULE)).isNull();
  }

  /**
   * The check names the value several times (present, blank, converted, shown in the reason): the
   * plan Spark runs holds the expression once, so that it is evaluated once per row whether or not
   * Spark's common-subexpression elimination applies. The two portfolio shares' JSON parses are a
   * quarter of the classify stage's CPU after the shuffle at 1,000,000 customers (JFR), once each.
   */
  @Test
  void theCheckedExpressionIsEvaluatedOncePerRow() {
    Dataset<Row> input = rows("customer_id STRING, portfolio_allocation STRING", new Object[] {"good", "{\"stocks\": 40}"});
    org.apache.spark.sql.RuntimeConfig conf = input.sparkSession().conf();
    String excluded = "spark.sql.optimizer.excludedRules";
    // Otherwise the optimizer computes the projection of these few local rows itself, and the plan holds no expression.
    conf.set(excluded, "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation");
    try {
      Dataset<Row> derived = DerivedColumn.addAll(input, PORTFOLIO.subList(0, 1));
      String plan = derived.queryExecution().executedPlan().toString();

      assertThat(plan.split("get_json_object\\(", -1).length - 1).as(plan).isEqualTo(1);
      assertThat(byCustomer(derived).get("good").<Double>getAs("stocks_pct")).isEqualTo(40.0);
    } finally {
      conf.unset(excluded);
    }
  }

  @Test
  void aTypeTheValueCannotBecomeIsAConfigErrorNamingTheColumn() {
    Dataset<Row> input = rows("customer_id STRING, d DATE", new Object[] {"c", java.sql.Date.valueOf("2026-01-01")});

    assertThatThrownBy(() -> DerivedColumn.addAll(input,
        List.of(new DerivedColumn("bad", "d", Optional.of(DataTypes.DoubleType)))))
        .isInstanceOf(TargetingException.class)
        .hasMessage("Derived column bad = d: its value is date, which cannot become double (derived.type)");
  }
}
