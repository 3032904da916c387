package com.targeting.core.validate;

import static com.targeting.core.program.Columns.QUARANTINE_REASON;
import static com.targeting.core.program.Columns.QUARANTINE_RULE;
import static com.targeting.core.testing.TestSpark.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

class ContractValidatorTest {
  private static final String TEXT_EXTRACT = "customer_id STRING, account_balance STRING, income STRING, note STRING";

  private static Contract contract() {
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put("customer_id", DataTypes.StringType);
    columns.put("account_balance", DataTypes.DoubleType);
    columns.put("income", DataTypes.DoubleType);
    return new Contract(java.util.Optional.of("customer_id"), columns,
        List.of(new Contract.Rule("negative-balance", "account_balance < 0", "negative account balance")), 0.02);
  }

  @Test
  void everyRowIsKeptAndEachContractBreakIsQuarantinedWithItsReason() {
    Dataset<Row> extract = rows(TEXT_EXTRACT,
        new Object[] {"C1", "100.5", "50000", "ok"},
        new Object[] {null, "10", "1", "null id"},
        new Object[] {"C2", "10", "20", "first copy"},
        new Object[] {"C2", "11", "21", "second copy"},
        new Object[] {"C3", "-5", "30", "negative"},
        new Object[] {"C4", "7", "n/a", "unparseable"},
        new Object[] {"C5", "7", " ", "blank is missing, not broken"},
        new Object[] {"C6", "1,000.00", "5", "thousands separator"});

    Map<String, Row> byNote = new LinkedHashMap<>();
    for (Row row : (Row[]) ContractValidator.validate(extract, contract(), "test.csv").collect()) {
      byNote.put(row.getAs("note"), row);
    }

    assertThat(byNote).hasSize(8);
    assertThat(byNote.get("ok").<String>getAs(QUARANTINE_RULE)).isNull();
    assertThat(byNote.get("ok").<Double>getAs("account_balance")).isEqualTo(100.5);
    assertThat(byNote.get("blank is missing, not broken").<String>getAs(QUARANTINE_RULE)).isNull();
    assertThat(byNote.get("null id").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.NULL_KEY);
    assertThat(byNote.get("first copy").<String>getAs(QUARANTINE_REASON)).isEqualTo("duplicate customer_id (2 rows)");
    assertThat(byNote.get("second copy").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.DUPLICATE_KEY);
    assertThat(byNote.get("negative").<String>getAs(QUARANTINE_RULE)).isEqualTo("negative-balance");
    assertThat(byNote.get("unparseable").<String>getAs(QUARANTINE_REASON)).isEqualTo("unparseable income: 'n/a' is not double");
    assertThat(byNote.get("thousands separator").<String>getAs(QUARANTINE_REASON))
        .isEqualTo("unparseable account_balance: '1,000.00' is not double");
  }

  @Test
  void typedExtractsPassThroughAndNumericTypesWiden() {
    Dataset<Row> extract = rows("customer_id STRING, account_balance INT, income DOUBLE",
        new Object[] {"C1", 10, 1.5});

    Row row = ContractValidator.validate(extract, contract(), "warehouse").first();

    assertThat(row.<Double>getAs("account_balance")).isEqualTo(10.0);
    assertThat(row.<String>getAs(QUARANTINE_RULE)).isNull();
  }

  @Test
  void conversionsThatWouldLoseDigitsQuarantineInsteadOfGuessing() {
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put("customer_id", DataTypes.IntegerType);
    columns.put("days", DataTypes.IntegerType);
    Contract contract = new Contract(java.util.Optional.of("customer_id"), columns, List.of(), 1.0);
    Dataset<Row> text = rows("customer_id STRING, days STRING, note STRING",
        new Object[] {"1", "365", "exact"},
        new Object[] {"2", "364.9", "fraction"},
        new Object[] {"abc", "10", "key unparseable"});
    Dataset<Row> numbers = rows("customer_id BIGINT, days DOUBLE, note STRING",
        new Object[] {3L, 365.0, "whole double"},
        new Object[] {4L, 3.9, "fractional double"},
        new Object[] {3_000_000_000L, 1.0, "key too large"});

    Map<String, String> reasons = new LinkedHashMap<>();
    for (Dataset<Row> extract : List.of(text, numbers)) {
      for (Row row : (Row[]) ContractValidator.validate(extract, contract, "x").collect()) {
        reasons.put(row.getAs("note"), row.getAs(QUARANTINE_REASON));
      }
    }

    assertThat(reasons.get("exact")).isNull();
    assertThat(reasons.get("whole double")).isNull();
    assertThat(reasons.get("fraction")).isEqualTo("unparseable days: '364.9' is not int");
    assertThat(reasons.get("fractional double")).isEqualTo("unparseable days: '3.9' is not int");
    assertThat(reasons.get("key unparseable")).isEqualTo("unparseable customer_id: 'abc' is not int");
    assertThat(reasons.get("key too large")).isEqualTo("unparseable customer_id: '3000000000' is not int");
  }

  @Test
  void aRuleThatCannotBeEvaluatedNamesTheRule() {
    Contract contract = new Contract(java.util.Optional.of("customer_id"), contract().columns(),
        List.of(new Contract.Rule("negative-balance", "acount_balance < 0", "negative")), 0.02);
    Dataset<Row> extract = rows(TEXT_EXTRACT, new Object[] {"C1", "1", "1", "x"});

    assertThatThrownBy(() -> ContractValidator.validate(extract, contract, "extract.csv"))
        .isInstanceOf(TargetingException.class)
        .hasMessageStartingWith("Contract rule negative-balance (acount_balance < 0) cannot be evaluated on extract.csv: [UNRESOLVED_COLUMN");
  }

  @Test
  void aRuleThatIsNotAConditionIsRefusedNamingTheRuleAndType() {
    Contract contract = new Contract(java.util.Optional.of("customer_id"), contract().columns(),
        List.of(new Contract.Rule("balance", "account_balance * 2", "doubled")), 0.02);
    Dataset<Row> extract = rows(TEXT_EXTRACT, new Object[] {"C1", "1", "1", "x"});

    assertThatThrownBy(() -> ContractValidator.validate(extract, contract, "extract.csv"))
        .isInstanceOf(TargetingException.class)
        .hasMessageStartingWith("Contract rule balance (account_balance * 2) on extract.csv: when must be a condition (boolean), but is of type");
  }

  @Test
  void missingColumnsStopTheRunNamingThem() {
    Dataset<Row> extract = rows("customer_id STRING, note STRING", new Object[] {"C1", "x"});

    assertThatThrownBy(() -> ContractValidator.validate(extract, contract(), "s3a://bucket/extract.csv"))
        .isInstanceOf(TargetingException.class)
        .hasMessageStartingWith("Extract s3a://bucket/extract.csv breaks its contract: missing columns [account_balance, income]");
  }

  @Test
  void unconvertibleTypesStopTheRunNamingColumnAndTypes() {
    Dataset<Row> extract = rows("customer_id STRING, account_balance BOOLEAN, income DOUBLE", new Object[] {"C1", true, 1.0});

    assertThatThrownBy(() -> ContractValidator.validate(extract, contract(), "warehouse"))
        .hasMessage("Extract warehouse breaks its contract: [account_balance is boolean, expected double]");
  }
}
