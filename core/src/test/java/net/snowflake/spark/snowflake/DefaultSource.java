package net.snowflake.spark.snowflake;

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
 * A hand-written stand-in for spark-snowflake, which needs a Snowflake account to run: found by
 * Spark under the connector's data source name, it records the options it is handed.
 */
public final class DefaultSource implements RelationProvider {
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
      return StructType.fromDDL("customer_id STRING, credit_score INT");
    }

    @Override
    public RDD<Row> buildScan() {
      return context.sparkContext().parallelize(
          JavaConverters.asScalaBuffer(java.util.List.of(RowFactory.create("L1", 720))).toSeq(), 1,
          scala.reflect.ClassTag$.MODULE$.apply(Row.class));
    }
  }
}
