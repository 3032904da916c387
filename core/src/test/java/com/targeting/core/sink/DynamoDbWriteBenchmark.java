package com.targeting.core.sink;

import com.targeting.core.sink.dynamodb.DynamoDbSettings;
import com.targeting.core.sink.dynamodb.DynamoDbWriteSink;
import com.targeting.core.testing.Dynalite;
import com.targeting.core.testing.FaultProxy;
import com.targeting.core.testing.TestSpark;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Not a test: measures the batch writer against dynalite, with or without the fault proxy.
 * {@code scripts/bench-dynamodb.sh ITEMS BUDGET WRITERS [faults]} prints one JSON report per run:
 * items per second, and write units per second against the configured budget.
 */
public final class DynamoDbWriteBenchmark {
  private DynamoDbWriteBenchmark() {}

  public static void main(String[] args) {
    int items = Integer.parseInt(args[0]);
    double budget = Double.parseDouble(args[1]);
    int writers = Integer.parseInt(args[2]);
    boolean faults = args.length > 3 && args[3].equals("faults");
    Dataset<Row> candidates = DynamoDbWriteSinkTest.candidates(items).cache();
    candidates.count();
    String table = "bench-" + System.nanoTime();
    FaultProxy proxy = faults ? new FaultProxy(Dynalite.instance().endpoint(), 10, 25, 5) : null;
    try {
      String endpoint = proxy == null ? Dynalite.instance().endpoint() : proxy.endpoint();
      DynamoDbWriteSink sink = new DynamoDbWriteSink(
          new DynamoDbSettings(table, "us-east-1", endpoint, true, budget, writers, 12, 25, 2_000, 2),
          DynamoDbWriteSinkTest.INVESTMENT_LAYOUT, Optional.of(DynamoDbWriteSinkTest.INVESTMENT_TABLE), 0, List.of());
      sink.write(candidates, new RunPartition("investment-recommendations", java.time.LocalDate.of(2026, 11, 20)));
      System.out.println("{\"items\":" + items + ",\"budget\":" + budget + ",\"writers\":" + writers + ",\"faults\":" + faults
          + ",\"report\":" + new com.targeting.core.program.RunSummary().put("r", sink.report()).toJson() + "}");
    } finally {
      if (proxy != null) {
        proxy.close();
      }
    }
    System.exit(0);
  }
}
