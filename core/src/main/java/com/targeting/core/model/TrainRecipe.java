package com.targeting.core.model;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.targeting.core.fs.HadoopFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The train recipe every model family follows, one instance per training run: the inputs must
 * have rows; the new version is one past the registry's highest; the family fits and evaluates
 * ({@link #fitAndEvaluate}: read, contract, quarantine, split, fit, held-out metrics); the champion
 * scores the same held-out rows ({@link #championValue}) and {@link ModelRegistry#promotionDecision}
 * decides; the version is saved, never over an existing one, its artifacts first and its metadata
 * file ({@link ModelFamilySpec#metadataFile}) last; the champion pointer moves only if the
 * challenger won. Datasets the family caches ({@link #cache}) are released however the run ends.
 *
 * @param <R> what the family's train call returns
 */
public abstract class TrainRecipe<R> {
  protected final SparkSession spark;
  private final ModelFamilySpec spec;
  private final String noun;
  private final List<Dataset<Row>> cached = new ArrayList<>();
  /** The training rows' data-quality report, when the data block has a suite ({@link #validateTrainingRows}). */
  protected java.util.Optional<com.targeting.core.validate.QualityReport> validation = java.util.Optional.empty();
  protected ModelRegistry registry;
  protected int version;
  protected String path;

  /** The challenger's figure on the held-out rows and the rule it must meet to replace the champion. */
  public record Challenger(String metric, double margin, boolean higherIsBetter, double value) {}

  /**
   * @param noun how errors name the family's models ("Model", "Uplift model")
   */
  protected TrainRecipe(SparkSession spark, ModelFamilySpec spec, String noun) {
    this.spark = requireNonNull(spark, "spark is null");
    this.spec = requireNonNull(spec, "spec is null");
    this.noun = requireNonNull(noun, "noun is null");
  }

  /** Runs the recipe once. */
  public final R train() {
    requireInputs();
    registry = ModelRegistry.at(spark, spec.registry());
    version = registry.nextVersion(spec.id());
    path = registry.versionPath(spec.id(), version);
    try {
      Challenger challenger = fitAndEvaluate();
      Map<String, Object> promotion = registry.promotionDecision(spec.id(), challenger.metric(), challenger.margin(),
          challenger.higherIsBetter(), challenger.value(), this::championValue);
      String metadataPath = path + "/" + spec.metadataFile();
      if (HadoopFiles.exists(spark, metadataPath)) {
        throw TargetingException.internal("%s version %s already exists; versions are never overwritten", noun, path);
      }
      writeArtifacts();
      HadoopFiles.writeString(spark, metadataPath, metadataJson());
      afterSave();
      if (Boolean.TRUE.equals(promotion.get("promoted"))) {
        registry.promote(spec.id(), version, challenger.metric(), challenger.value());
      }
      return result(promotion);
    } finally {
      cached.forEach(Dataset::unpersist);
    }
  }

  /**
   * Fails (user error) before any work when a source of training rows has none (one row is read to
   * know).
   */
  protected final void requireRows(Dataset<Row> rows, String sourceName) {
    if (rows.isEmpty()) {
      throw TargetingException.userError("%s %s: training data %s has no rows; nothing was trained", noun, spec.id(), sourceName);
    }
  }

  /** {@code rows} cached until the run ends. */
  protected final Dataset<Row> cache(Dataset<Row> rows) {
    Dataset<Row> result = rows.cache();
    cached.add(result);
    return result;
  }

  /** Checks the inputs before the registry is read ({@link #requireRows} each source). */
  protected abstract void requireInputs();

  /**
   * Runs the data block's suite, if any, over the training rows as read (dataset {@code training},
   * its history under the model's id, dated today in UTC); a failed error-level check stops the
   * training before a version number is taken or anything is written.
   */
  protected final void validateTrainingRows(java.util.Optional<com.targeting.core.validate.QualitySuite> suite,
      Dataset<Row> rows, String name) {
    suite.ifPresent(checks -> {
      com.targeting.core.validate.QualityReport report =
          checks.run(spark, rows, "model", spec.id(), "training", name, java.time.LocalDate.now(java.time.ZoneOffset.UTC));
      validation = java.util.Optional.of(report);
      report.requirePassed(noun + " " + spec.id() + " was not trained");
    });
  }

  /** Validates, splits, fits and evaluates on held-out rows; keeps what the later steps write. */
  protected abstract Challenger fitAndEvaluate();

  /** The champion's figure on the same held-out rows (it throws when it cannot score them). */
  protected abstract Double championValue(int championVersion);

  /** Writes the fitted model under {@link #path}, before the metadata file. */
  protected abstract void writeArtifacts();

  /** The metadata file's content. */
  protected abstract String metadataJson();

  /** Writes what belongs beside a saved version (nothing unless a family says so). */
  protected void afterSave() {}

  /** What the train call returns, given the promotion decision. */
  protected abstract R result(Map<String, Object> promotion);
}
