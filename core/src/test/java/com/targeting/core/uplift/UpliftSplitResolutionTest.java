package com.targeting.core.uplift;

import static com.targeting.core.uplift.UpliftColumns.T;
import static com.targeting.core.uplift.UpliftColumns.W;
import static com.targeting.core.uplift.UpliftColumns.Y;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.config.ConfigNode;
import com.targeting.core.model.Booster;
import com.targeting.core.testing.TestSpark;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Uplift models split a continuous feature more finely than XGBoost's 256 histogram bins by default
 * ({@link UpliftSpec#DEFAULT_MAX_BIN}); a configured {@code max-bin} wins.
 */
class UpliftSplitResolutionTest {
  private static final Pattern X_SPLIT = Pattern.compile("\\[x<([^\\]]+)\\]");
  private static Dataset<Row> train;

  /** 4,000 rows, x with about 4,000 distinct values; the outcome wiggles with x, more so when treated. */
  @BeforeAll
  static void data() {
    Random random = new Random(11);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 4_000; i++) {
      double x = Math.round(random.nextDouble() * 1e6) / 1e6;
      boolean treated = random.nextBoolean();
      double p = 0.2 + 0.15 * Math.sin(40 * x) + (treated ? 0.1 * Math.sin(90 * x) : 0);
      rows.add(RowFactory.create(x, treated ? 1.0 : 0.0, random.nextDouble() < p ? 1.0 : 0.0));
    }
    train = TestSpark.session().createDataFrame(rows, StructType.fromDDL("x DOUBLE, t DOUBLE, y DOUBLE"))
        .withColumn(T, col("t")).withColumn(Y, col("y")).withColumn(W, lit(1.0)).cache();
  }

  private static UpliftSpec spec(String xgboost) {
    ConfigNode defaults = ConfigNode.root(ConfigFactory.parseString("registry = /tmp/unused\npromotion { margin = 0.0 }\n"
        + "xgboost { num-round = 40, max-depth = 6, eta = 0.3, num-workers = 1, nthread = 1 }\n"));
    return UpliftSpec.from(ConfigNode.root(ConfigFactory.parseString("id = resolution\nlearner = t\n"
        + "data { train = /tmp/unused, test-fraction = 0.5 }\n"
        + "treatment { column = arm, treated = a, control = b }\noutcome { column = y }\n"
        + "features { numeric = [x] }\n" + xgboost)), defaults);
  }

  /** The distinct thresholds on x of the treated arm's model's trees. */
  private static Set<Double> thresholdsOnX(UpliftSpec spec) throws Exception {
    UpliftModel model = UpliftModel.fit(spec, train, lit(0), 7, 0.2);
    Booster mu1 = model.parts().get(UpliftModel.MU1);
    Transformer[] stages = mu1.pipeline().stages();
    XGBoostClassificationModel booster = (XGBoostClassificationModel) stages[stages.length - 1];
    Set<Double> thresholds = new HashSet<>();
    for (String tree : booster.nativeBooster().getModelDump((String) null, false, "text")) {
      Matcher m = X_SPLIT.matcher(tree);
      while (m.find()) {
        thresholds.add(Double.parseDouble(m.group(1)));
      }
    }
    return thresholds;
  }

  @Test
  void byDefaultAnUpliftModelSplitsOnMoreThanXgboostsDefault256Bins() throws Exception {
    UpliftSpec spec = spec("");
    assertThat(spec.xgboost()).containsEntry("max_bin", UpliftSpec.DEFAULT_MAX_BIN);
    assertThat(thresholdsOnX(spec)).hasSizeGreaterThan(256);
  }

  @Test
  void aConfiguredMaxBinWins() throws Exception {
    UpliftSpec spec = spec("xgboost { max-bin = 256 }");
    assertThat(spec.xgboost()).containsEntry("max_bin", 256);
    assertThat(thresholdsOnX(spec)).isNotEmpty().hasSizeLessThanOrEqualTo(256);
  }
}
