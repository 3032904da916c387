package com.targeting.core.program;

import static java.util.Objects.requireNonNull;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.decide.Decision;
import com.targeting.core.fairness.AdverseImpact;
import com.targeting.core.filter.RuleFilter;
import com.targeting.core.model.ModelSpec;
import com.targeting.core.sink.ContactHistory;
import com.targeting.core.sink.PartitionedTableSink;
import com.targeting.core.sink.dynamodb.DynamoDbExport;
import com.targeting.core.source.SourceConfig;
import com.targeting.core.transform.DerivedColumn;
import com.targeting.core.transform.Enrichment;
import com.targeting.core.uplift.UpliftSpec;
import com.targeting.core.validate.Contract;
import com.typesafe.config.Config;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a targeting run needs, read once on the driver from the resolved config and checked
 * as it is read: unknown types, bad SQL, missing settings all fail here, before Spark starts,
 * naming file, line and path. Executors only ever see the plain values inside.
 *
 * <p>Only immutable values: the same config serves any number of runs. What keeps state while a
 * run writes (a DynamoDB export's report, a table's prepared files, the run's lock) is built from
 * these values by the run ({@link com.targeting.core.sink.dynamodb.DynamoDbExport#newSink()},
 * {@link Outputs#table}); decisions are built by their {@link com.targeting.core.decide.DecisionType}
 * and are immutable too.
 */
public record ProgramConfig(
    String id,
    String name,
    LocalDate runDate,
    String runId,
    SourceConfig source,
    Contract contract,
    Optional<com.targeting.core.validate.QualitySuite> validation,
    List<Enrichment> enrichments,
    List<DerivedColumn> derived,
    List<RuleFilter> filters,
    List<ModelSpec> models,
    List<UpliftSpec> upliftModels,
    List<com.targeting.core.text.TextClassifierSpec> textModels,
    List<com.targeting.core.text.TextFeature> textFeatures,
    List<RuleFilter> postScoreFilters,
    List<Decision> decisions,
    Outputs outputs,
    Optional<DynamoDbExport> dynamodb,
    Optional<AdverseImpact> fairness,
    Optional<com.targeting.core.model.Drift> drift) {

  /**
   * Where a run's outputs go and how they are published: base paths of the output tables (each
   * partitioned {@code program=/dt=}) and their format, the run summaries (one JSON file per
   * attempt), the reports (HTML and charts; never inside a table's location, which readers would
   * take for data), and the optional Delta contact-history table the run's candidates are merged
   * into.
   *
   * @param journal the run journal and lock of each program and date go under it, in {@code
   *     program=<id>/dt=<date>/} (see {@link com.targeting.core.sink.RunJournal})
   * @param validation the data-quality results of each attempt that validated its extract, one
   *     JSON row per check at {@code <validation>/program=<id>/dt=<date>/<run-id>.json} (a table
   *     Athena reads as JSON, like the summaries); default: beside the summaries
   */
  public record Outputs(String candidates, String rejections, String quarantine, String summaries, String reports,
      String journal, String validation, PartitionedTableSink.Format format, Optional<ContactHistory> contactHistory, Publishing publishing) {
    public Outputs {
      requireNonNull(candidates, "candidates is null");
      requireNonNull(rejections, "rejections is null");
      requireNonNull(quarantine, "quarantine is null");
      requireNonNull(summaries, "summaries is null");
      requireNonNull(reports, "reports is null");
      requireNonNull(journal, "journal is null");
      requireNonNull(validation, "validation is null");
      requireNonNull(publishing, "publishing is null");
      requireNonNull(format, "format is null");
      requireNonNull(contactHistory, "contactHistory is null");
    }

    public PartitionedTableSink candidatesTable() {
      return PartitionedTableSink.of("candidates", candidates, format);
    }

    public PartitionedTableSink rejectionsTable() {
      return PartitionedTableSink.of("rejections", rejections, format);
    }

    public PartitionedTableSink quarantineTable() {
      return PartitionedTableSink.of("quarantine", quarantine, format);
    }

    /**
     * The table named {@code quarantine}, {@code rejections} or {@code candidates}.
     *
     * @throws IllegalArgumentException for any other name
     */
    public PartitionedTableSink table(String name) {
      return switch (name) {
        case "quarantine" -> quarantineTable();
        case "rejections" -> rejectionsTable();
        case "candidates" -> candidatesTable();
        default -> throw new IllegalArgumentException("No table " + name);
      };
    }
  }

  /**
   * How a run holds its date and publishes (reference.conf {@code publishing}).
   *
   * @param maxAttempts commits per table before a conflict with concurrent writers fails the run
   */
  public record Publishing(com.targeting.core.sink.RunLock.Settings lock, int maxAttempts) {
    static Publishing from(ConfigNode node) {
      java.time.Duration timeout = node.duration("lock-timeout");
      java.time.Duration heartbeat = node.duration("lock-heartbeat");
      if (heartbeat.isZero() || heartbeat.isNegative() || heartbeat.compareTo(timeout) >= 0) {
        throw node.invalid("lock-heartbeat", "must be positive and shorter than lock-timeout (" + timeout + "), was " + heartbeat);
      }
      int attempts = node.integer("max-attempts");
      if (attempts < 1) {
        throw node.invalid("max-attempts", "must be at least 1, was " + attempts);
      }
      return new Publishing(new com.targeting.core.sink.RunLock.Settings(timeout, heartbeat), attempts);
    }
  }

  public ProgramConfig {
    requireNonNull(id, "id is null");
    requireNonNull(name, "name is null");
    requireNonNull(runDate, "runDate is null");
    requireNonNull(runId, "runId is null");
    requireNonNull(source, "source is null");
    requireNonNull(contract, "contract is null");
    enrichments = List.copyOf(enrichments);
    derived = List.copyOf(derived);
    filters = List.copyOf(filters);
    models = List.copyOf(models);
    textModels = List.copyOf(textModels);
    textFeatures = List.copyOf(textFeatures);
    upliftModels = List.copyOf(upliftModels);
    postScoreFilters = List.copyOf(postScoreFilters);
    decisions = List.copyOf(decisions);
    requireNonNull(outputs, "outputs is null");
    requireNonNull(dynamodb, "dynamodb is null");
    requireNonNull(fairness, "fairness is null");
  }

  /**
   * Reads {@code program} and {@code run.date} from a resolved config.
   *
   * @throws com.targeting.core.TargetingException a user error for a missing or invalid setting, or
   *     for a key under {@code program} (or, with models, {@code model-defaults}) that nothing reads
   */
  public static ProgramConfig from(Config config) {
    ConfigNode root = ConfigNode.root(config);
    ConfigNode program = root.node("program");
    LocalDate runDate = runDate(root);
    String id = program.string("id");

    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("run_date", runDate);
    parameters.put("program_id", id);

    List<Enrichment> enrichments = new ArrayList<>();
    for (ConfigNode node : program.nodes("enrichments")) {
      enrichments.add(Enrichment.from(node, parameters));
    }
    List<DerivedColumn> derived = new ArrayList<>();
    for (ConfigNode node : program.nodes("derived")) {
      derived.add(DerivedColumn.from(node, parameters));
    }
    List<RuleFilter> filters = new ArrayList<>();
    Set<String> filterIds = new HashSet<>();
    for (ConfigNode node : program.nodes("filters")) {
      RuleFilter filter = RuleFilter.from(node, parameters);
      if (!filterIds.add(filter.id())) {
        throw node.invalid("id", "filter id " + filter.id() + " is used twice");
      }
      filters.add(filter);
    }
    // Declines that need the scores and decisions (seed 001: no tier reached, default risk): run after
    // the decide steps, counted in the same funnel after the filters above.
    List<RuleFilter> postScoreFilters = new ArrayList<>();
    for (ConfigNode node : program.nodes("post-score-filters")) {
      RuleFilter filter = RuleFilter.from(node, parameters);
      if (!filterIds.add(filter.id())) {
        throw node.invalid("id", "filter id " + filter.id() + " is used twice");
      }
      postScoreFilters.add(filter);
    }
    List<ModelSpec> models = new ArrayList<>();
    ConfigNode modelDefaults = root.node("model-defaults");
    for (ConfigNode node : program.nodes("models")) {
      models.add(ModelSpec.from(node, modelDefaults));
    }
    // Uplift (causal) models, trained on a randomized campaign's rows (seed 003).
    List<UpliftSpec> upliftModels = new ArrayList<>();
    for (ConfigNode node : program.nodes("uplift-models")) {
      upliftModels.add(UpliftSpec.from(node, modelDefaults));
    }
    // Text classifiers (messages' sentiment), and the per-customer features a run makes with them:
    // a model trained on such a feature gets it on its labeled rows too, as of each row's date.
    Map<String, com.targeting.core.text.TextClassifierSpec> textModels = new LinkedHashMap<>();
    for (ConfigNode node : program.nodes("text-models")) {
      com.targeting.core.text.TextClassifierSpec spec = com.targeting.core.text.TextClassifierSpec.from(node, modelDefaults);
      if (textModels.put(spec.id(), spec) != null) {
        throw node.invalid("id", "text model id " + spec.id() + " is used twice");
      }
    }
    // One registry directory per model id, whatever its family.
    Set<String> modelIds = new HashSet<>();
    List<ConfigNode> modelNodes = new ArrayList<>(program.nodes("models"));
    modelNodes.addAll(program.nodes("uplift-models"));
    modelNodes.addAll(program.nodes("text-models"));
    for (ConfigNode node : modelNodes) {
      if (!modelIds.add(node.string("id"))) {
        throw node.invalid("id", "model id " + node.string("id") + " is used twice in this program (models, uplift-models,"
            + " text-models share the registry)");
      }
    }
    List<com.targeting.core.text.TextFeature> textFeatures = new ArrayList<>();
    Set<String> featureIds = new HashSet<>();
    for (ConfigNode node : program.nodes("text-features")) {
      com.targeting.core.text.TextFeature feature = com.targeting.core.text.TextFeature.from(node, textModels, program.string("key"));
      if (!featureIds.add(feature.id())) {
        throw node.invalid("id", "text feature id " + feature.id() + " is used twice");
      }
      textFeatures.add(feature);
    }
    for (UpliftSpec uplift : upliftModels) {
      for (com.targeting.core.text.TextFeature feature : textFeatures) {
        List<String> used = feature.outputs().stream().filter(uplift.features()::contains).toList();
        if (!used.isEmpty()) {
          throw TargetingException.userError("Uplift model %s lists %s, outputs of %s: uplift models are not trained on text"
              + " features (their labeled rows would lack them)", uplift.id(), used, feature.where());
        }
      }
    }
    for (int i = 0; i < models.size(); i++) {
      ModelSpec model = models.get(i);
      List<com.targeting.core.model.TrainingEnrichment> used = new ArrayList<>();
      for (com.targeting.core.text.TextFeature feature : textFeatures) {
        if (feature.outputs().stream().anyMatch(model.features()::contains)) {
          if (feature.trainingAsOf().isEmpty()) {
            throw TargetingException.userError("%s: model %s is trained on its outputs %s, so its labeled rows need the feature"
                + " as of the day each was observed: set %s.training-as-of to their date column", feature.where(), model.id(),
                feature.outputs(), feature.where());
          }
          used.add(feature);
        }
      }
      if (!used.isEmpty()) {
        models.set(i, model.withTrainingEnrichments(used));
      }
    }
    // A program's budget (promotion-uplift): the value its budget-selection refers to as
    // ${program.budget}, so that --conf program.budget=N changes it without rewriting the list.
    if (program.has("budget") && !(program.doubleValue("budget") > 0)) {
      throw program.invalid("budget", "must be a positive amount");
    }
    List<Decision> decisions = new ArrayList<>();
    for (ConfigNode node : program.nodes("decide")) {
      decisions.add(decision(node, parameters));
    }
    ConfigNode outputs = program.node("outputs");
    Optional<DynamoDbExport> dynamodb = Optional.empty();
    if (outputs.has("dynamodb")) {
      if (outputs.node("dynamodb").bool("enabled", true)) {
        dynamodb = Optional.of(DynamoDbExport.from(outputs.node("dynamodb"), parameters));
      } else {
        // Switched off: its settings are kept for the day it is switched on, and not checked now.
        outputs.readAll("dynamodb");
      }
    }
    ProgramConfig built = new ProgramConfig(
        id,
        program.string("name", id),
        runDate,
        runId(root),
        SourceConfig.from(program.node("source")),
        Contract.from(contractNode(root, program), program.string("key"), parameters),
        program.optionalNode("validation").map(com.targeting.core.validate.QualitySuite::from),
        enrichments,
        derived,
        filters,
        models,
        upliftModels,
        List.copyOf(textModels.values()),
        textFeatures,
        postScoreFilters,
        decisions,
        new Outputs(
            outputs.string("candidates"),
            outputs.string("rejections"),
            outputs.string("quarantine"),
            outputs.string("summaries"),
            outputs.string("reports", sibling(outputs.string("summaries"), "reports")),
            outputs.string("journal", sibling(outputs.string("summaries"), "journal")),
            outputs.string("validation", sibling(outputs.string("summaries"), "validation")),
            tableFormat(outputs),
            outputs.optionalNode("contact-history").map(history -> new ContactHistory(
                history.string("path"), program.string("key"), history.string("channel-column"))),
            Publishing.from(root.node("publishing"))),
        dynamodb,
        program.optionalNode("fairness").map(AdverseImpact::from),
        program.optionalNode("drift").map(com.targeting.core.model.Drift::from));
    // The library's own sections a program run reads: a misspelled key there is refused too.
    List<String> checked = new ArrayList<>(List.of("program", "publishing", "contract-defaults"));
    if (!models.isEmpty() || !upliftModels.isEmpty()) {
      checked.add("model-defaults");
    }
    root.refuseUnread(checked);
    return built;
  }

  /**
   * Every model the program trains, in the order they must be trained: text models first (a model
   * trained on a text feature reads their champion), then models, then uplift models.
   */
  public List<com.targeting.core.model.ModelFamilySpec> allModels() {
    List<com.targeting.core.model.ModelFamilySpec> all = new ArrayList<>(textModels);
    all.addAll(models);
    all.addAll(upliftModels);
    return List.copyOf(all);
  }

  /** {@code program.contract} over {@code contract-defaults} (date range, serving key). */
  private static ConfigNode contractNode(ConfigNode root, ConfigNode program) {
    ConfigNode contract = program.node("contract");
    return root.optionalNode("contract-defaults").map(contract::withFallback).orElse(contract);
  }

  static LocalDate runDate(ConfigNode root) {
    String value = root.string("run.date");
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw root.invalid("run.date", "expected a date like 2026-11-20, was '" + value + "'");
    }
  }

  /** {@code <parent>/name} for a path {@code <parent>/<last>}: where reports go unless configured. */
  private static String sibling(String path, String name) {
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return trimmed.substring(0, trimmed.lastIndexOf('/') + 1) + name;
  }

  /**
   * The attempt's id, {@code run.id} ({@code --run-id}; a scheduler passes its own so that it can
   * find the attempt's summary), else the start time and a random suffix.
   */
  static String runId(ConfigNode root) {
    if (root.has("run.id")) {
      return root.string("run.id");
    }
    String started = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
        .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
    return started + "-" + java.util.UUID.randomUUID().toString().substring(0, 6);
  }

  private static PartitionedTableSink.Format tableFormat(ConfigNode outputs) {
    String format = outputs.string("format", "delta");
    return switch (format) {
      case "parquet" -> PartitionedTableSink.Format.PARQUET;
      case "delta" -> PartitionedTableSink.Format.DELTA;
      default -> throw outputs.invalid("format", "must be parquet or delta, was " + format);
    };
  }

  private static Decision decision(ConfigNode node, Map<String, Object> parameters) {
    return com.targeting.core.decide.DecisionType.from(node, parameters);
  }

}
