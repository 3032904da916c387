package com.targeting.core.transform;

import static com.targeting.core.testing.TestSpark.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.source.SourceConfig;
import com.targeting.core.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnrichmentTest {
  @TempDir
  Path temp;

  private Enrichment optOuts(String csv, String query) throws Exception {
    Path file = temp.resolve("opt_outs.csv");
    Files.writeString(file, csv);
    return new Enrichment("opt-outs", new SourceConfig("csv", Optional.of(file.toString()), Map.of("header", "true")),
        "opt_outs", query, List.of("customer_id"), true);
  }

  private static Dataset<Row> customers() {
    return rows("customer_id STRING, income DOUBLE", new Object[] {"C1", 1.0}, new Object[] {"C2", 2.0}, new Object[] {"C3", 3.0});
  }

  @Test
  void everyCustomerStaysAndNullLookupKeysAreIgnored() throws Exception {
    Enrichment enrichment = optOuts("customer_id,program\nC1,x\n,x\n,y\n",
        "SELECT customer_id, true AS opted_out FROM opt_outs GROUP BY customer_id");

    Map<String, Boolean> optedOut = new HashMap<>();
    for (Row row : (Row[]) enrichment.joinOnto(TestSpark.session(), customers()).collect()) {
      optedOut.put(row.getAs("customer_id"), row.getAs("opted_out"));
    }

    assertThat(optedOut).hasSize(3).containsEntry("C1", true).containsEntry("C2", null).containsEntry("C3", null);
  }

  @Test
  void aLookupWithTwoRowsForOneKeyWouldDuplicateCustomersAndIsRefused() throws Exception {
    Enrichment enrichment = optOuts("customer_id,program\nC1,x\nC1,y\n", "SELECT customer_id, program FROM opt_outs");

    assertThatThrownBy(() -> enrichment.joinOnto(TestSpark.session(), customers()))
        .isInstanceOf(TargetingException.class)
        .hasMessageStartingWith("Enrichment opt-outs: query returns 2 rows for [customer_id]=C1");
  }

  @Test
  void onlyAQueryGroupedByTheJoinKeysAloneSkipsTheDuplicateCount() throws Exception {
    Enrichment grouped = optOuts("customer_id,program\nC1,x\nC1,y\n",
        "SELECT customer_id, true AS opted_out FROM opt_outs WHERE program IS NOT NULL GROUP BY customer_id");
    assertThat(grouped.joinOnto(TestSpark.session(), customers()).count()).isEqualTo(3);
    assertThat(grouped.provablyUnique(TestSpark.session().sql(grouped.query()))).isTrue();

    // Grouped by the key and one more column: two rows for C1, which the count must still catch.
    Enrichment groupedByMore = optOuts("customer_id,program\nC1,x\nC1,y\n",
        "SELECT customer_id, program FROM opt_outs GROUP BY customer_id, program");
    assertThatThrownBy(() -> groupedByMore.joinOnto(TestSpark.session(), customers()))
        .hasMessageStartingWith("Enrichment opt-outs: query returns 2 rows for [customer_id]=C1");
    assertThat(groupedByMore.provablyUnique(TestSpark.session().sql(groupedByMore.query()))).isFalse();
    assertThat(grouped.provablyUnique(TestSpark.session().sql("SELECT customer_id FROM opt_outs"))).isFalse();
  }

  @Test
  void aLookupColumnThatClashesWithACustomerColumnIsNamed() throws Exception {
    Enrichment enrichment = optOuts("customer_id,income\nC1,5\n", "SELECT customer_id, income FROM opt_outs");

    assertThatThrownBy(() -> enrichment.joinOnto(TestSpark.session(), customers()))
        .hasMessage("Enrichment opt-outs: the query returns columns the rows already have: [income]; rename them in the query");
  }
}
