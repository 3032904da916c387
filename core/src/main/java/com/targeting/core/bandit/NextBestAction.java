package com.targeting.core.bandit;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import com.targeting.core.decide.Decision;
import com.targeting.core.decide.LearnedDecision;
import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import com.targeting.core.source.TableInput;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The next best action per customer by Thompson sampling ({@link ThompsonPolicy}) over configured
 * actions, with a Beta posterior per context (a customer segment) and action, updated from an
 * interventions log: earlier decisions with the action taken, the probability the logging policy
 * gave it (its propensity) and the outcome (1 the customer engaged, 0 not).
 *
 * <p>Each eligible customer gets one action, drawn from the policy of its context by a uniform
 * number hashed from its key, the run date and the seed: the same run date draws the same actions
 * again (a rerun changes nothing), another date draws afresh. Beside it, {@code propensity-output}
 * holds the probability that the policy picks that action in that context, so that a later run can
 * evaluate this run's decisions off-line. A customer who may not be contacted ({@code contactable}
 * false or NULL: opted out, notifications off) or who had {@code contact-cap.max} actions other than
 * {@code default-action} in the log's last {@code contact-cap.days} days gets {@code default-action}
 * with propensity 1 (not a draw) and {@code withheld-output} true. A context the log has not seen
 * draws from the prior.
 *
 * <p>The summary reports each context's posterior means and policy, the actions chosen, the capped
 * customers, and off-policy estimates of the policy's value on the log's last {@code
 * evaluation-days} (the policy refitted on the log before them, so the estimate is out of sample):
 * IPS and SNIPS of Thompson sampling and of uniform choice, beside the logged policy's observed
 * value.
 *
 * <pre>
 * { type = next-best-action, context = segment_id, actions = [discount, feature-tip, reconnect, none],
 *   default-action = none, contactable = "notifications_enabled", contact-cap { max = 2, days = 30 },
 *   interventions { path = ..., format = csv, options { header = "true" } } }
 * </pre>
 */
public record NextBestAction(String id, String output, String propensityOutput, String withheldOutput, String context, List<String> actions,
    String defaultAction, Optional<String> contactable, double priorAlpha, double priorBeta, Log log, int lookbackDays,
    int evaluationDays, int capMax, int capDays, long seed, LocalDate runDate, String path) implements LearnedDecision {
  private static final Logger LOG = LoggerFactory.getLogger(NextBestAction.class);
  private static final String CAPPED = "__nba_capped";

  /** The interventions log: where it is and what its columns are called. */
  public record Log(TableInput table, String key, String context, String action, String outcome, String propensity, String date) {
    public Log {
      requireNonNull(table, "table is null");
    }

    String describe() {
      return table.describe();
    }
  }

  public NextBestAction {
    requireNonNull(id, "id is null");
    requireNonNull(output, "output is null");
    requireNonNull(propensityOutput, "propensityOutput is null");
    requireNonNull(withheldOutput, "withheldOutput is null");
    requireNonNull(context, "context is null");
    actions = List.copyOf(actions);
    requireNonNull(defaultAction, "defaultAction is null");
    requireNonNull(contactable, "contactable is null");
    requireNonNull(log, "log is null");
    requireNonNull(runDate, "runDate is null");
    requireNonNull(path, "path is null");
  }

  /**
   * The decision of a {@code type = next-best-action} block.
   *
   * @param parameters the program's parameters ({@code run_date} among them)
   * @throws TargetingException a user error naming the path of a bad setting
   */
  public static NextBestAction from(ConfigNode node, Map<String, Object> parameters) {
    List<String> actions = node.strings("actions");
    if (actions.size() < 2 || actions.stream().distinct().count() != actions.size()) {
      throw node.invalid("actions", "at least two actions, each once: " + actions);
    }
    String defaultAction = node.string("default-action");
    if (!actions.contains(defaultAction)) {
      throw node.invalid("default-action", defaultAction + " is not one of the actions " + actions);
    }
    ConfigNode prior = node.optionalNode("prior").orElse(null);
    double alpha = prior == null ? 1 : prior.doubleValue("alpha", 1);
    double beta = prior == null ? 1 : prior.doubleValue("beta", 1);
    if (!(alpha > 0) || !(beta > 0)) {
      throw node.invalid("prior", "alpha and beta must be above 0, got " + alpha + " and " + beta);
    }
    ConfigNode logNode = node.node("interventions");
    Log log = new Log(TableInput.from(logNode), logNode.string("key-column", "customer_id"),
        logNode.string("context-column", "segment_id"), logNode.string("action-column", "action"),
        logNode.string("outcome-column", "outcome"), logNode.string("propensity-column", "propensity"),
        logNode.string("date-column", "decided_on"));
    int lookback = logNode.integer("lookback-days", 365);
    int evaluation = logNode.integer("evaluation-days", 28);
    if (lookback < 1 || evaluation < 1 || evaluation >= lookback) {
      throw logNode.invalid("evaluation-days", "need 1 <= evaluation-days < lookback-days, got " + evaluation + " and " + lookback);
    }
    int capMax = Integer.MAX_VALUE;
    int capDays = 0;
    Optional<ConfigNode> cap = node.optionalNode("contact-cap");
    if (cap.isPresent()) {
      capMax = cap.get().integer("max");
      capDays = cap.get().integer("days");
      if (capMax < 1 || capDays < 1) {
        throw cap.get().invalid("max", "contact-cap.max and contact-cap.days must be at least 1, got " + capMax + " and " + capDays);
      }
    }
    Optional<String> contactable = node.optionalString("contactable")
        .map(condition -> SqlTemplate.expression(condition, parameters, node, "contactable"));
    Object runDate = parameters.get("run_date");
    if (!(runDate instanceof LocalDate date)) {
      throw new IllegalStateException("the program's parameters have no run_date");
    }
    return new NextBestAction(node.string("id", "next_best_action"), node.string("output", "nba_action"),
        node.string("propensity-output", "nba_propensity"), node.string("withheld-output", "nba_withheld"),
        node.string("context", "segment_id"), actions, defaultAction,
        contactable, alpha, beta, log, lookback, evaluation, capMax, capDays, node.longValue("seed", 13L), date, node.path());
  }

  @Override
  public String stage() {
    return id;
  }

  /** Successes and trials of one context and action. */
  record Counts(long successes, long trials) {}

  /** Per context (as text), the policy's probability of each action, in {@code actions} order. */
  private Map<String, double[]> policies(Map<String, Map<String, Counts>> counts) {
    Map<String, double[]> policies = new TreeMap<>();
    for (Map.Entry<String, Map<String, Counts>> context : counts.entrySet()) {
      policies.put(context.getKey(), policy(context.getValue()));
    }
    return policies;
  }

  /** The Thompson policy of one context's counts (none: the prior's, every action alike). */
  double[] policy(Map<String, Counts> byAction) {
    double[] alpha = new double[actions.size()];
    double[] beta = new double[actions.size()];
    for (int a = 0; a < actions.size(); a++) {
      Counts c = byAction.getOrDefault(actions.get(a), new Counts(0, 0));
      alpha[a] = priorAlpha + c.successes();
      beta[a] = priorBeta + c.trials() - c.successes();
    }
    return ThompsonPolicy.probabilities(alpha, beta);
  }

  @Override
  public Decision fit(Dataset<Row> kept, Run run) {
    String key = run.key().orElseThrow(() -> TargetingException.userError(
        "%s: the program has no key column (program.key): each customer's draw is hashed from it", path));
    requireColumn(kept, context, "context");
    contactable.ifPresent(condition -> {
      try {
        kept.select(expr(condition)).schema();
      } catch (Exception e) { // AnalysisException is checked in Scala's eyes only
        throw TargetingException.userError("%s.contactable: %s cannot be evaluated on the rows: %s", path, condition,
            e.getMessage().lines().findFirst().orElse(""));
      }
    });
    Dataset<Row> logged = readLog(run);
    LocalDate earliest = runDate.minusDays(lookbackDays);
    LocalDate evaluationStart = runDate.minusDays(evaluationDays);
    Dataset<Row> valid = logged.where(col("__date").geq(lit(earliest.toString()).cast("date"))
        .and(col("__date").lt(lit(runDate.toString()).cast("date"))));
    // Every decision with a known outcome: a row with an action no longer offered, or no context,
    // still counts in the off-policy estimates' n (weight 0, or the prior's policy), not in a posterior.
    List<Row> aggregated = valid.where(col("__outcome").isNotNull())
        .groupBy(col("__context"), col("__action"), col("__date").lt(lit(evaluationStart.toString()).cast("date")).as("__before"))
        .agg(count(lit(1)), sum(col("__outcome")), sum(col("__outcome").divide(col("__propensity"))),
            sum(lit(1.0).divide(col("__propensity"))), sum(lit(1.0).divide(col("__propensity").multiply(col("__propensity")))))
        .collectAsList();
    Map<String, Map<String, Counts>> all = new TreeMap<>();
    Map<String, Map<String, Counts>> beforeWindow = new TreeMap<>();
    for (Row row : aggregated) {
      if (row.isNullAt(0) || !actions.contains(row.getString(1))) {
        continue;
      }
      Counts counts = new Counts(((Number) row.get(4)).longValue(), row.getLong(3));
      merge(all, row.getString(0), row.getString(1), counts);
      if (row.getBoolean(2)) {
        merge(beforeWindow, row.getString(0), row.getString(1), counts);
      }
    }
    Map<String, double[]> policies = policies(all);
    double[] prior = policy(Map.of());

    // Off-policy evaluation on the window: w = pi(a|x) / p, summed per context and action.
    Map<String, double[]> evaluated = policies(beforeWindow);
    ThompsonPolicy.Estimator thompson = new ThompsonPolicy.Estimator();
    ThompsonPolicy.Estimator uniform = new ThompsonPolicy.Estimator();
    long windowRows = 0;
    double windowReward = 0;
    for (Row row : aggregated) {
      if (row.getBoolean(2)) {
        continue;
      }
      int a = row.isNullAt(1) ? -1 : actions.indexOf(row.getString(1));
      double pi = a < 0 ? 0 : (row.isNullAt(0) ? prior : evaluated.getOrDefault(row.getString(0), prior))[a];
      double piUniform = a < 0 ? 0 : 1.0 / actions.size();
      long n = row.getLong(3);
      double rewardOverP = row.getDouble(5);
      double inverseP = row.getDouble(6);
      double inverseP2 = row.getDouble(7);
      thompson.addSums(n, pi * rewardOverP, pi * inverseP, pi * pi * inverseP2);
      uniform.addSums(n, piUniform * rewardOverP, piUniform * inverseP, piUniform * piUniform * inverseP2);
      windowRows += n;
      windowReward += ((Number) row.get(4)).doubleValue();
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("interventions", log.describe());
    report.put("actions", actions);
    report.put("context", context);
    report.put("prior", Map.of("alpha", priorAlpha, "beta", priorBeta));
    report.put("logged_rows_used", all.values().stream().flatMap(m -> m.values().stream()).mapToLong(Counts::trials).sum());
    report.put("contexts", contexts(all, policies));
    Map<String, Object> evaluation = new LinkedHashMap<>();
    evaluation.put("window", evaluationStart + " to " + runDate.minusDays(1));
    evaluation.put("rows", windowRows);
    evaluation.put("logged_policy_value", windowRows == 0 ? null : round(windowReward / windowRows));
    evaluation.put("thompson", estimate(thompson.estimate()));
    evaluation.put("uniform", estimate(uniform.estimate()));
    ThompsonPolicy.Estimate t = thompson.estimate();
    evaluation.put("snips_lift_over_logged", windowRows == 0 || windowReward == 0 ? null
        : round(t.snips() / (windowReward / windowRows) - 1));
    report.put("off_policy_evaluation", evaluation);
    Dataset<Row> capped = capDays == 0 ? null : logged
        .where(col("__action").notEqual(lit(defaultAction))
            .and(col("__date").geq(lit(runDate.minusDays(capDays).toString()).cast("date")))
            .and(col("__date").lt(lit(runDate.toString()).cast("date"))))
        .groupBy(col("__key")).count().where(col("count").geq(capMax)).select(col("__key"), lit(true).as(CAPPED));
    LOG.info("{}: {} contexts from {} logged decisions; off-policy SNIPS {} (logged {})", path, policies.size(),
        report.get("logged_rows_used"), round(t.snips()), evaluation.get("logged_policy_value"));
    return new Fitted(this, key, policies, prior, capped, report);
  }

  private static void merge(Map<String, Map<String, Counts>> into, String context, String action, Counts counts) {
    into.computeIfAbsent(context, c -> new TreeMap<>()).merge(action, counts,
        (x, y) -> new Counts(x.successes() + y.successes(), x.trials() + y.trials()));
  }

  private List<Map<String, Object>> contexts(Map<String, Map<String, Counts>> counts, Map<String, double[]> policies) {
    List<Map<String, Object>> contexts = new ArrayList<>();
    for (Map.Entry<String, double[]> entry : policies.entrySet()) {
      Map<String, Object> context = new LinkedHashMap<>();
      context.put("context", entry.getKey());
      Map<String, Object> byAction = new LinkedHashMap<>();
      for (int a = 0; a < actions.size(); a++) {
        Counts c = counts.get(entry.getKey()).getOrDefault(actions.get(a), new Counts(0, 0));
        double alpha = priorAlpha + c.successes();
        double beta = priorBeta + c.trials() - c.successes();
        Map<String, Object> action = new LinkedHashMap<>();
        action.put("trials", c.trials());
        action.put("successes", c.successes());
        action.put("posterior_mean", round(alpha / (alpha + beta)));
        action.put("policy_probability", round(entry.getValue()[a]));
        byAction.put(actions.get(a), action);
      }
      context.put("actions", byAction);
      contexts.add(context);
    }
    return contexts;
  }

  private static Map<String, Object> estimate(ThompsonPolicy.Estimate estimate) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("ips", round(estimate.ips()));
    result.put("snips", round(estimate.snips()));
    result.put("effective_rows", Math.round(estimate.effectiveRows()));
    return result;
  }

  /**
   * The log with its columns renamed ({@code __key}, {@code __context} as text, {@code __action},
   * {@code __outcome}, {@code __propensity}, {@code __date}); an outcome other than 0, 1 or missing
   * (not known yet: the decision still counts for the contact cap), a propensity outside (0, 1] or a
   * missing date stops the run, naming the log and column.
   */
  private Dataset<Row> readLog(Run run) {
    Dataset<Row> raw = log.table().read(run.spark(), path + ".interventions",
        List.of(log.key(), log.context(), log.action(), log.outcome(), log.propensity(), log.date()));
    Dataset<Row> typed = raw.select(col(log.key()).cast("string").as("__key"), col(log.context()).cast("string").as("__context"),
        col(log.action()).cast("string").as("__action"), col(log.outcome()).cast("double").as("__outcome"),
        col(log.propensity()).cast("double").as("__propensity"), col(log.date()).cast("date").as("__date"),
        col(log.outcome()).cast("string").as("__outcome_text"), col(log.propensity()).cast("string").as("__propensity_text"));
    Column badOutcome = col("__outcome_text").isNotNull().and(col("__outcome").isNull().or(col("__outcome").isin(0.0, 1.0).equalTo(false)));
    Row bad = typed.agg(
        sum(when(badOutcome, 1L).otherwise(0L)),
        sum(when(col("__propensity").isNull().or(col("__propensity").leq(0)).or(col("__propensity").gt(1)), 1L).otherwise(0L)),
        sum(when(col("__date").isNull(), 1L).otherwise(0L)),
        org.apache.spark.sql.functions.first(when(badOutcome, col("__outcome_text")), true),
        org.apache.spark.sql.functions.first(when(col("__propensity").isNull().or(col("__propensity").leq(0))
            .or(col("__propensity").gt(1)), coalesce(col("__propensity_text"), lit("null"))), true)).first();
    if (bad.getLong(0) > 0) {
      throw TargetingException.userError("%s.interventions: %s has %d rows whose %s is not 0 or 1 (for example %s): "
          + "Beta posteriors count successes", path, log.describe(), bad.getLong(0), log.outcome(), bad.get(3));
    }
    if (bad.getLong(1) > 0) {
      throw TargetingException.userError("%s.interventions: %s has %d rows whose %s is not in (0, 1] (for example %s): "
          + "off-policy estimates divide by it", path, log.describe(), bad.getLong(1), log.propensity(), bad.get(4));
    }
    if (bad.getLong(2) > 0) {
      throw TargetingException.userError("%s.interventions: %s has %d rows whose %s is missing or not a date", path, log.describe(),
          bad.getLong(2), log.date());
    }
    return typed.drop("__outcome_text", "__propensity_text");
  }

  private void requireColumn(Dataset<Row> rows, String column, String setting) {
    if (!Arrays.asList(rows.columns()).contains(column)) {
      throw TargetingException.userError("%s.%s: no column %s in the rows when this decision is fitted (the extract's columns "
          + "and those of the learned decisions before it, such as segments; not model scores)", path, setting, column);
    }
  }

  private static Double round(double value) {
    return Figure.round4(value);
  }

  /** The policy of one run: draws an action per row, reports the posteriors, choices and estimates. */
  static final class Fitted implements Decision, SummarySection {
    private final NextBestAction spec;
    private final String key;
    private final Map<String, double[]> policies;
    private final double[] prior;
    private final Dataset<Row> capped;
    private final Map<String, Object> fitReport;

    Fitted(NextBestAction spec, String key, Map<String, double[]> policies, double[] prior, Dataset<Row> capped,
        Map<String, Object> fitReport) {
      this.spec = spec;
      this.key = key;
      this.policies = policies;
      this.prior = prior;
      this.capped = capped;
      this.fitReport = fitReport;
    }

    Map<String, double[]> policies() {
      return policies;
    }

    Map<String, Object> fitReport() {
      return fitReport;
    }

    /** A uniform number in [0, 1) per row, from its key, the run date and the seed. */
    private Column uniform() {
      return pmod(xxhash64(col(key).cast("string"), lit(spec.runDate().toString()), lit(spec.seed())), lit(1L << 53))
          .cast("double").divide((double) (1L << 53));
    }

    /** The action drawn from {@code pi} by uniform {@code u}, and its probability. */
    private Column[] draw(double[] pi, Column u) {
      Column action = lit(spec.actions().get(spec.actions().size() - 1));
      Column probability = lit(pi[pi.length - 1]);
      double cumulative = 0;
      for (int a = 0; a < pi.length - 1; a++) {
        cumulative += pi[a];
      }
      for (int a = pi.length - 2; a >= 0; a--) {
        cumulative -= pi[a];
        double upper = cumulative + pi[a];
        action = when(u.lt(upper), lit(spec.actions().get(a))).otherwise(action);
        probability = when(u.lt(upper), lit(pi[a])).otherwise(probability);
      }
      return new Column[] {action, probability};
    }

    @Override
    public Dataset<Row> apply(Dataset<Row> scored) {
      Dataset<Row> rows = scored;
      Column isCapped = lit(false);
      if (capped != null) {
        rows = rows.join(capped, col(key).cast("string").equalTo(capped.col("__key")), "left").drop("__key");
        isCapped = coalesce(col(CAPPED), lit(false));
      }
      Column contactable = spec.contactable().map(condition -> coalesce(expr(condition), lit(false))).orElse(lit(true))
          .and(org.apache.spark.sql.functions.not(isCapped));
      Column u = col("__nba_u");
      Column[] fallback = draw(prior, u);
      Column action = fallback[0];
      Column probability = fallback[1];
      Column context = col(spec.context()).cast("string");
      for (Map.Entry<String, double[]> policy : policies.entrySet()) {
        Column[] drawn = draw(policy.getValue(), u);
        action = when(context.equalTo(policy.getKey()), drawn[0]).otherwise(action);
        probability = when(context.equalTo(policy.getKey()), drawn[1]).otherwise(probability);
      }
      Dataset<Row> decided = rows.withColumn("__nba_u", uniform())
          .withColumn(spec.withheldOutput(), org.apache.spark.sql.functions.not(contactable))
          .withColumn(spec.output(), when(col(spec.withheldOutput()), lit(spec.defaultAction())).otherwise(action))
          .withColumn(spec.propensityOutput(), when(col(spec.withheldOutput()), lit(1.0)).otherwise(probability))
          .drop("__nba_u");
      return capped == null ? decided : decided.drop(CAPPED);
    }

    @Override
    public List<Figure> figures() {
      return List.of(Figure.dimension(spec.output(), col(spec.output())),
          Figure.measure(spec.id() + ":withheld", when(col(spec.withheldOutput()), 1L).otherwise(0L)));
    }

    @Override
    public void report(RunReport report) {
      Map<String, Object> section = new LinkedHashMap<>(fitReport);
      section.put("chosen", report.groups().countsBy(spec.output(), Groups.Scope.SELECTED));
      section.put("withheld_default_action", Math.round(report.groups().sum(spec.id() + ":withheld", Groups.Scope.SELECTED)));
      report.put(spec.id(), section);
    }
  }
}
