package com.targeting.core.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.RelationProvider;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * The body of a hand-written stand-in for a warehouse connector that cannot run here (no
 * cluster, no account): a Spark data source that records the options it is handed and returns
 * fixed rows. Each stand-in is a {@code DefaultSource} in its connector's package, so that Spark
 * finds it by the connector's data source name.
 */
public abstract class RecordingSource implements RelationProvider {
  private final Map<String, String> recorded;
  private final StructType schema;
  private final List<Row> rows;

  protected RecordingSource(Map<String, String> recorded, String ddl, List<Row> rows) {
    this.recorded = recorded;
    this.schema = StructType.fromDDL(ddl);
    this.rows = List.copyOf(rows);
  }

  /** A map for a stand-in to record into (one per stand-in class). */
  protected static Map<String, String> recorder() {
    return new ConcurrentHashMap<>();
  }

  @Override
  public BaseRelation createRelation(SQLContext context, scala.collection.immutable.Map<String, String> parameters) {
    recorded.clear();
    recorded.putAll(JavaConverters.mapAsJavaMap(parameters));
    return new Relation(context, schema, rows);
  }

  private static final class Relation extends BaseRelation implements TableScan {
    private final SQLContext context;
    private final StructType schema;
    private final List<Row> rows;

    Relation(SQLContext context, StructType schema, List<Row> rows) {
      this.context = context;
      this.schema = schema;
      this.rows = rows;
    }

    @Override
    public SQLContext sqlContext() {
      return context;
    }

    @Override
    public StructType schema() {
      return schema;
    }

    @Override
    public RDD<Row> buildScan() {
      return context.sparkContext().parallelize(JavaConverters.asScalaBuffer(rows).toSeq(), 1,
          scala.reflect.ClassTag$.MODULE$.apply(Row.class));
    }
  }
}
