package com.targeting.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.CollectMetrics;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.util.QueryExecutionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.runtime.AbstractFunction1;

/**
 * Metrics observed on the way through an action ({@code Dataset.observe}), instead of another pass.
 *
 * <p>Spark's own {@code Observation.get} waits until an action delivers the metrics, and some
 * actions over the observed plan never do: when the optimizer (adaptive execution's empty-relation
 * propagation, for one, over an extract with no rows) drops the node that collects them, the query
 * completes without them and {@code get} waits forever. Here every await has a completion path:
 * it returns once a query over the observed plan has finished, with the metrics when that query
 * delivered them and otherwise with the caller's other way of computing them; if no such query
 * finishes within {@link #MAX_WAIT_SECONDS} (an await before any action), it uses that other way too.
 */
public final class Observations {
  private static final Logger LOG = LoggerFactory.getLogger(Observations.class);
  /** The longest an await waits for a query over the observed plan to be reported finished. */
  public static final long MAX_WAIT_SECONDS = 60;
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private Observations() {}

  /**
   * Observes {@code metrics} (aggregate expressions, each with an alias) on {@code rows}.
   *
   * @param name names the observation in the plan; a unique suffix is added
   * @return the observed dataset (run actions on it or on plans built from it) and the handle to await
   */
  public static Observed observe(Dataset<Row> rows, String name, Column metric, Column... more) {
    String unique = name + "_" + SEQUENCE.incrementAndGet();
    Observed observed = new Observed(rows.sparkSession(), unique);
    rows.sparkSession().listenerManager().register(observed.listener);
    return observed.on(rows.observe(unique, metric, more));
  }

  /** An observation in progress: the observed dataset, and its metrics once a query over it has finished. */
  public static final class Observed {
    private final SparkSession spark;
    private final String name;
    private final QueryExecutionListener listener = new QueryExecutionListener() {
      @Override
      public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
        finished(qe);
      }

      @Override
      public void onFailure(String funcName, QueryExecution qe, Exception exception) {
        finished(qe);
      }
    };
    private Dataset<Row> dataset;
    private Map<String, Object> metrics;
    private boolean ranWithoutMetrics;

    private Observed(SparkSession spark, String name) {
      this.spark = spark;
      this.name = name;
    }

    private Observed on(Dataset<Row> observed) {
      this.dataset = observed;
      return this;
    }

    /** The observed dataset. */
    public Dataset<Row> dataset() {
      return dataset;
    }

    /**
     * The observed metrics, by alias. Call after an action over the observed plan (or over a cache
     * of it) has completed. Returns {@code otherwise}'s metrics when that action completed without
     * delivering them, or when no such action is reported within {@link #MAX_WAIT_SECONDS}.
     *
     * @param what names the metrics in logs and errors
     * @throws TargetingException internal, when interrupted
     */
    public Map<String, Object> await(String what, Supplier<Map<String, Object>> otherwise) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_WAIT_SECONDS);
      synchronized (this) {
        try {
          while (metrics == null && !ranWithoutMetrics) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
              break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw TargetingException.internal("Interrupted while waiting for %s", what);
        }
        if (metrics != null) {
          spark.listenerManager().unregister(listener);
          return metrics;
        }
      }
      spark.listenerManager().unregister(listener);
      LOG.info("No query delivered {} (observation {}): computing them directly", what, name);
      return otherwise.get();
    }

    private synchronized void finished(QueryExecution qe) {
      if (metrics != null || !observes(qe.logical())) {
        return;
      }
      Option<Row> row = qe.observedMetrics().get(name);
      if (row.isDefined()) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String field : row.get().schema().fieldNames()) {
          values.put(field, row.get().getAs(field));
        }
        metrics = values;
      } else {
        // The query ran without the node that collects the metrics: they will not come from it.
        ranWithoutMetrics = true;
      }
      notifyAll();
    }

    private boolean observes(LogicalPlan plan) {
      return plan.exists(new AbstractFunction1<LogicalPlan, Object>() {
        @Override
        public Object apply(LogicalPlan node) {
          return node instanceof CollectMetrics collect && collect.name().equals(name);
        }
      });
    }
  }
}
