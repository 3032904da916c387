package com.targeting.tools;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigLoader;
import com.targeting.core.model.ModelRegistry;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.model.SavedModel;
import com.targeting.core.program.ProgramConfig;
import com.targeting.core.program.RunSummary;
import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.RunPartition;
import com.targeting.core.source.ReaderSource;
import com.targeting.jobs.JobArguments;
import com.targeting.jobs.Sessions;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The floor a program run is compared with, for the benchmark: what no run of the program can
 * avoid on the same data and hardware.
 * <ul>
 *   <li>scan: the program's own reader over the whole extract, every column of every row parsed
 *       (a hash of all columns is summed, so nothing is pruned);
 *   <li>predict: each of the program's models, loaded from the registry as the run loads it, predicts
 *       the rows the run scored (its candidates of the run date, read back and cached before the
 *       clock starts): the Spark ML pipeline's plain transform, no reason codes, no decisions.
 * </ul>
 * Beside it, not in it: the extra time the same models take when asked for the program's reason
 * codes (SHAP contributions), which no plain prediction computes.
 * The program must have run for the date first: its candidates are the rows the floor predicts.
 */
final class BenchFloorJob {
  private BenchFloorJob() {}

  static RunSummary run(JobArguments arguments) {
    String programId = arguments.requireProgram();
    Config config = arguments.loadConfig(arguments.configFilesFor(programId));
    ProgramConfig program = ProgramConfig.from(config);
    SparkSession spark = Sessions.start(config, "bench-floor");
    RunSummary summary = new RunSummary().put("job", "bench-floor").put("program", programId)
        .put("run_date", program.runDate().toString());

    ReaderSource source = ReaderSource.of(program.source());
    long start = System.nanoTime();
    Dataset<Row> extract = source.read(spark);
    Column[] all = java.util.Arrays.stream(extract.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
    Row scanned = extract.agg(count(lit(1)), sum(xxhash64(all))).first();
    long scanMs = (System.nanoTime() - start) / 1_000_000;
    summary.put("scan_rows", scanned.getLong(0));
    summary.put("scan_ms", scanMs);

    if (program.models().isEmpty()) {
      // An uplift-only program (promotion-uplift): its learners are not plain XGBoost predictions.
      summary.put("predict_rows", 0L).put("predict_ms_by_model", Map.of()).put("predict_ms", 0L).put("floor_ms", scanMs)
          .put("reason_codes_extra_ms", 0L).put("reason_codes_extra_ms_xgboost", 0L)
          .put("floor_note", "no XGBoost models in program.models: the floor is the scan alone (uplift models are not in it)");
      return summary.put("status", "succeeded");
    }
    RunPartition partition = new RunPartition(program.id(), program.runDate());
    PartitionedTableSink candidatesTable = program.outputs().candidatesTable();
    if (!candidatesTable.exists(spark, partition)) {
      throw TargetingException.userError("bench-floor: no candidates in %s; run the program for %s first",
          candidatesTable.basePath(), program.runDate());
    }
    List<SavedModel> models = new ArrayList<>();
    Map<String, Integer> reasonCodes = new LinkedHashMap<>();
    Set<String> features = new LinkedHashSet<>();
    for (ModelSpec spec : program.models()) {
      SavedModel model = SavedModel.load(spark, ModelRegistry.at(spark, spec.registry()).resolve(spec));
      models.add(model);
      reasonCodes.put(model.metadata().id(), spec.reasonCodes());
      features.addAll(model.metadata().features());
    }
    Dataset<Row> rows = candidatesTable.read(spark, partition)
        .select(features.stream().map(f -> col("`" + f + "`")).toArray(Column[]::new))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long predictRows = rows.count();
      Map<String, Long> perModel = new LinkedHashMap<>();
      long predictMs = 0;
      for (SavedModel model : models) {
        long modelStart = System.nanoTime();
        long predicted = model.score(rows, "floor_prediction", 0, SavedModel.Engine.XGBOOST).count();
        long ms = (System.nanoTime() - modelStart) / 1_000_000;
        if (predicted != predictRows) {
          throw TargetingException.internal("bench-floor: model %s predicted %d rows of %d", model.metadata().id(), predicted, predictRows);
        }
        perModel.put(model.metadata().id(), ms);
        predictMs += ms;
      }
      summary.put("predict_rows", predictRows);
      summary.put("predict_ms_by_model", perModel);
      summary.put("predict_ms", predictMs);
      summary.put("floor_ms", scanMs + predictMs);
      // Reported beside the floor, not in it: the same models' plain prediction warm, by XGBoost and
      // by the program's engine (the JVM where the model allows), and with the reason codes the
      // program configures (exact TreeSHAP contributions) by each engine, each read to the last
      // value (a count alone would let Spark prune a projection nobody reads). Each extra is over
      // XGBoost's plain prediction timed here, warm as the ones after it (the first, cold one above
      // would make an extra look smaller than it is): what scoring with reason codes costs beyond
      // the floor's prediction, by the program's engine (negative when the JVM's score and reasons
      // together cost less than XGBoost's score alone) and by XGBoost alone.
      long warmXgboostMs = 0;
      long warmJvmMs = 0;
      long withReasonsMs = 0;
      long withXgboostReasonsMs = 0;
      for (SavedModel model : models) {
        long xgboost = readAllMs(model.score(rows, "floor_prediction", 0, SavedModel.Engine.XGBOOST));
        long jvm = readAllMs(model.score(rows, "floor_prediction", 0, SavedModel.Engine.JVM));
        warmXgboostMs += xgboost;
        warmJvmMs += jvm;
        int codes = reasonCodes.get(model.metadata().id());
        if (codes > 0) {
          withReasonsMs += readAllMs(model.score(rows, "floor_prediction", codes, SavedModel.Engine.JVM)) - xgboost;
          withXgboostReasonsMs += readAllMs(model.score(rows, "floor_prediction", codes, SavedModel.Engine.XGBOOST)) - xgboost;
          summary.put("reason_codes_engine_" + model.metadata().id(), model.contributionsEngine());
        }
      }
      summary.put("predict_ms_warm_xgboost", warmXgboostMs);
      summary.put("predict_ms_warm", warmJvmMs);
      summary.put("reason_codes_extra_ms_xgboost", withXgboostReasonsMs);
      summary.put("reason_codes_extra_ms", withReasonsMs);
    } finally {
      rows.unpersist();
    }
    return summary.put("status", "succeeded");
  }

  /** Milliseconds to compute every row's prediction columns (score, and reasons and base value if asked for). */
  private static long readAllMs(Dataset<Row> scored) {
    // A multi-class model's map is hashed by its values (Spark hashes no maps).
    Column[] outputs = java.util.Arrays.stream(scored.schema().fields()).filter(f -> f.name().startsWith("floor_prediction"))
        .map(f -> f.dataType() instanceof org.apache.spark.sql.types.MapType
            ? org.apache.spark.sql.functions.map_values(col("`" + f.name() + "`"))
            : col("`" + f.name() + "`"))
        .toArray(Column[]::new);
    long start = System.nanoTime();
    scored.agg(sum(xxhash64(outputs))).first();
    return (System.nanoTime() - start) / 1_000_000;
  }
}
