package com.targeting.core.validate;

import static com.targeting.core.Columns.QUARANTINE_REASON;
import static com.targeting.core.Columns.QUARANTINE_RULE;
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
        new Object[] {"5", " +365.000 ", "whole with zeros"},
        new Object[] {"6", "1e2", "exponent"},
        new Object[] {"7", "1.0000000000000000001", "fraction past 18 places"},
        new Object[] {"8", "-.", "no digit"},
        new Object[] {"9", "7.", "point without fraction"},
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
    assertThat(reasons.get("whole with zeros")).isNull();
    assertThat(reasons.get("exponent")).isEqualTo("unparseable days: '1e2' is not int");
    assertThat(reasons.get("fraction past 18 places")).isEqualTo("unparseable days: '1.0000000000000000001' is not int");
    assertThat(reasons.get("no digit")).isEqualTo("unparseable days: '-.' is not int");
    assertThat(reasons.get("point without fraction")).isNull();
    assertThat(reasons.get("fractional double")).isEqualTo("unparseable days: '3.9' is not int");
    assertThat(reasons.get("key unparseable")).isEqualTo("unparseable customer_id: 'abc' is not int");
    assertThat(reasons.get("key too large")).isEqualTo("unparseable customer_id: '3000000000' is not int");
  }

  @Test
  void textThatRoundsToADecimalsScaleQuarantinesWhateverItsNotation() {
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put("customer_id", DataTypes.StringType);
    columns.put("amount", DataTypes.createDecimalType(10, 2));
    Contract contract = new Contract(java.util.Optional.of("customer_id"), columns, List.of(), 1.0);
    Dataset<Row> text = rows("customer_id STRING, amount STRING",
        new Object[] {"exact", "12.34"},
        new Object[] {"integer", "100"},
        new Object[] {"exponent, exact", "1E2"},
        new Object[] {"third decimal", "12.345"},
        new Object[] {"exponent, rounds", "1e-5"},
        new Object[] {"capital exponent, rounds", "1E-5"});

    Map<String, String> reasons = new LinkedHashMap<>();
    for (Row row : (Row[]) ContractValidator.validate(text, contract, "x").collect()) {
      reasons.put(row.getAs("customer_id"), row.getAs(QUARANTINE_REASON));
    }

    assertThat(reasons.get("exact")).isNull();
    assertThat(reasons.get("integer")).isNull();
    assertThat(reasons.get("exponent, exact")).isNull();
    assertThat(reasons.get("third decimal")).isEqualTo("unparseable amount: '12.345' is not decimal(10,2)");
    assertThat(reasons.get("exponent, rounds")).isEqualTo("unparseable amount: '1e-5' is not decimal(10,2)");
    assertThat(reasons.get("capital exponent, rounds")).isEqualTo("unparseable amount: '1E-5' is not decimal(10,2)");
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

  // Cases program-infinity, train-infinity, score-infinity, program-crafted-rows: "Infinity",
  // "1e309" and "NaN" in a double the contract accepts reached XGBoost and the budget summary.
  @Test
  void nonFiniteNumbersAreQuarantinedWhereTheyEnterFromTextOrTypedColumns() {
    Dataset<Row> text = rows(TEXT_EXTRACT,
        new Object[] {"C1", "10", "Infinity", "infinity"},
        new Object[] {"C2", "10", "-Infinity", "minus infinity"},
        new Object[] {"C3", "NaN", "1", "nan"},
        new Object[] {"C4", "10", "1e309", "overflow"},
        new Object[] {"C5", "10", "1e300", "large but finite"});
    Dataset<Row> typed = rows("customer_id STRING, account_balance DOUBLE, income FLOAT, note STRING",
        new Object[] {"D1", Double.NaN, 1.0f, "typed nan"},
        new Object[] {"D2", 5.0, Float.POSITIVE_INFINITY, "typed float infinity"},
        new Object[] {"D3", 5.0, 2.0f, "typed ok"});

    Map<String, Row> byNote = new LinkedHashMap<>();
    for (Dataset<Row> extract : List.of(text, typed)) {
      for (Row row : (Row[]) ContractValidator.validate(extract, contract(), "x").collect()) {
        byNote.put(row.getAs("note"), row);
      }
    }

    assertThat(byNote.get("infinity").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.NON_FINITE);
    assertThat(byNote.get("infinity").<String>getAs(QUARANTINE_REASON)).isEqualTo("non-finite income: 'Infinity'");
    assertThat(byNote.get("minus infinity").<String>getAs(QUARANTINE_REASON)).isEqualTo("non-finite income: '-Infinity'");
    assertThat(byNote.get("nan").<String>getAs(QUARANTINE_REASON)).isEqualTo("non-finite account_balance: 'NaN'");
    assertThat(byNote.get("overflow").<String>getAs(QUARANTINE_REASON)).isEqualTo("non-finite income: '1e309'");
    assertThat(byNote.get("large but finite").<String>getAs(QUARANTINE_RULE)).isNull();
    assertThat(byNote.get("typed nan").<String>getAs(QUARANTINE_REASON)).isEqualTo("non-finite account_balance: 'NaN'");
    assertThat(byNote.get("typed float infinity").<String>getAs(QUARANTINE_REASON)).isEqualTo("non-finite income: 'Infinity'");
    assertThat(byNote.get("typed ok").<String>getAs(QUARANTINE_RULE)).isNull();
  }

  // Case extract-ancient-date: 0000-01-01 passed the contract and broke the Parquet write.
  @Test
  void datesOutsideTheContractsRangeAreQuarantinedFromTextOrTypedColumns() {
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put("customer_id", DataTypes.StringType);
    columns.put("account_open_date", DataTypes.DateType);
    columns.put("seen_at", DataTypes.TimestampType);
    Contract contract = new Contract(java.util.Optional.of("customer_id"), columns, List.of(), 1.0);
    Dataset<Row> text = rows("customer_id STRING, account_open_date STRING, seen_at STRING, note STRING",
        new Object[] {"C1", "0000-01-01", null, "year zero"},
        new Object[] {"C2", "1899-12-31", null, "day before min"},
        new Object[] {"C3", "1900-01-01", "2199-12-31 23:59:59", "both edges"},
        new Object[] {"C4", "2009-11-03", "2200-01-01 00:00:00", "timestamp after max"});
    Dataset<Row> typed = rows("customer_id STRING, account_open_date DATE, seen_at TIMESTAMP, note STRING",
        new Object[] {"D1", java.sql.Date.valueOf("1850-06-01"), null, "typed old date"},
        new Object[] {"D2", java.sql.Date.valueOf("2020-06-01"), java.sql.Timestamp.valueOf("2020-06-01 10:00:00"), "typed ok"});

    Map<String, Row> byNote = new LinkedHashMap<>();
    for (Dataset<Row> extract : List.of(text, typed)) {
      for (Row row : (Row[]) ContractValidator.validate(extract, contract, "x").collect()) {
        byNote.put(row.getAs("note"), row);
      }
    }

    assertThat(byNote.get("year zero").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.DATE_OUT_OF_RANGE);
    assertThat(byNote.get("year zero").<String>getAs(QUARANTINE_REASON))
        .isEqualTo("account_open_date out of range: '0000-01-01' is outside 1900-01-01 to 2199-12-31 (contract.date-range)");
    assertThat(byNote.get("year zero").<Object>getAs("account_open_date")).as("kept in the reason only: never written").isNull();
    assertThat(byNote.get("both edges").<Object>getAs("account_open_date")).isEqualTo(java.sql.Date.valueOf("1900-01-01"));
    assertThat(byNote.get("day before min").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.DATE_OUT_OF_RANGE);
    assertThat(byNote.get("both edges").<String>getAs(QUARANTINE_RULE)).isNull();
    assertThat(byNote.get("timestamp after max").<String>getAs(QUARANTINE_REASON)).startsWith("seen_at out of range: '2200-01-01 00:00:00'");
    assertThat(byNote.get("typed old date").<String>getAs(QUARANTINE_REASON)).startsWith("account_open_date out of range: '1850-06-01'");
    assertThat(byNote.get("typed ok").<String>getAs(QUARANTINE_RULE)).isNull();
  }

  @Test
  void theDateRangeAndServingKeyComeFromTheContractsConfig() {
    com.targeting.core.config.ConfigNode node = com.targeting.core.config.ConfigNode.root(com.typesafe.config.ConfigFactory.parseString(
        "columns { customer_id = string, opened = date }, rules = [], max-quarantined-fraction = 1.0,"
            + " date-range { min = \"2000-01-01\", max = \"2030-12-31\" },"
            + " serving-key { max-bytes = 8, forbidden-characters = \"#|\" }"));
    Contract contract = Contract.from(node, "customer_id", Map.of());
    Dataset<Row> extract = rows("customer_id STRING, opened STRING, note STRING",
        new Object[] {"C1", "1999-12-31", "before configured min"},
        new Object[] {"C2|x", "2001-01-01", "pipe"},
        new Object[] {"C3", "2001-01-01", "ok"});

    Map<String, String> reasons = new LinkedHashMap<>();
    for (Row row : (Row[]) ContractValidator.validate(extract, contract, "x").collect()) {
      reasons.put(row.getAs("note"), row.getAs(QUARANTINE_REASON));
    }

    assertThat(reasons.get("before configured min")).isEqualTo(
        "opened out of range: '1999-12-31' is outside 2000-01-01 to 2030-12-31 (contract.date-range)");
    assertThat(reasons.get("pipe")).startsWith("invalid customer_id 'C2|x': contains one of '#|'");
    assertThat(reasons.get("ok")).isNull();
    assertThatThrownBy(() -> Contract.from(com.targeting.core.config.ConfigNode.root(com.typesafe.config.ConfigFactory.parseString(
        "columns { customer_id = string }, rules = [], max-quarantined-fraction = 1.0, serving-key { max-bytes = 4096, forbidden-characters = \"#\" }")),
        "customer_id", Map.of()))
        .hasMessageContaining("serving-key.max-bytes: must be between 1 and 2048");
  }

  // Issue 15: a '#' in a customer id made an ambiguous DynamoDB key; a 3,007-character id a key
  // over DynamoDB's 2,048-byte limit.
  @Test
  void keysThatCannotFormAServingKeyAreQuarantinedNamingTheKeyAndTheProblem() {
    Contract contract = new Contract(java.util.Optional.of("customer_id"), contract().columns(), List.of(), 1.0,
        Contract.Limits.DEFAULT.withServingKey(new Contract.ServingKey(1024, "#")));
    String longKey = "K".repeat(3007);
    Dataset<Row> extract = rows(TEXT_EXTRACT,
        new Object[] {"A#1", "1", "1", "separator"},
        new Object[] {"B\u00012", "1", "1", "control"},
        new Object[] {longKey, "1", "1", "too long"},
        new Object[] {"\u00e9".repeat(600), "1", "1", "1200 bytes in utf-8"},
        new Object[] {"C3", "1", "1", "ok"});

    Map<String, Row> byNote = new LinkedHashMap<>();
    for (Row row : (Row[]) ContractValidator.validate(extract, contract, "x").collect()) {
      byNote.put(row.getAs("note"), row);
    }
    Map<String, Row> withoutServingKey = new LinkedHashMap<>();
    for (Row row : (Row[]) ContractValidator.validate(extract, contract(), "x").collect()) {
      withoutServingKey.put(row.getAs("note"), row);
    }

    assertThat(byNote.get("separator").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.INVALID_KEY);
    assertThat(byNote.get("separator").<String>getAs(QUARANTINE_REASON))
        .isEqualTo("invalid customer_id 'A#1': contains '#', a separator of the serving key (contract.serving-key.forbidden-characters)");
    assertThat(byNote.get("control").<String>getAs(QUARANTINE_REASON)).isEqualTo("invalid customer_id 'B?2': contains a control character");
    assertThat(byNote.get("too long").<String>getAs(QUARANTINE_REASON))
        .isEqualTo("invalid customer_id '" + "K".repeat(40) + "': 3007 bytes in UTF-8, over contract.serving-key.max-bytes = 1024");
    assertThat(byNote.get("1200 bytes in utf-8").<String>getAs(QUARANTINE_RULE)).isEqualTo(ContractValidator.INVALID_KEY);
    assertThat(byNote.get("ok").<String>getAs(QUARANTINE_RULE)).isNull();
    assertThat(withoutServingKey.values()).allSatisfy(row -> assertThat(row.<String>getAs(QUARANTINE_RULE)).isNull());
  }
}
