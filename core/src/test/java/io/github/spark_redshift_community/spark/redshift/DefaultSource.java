package io.github.spark_redshift_community.spark.redshift;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.RelationProvider;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * A hand-written stand-in for the spark-redshift community connector, which cannot run without
 * a Redshift cluster and does not resolve from this build's registry: found by Spark under the
 * connector's data source name, it records the options it is handed and returns one row.
 */
public final class DefaultSource implements RelationProvider {
  /** The options of the last read, for the test to check. */
  public static final Map<String, String> LAST_OPTIONS = new ConcurrentHashMap<>();

  @Override
  public BaseRelation createRelation(SQLContext context, scala.collection.immutable.Map<String, String> parameters) {
    LAST_OPTIONS.clear();
    LAST_OPTIONS.putAll(JavaConverters.mapAsJavaMap(parameters));
    return new Relation(context);
  }

  private static final class Relation extends BaseRelation implements TableScan {
    private final SQLContext context;

    Relation(SQLContext context) {
      this.context = context;
    }

    @Override
    public SQLContext sqlContext() {
      return context;
    }

    @Override
    public StructType schema() {
      return StructType.fromDDL("customer_id STRING, idle_cash DOUBLE");
    }

    @Override
    public RDD<Row> buildScan() {
      return context.sparkContext().parallelize(
          JavaConverters.asScalaBuffer(java.util.List.of(RowFactory.create("C1", 6000.0))).toSeq(), 1,
          scala.reflect.ClassTag$.MODULE$.apply(Row.class));
    }
  }
}
