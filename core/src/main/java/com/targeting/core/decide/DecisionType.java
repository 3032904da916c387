package com.targeting.core.decide;

import com.targeting.core.config.ConfigNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A kind of decision a program's config names in {@code program.decide = [{ type = <name>, ... }]}.
 * The library's own types are built in; a team adds its own without touching the library: a class
 * implementing this interface, listed in
 * {@code META-INF/services/com.targeting.core.decide.DecisionType} on the job's classpath
 * ({@link ServiceLoader}). A decision that also implements
 * {@link com.targeting.core.report.SummarySection} adds its own section to the run summary and
 * report.
 */
public interface DecisionType {
  /** The name a config gives as {@code type}: lower case, dashes. */
  String name();

  /**
   * The decision a config block describes.
   *
   * @param node the decision's config block (its settings are read through it, so that an unknown
   *     key is refused)
   * @param parameters the program's {@code params}, for SQL templates
   * @throws com.targeting.core.TargetingException a user error naming the config path of a bad setting
   */
  Decision create(ConfigNode node, Map<String, Object> parameters);

  /**
   * The decision of config block {@code node}, by its {@code type}.
   *
   * @throws com.targeting.core.TargetingException a user error for an unknown type, listing the known ones
   */
  static Decision from(ConfigNode node, Map<String, Object> parameters) {
    Map<String, DecisionType> types = Registry.types();
    String type = node.string("type");
    DecisionType found = types.get(type);
    if (found == null) {
      throw node.invalid("type", "unknown decision type " + type + " (known: " + String.join(", ", types.keySet()) + ")");
    }
    return found.create(node, parameters);
  }

  /** The built-in types, then those found by {@link ServiceLoader}; a name taken twice is refused. */
  final class Registry {
    private static volatile Map<String, DecisionType> types;

    private Registry() {}

    private record BuiltIn(String name, java.util.function.BiFunction<ConfigNode, Map<String, Object>, Decision> factory)
        implements DecisionType {
      @Override
      public Decision create(ConfigNode node, Map<String, Object> parameters) {
        return factory.apply(node, parameters);
      }
    }

    static Map<String, DecisionType> types() {
      Map<String, DecisionType> known = types;
      if (known == null) {
        known = new LinkedHashMap<>();
        for (DecisionType type : List.<DecisionType>of(
            new BuiltIn("score-bands", (node, parameters) -> ScoreBands.from(node)),
            new BuiltIn("allocation-recommendations", (node, parameters) -> AllocationRecommendations.from(node)),
            new BuiltIn("channel-audiences", (node, parameters) -> ChannelAudiences.from(node.nodes("channels"), parameters)),
            new BuiltIn("loan-offers", (node, parameters) -> LoanOffers.from(node)),
            new BuiltIn("budget-selection", (node, parameters) -> BudgetSelection.from(node)),
            new BuiltIn("review-flags", ReviewFlags::from),
            new BuiltIn("segments", (node, parameters) -> com.targeting.core.segment.Segments.from(node)),
            new BuiltIn("anomalies", (node, parameters) -> com.targeting.core.segment.Anomalies.from(node)),
            new BuiltIn("next-best-action", com.targeting.core.bandit.NextBestAction::from),
            new BuiltIn("recommendations", com.targeting.core.recommend.Recommendations::from))) {
          known.put(type.name(), type);
        }
        for (DecisionType type : ServiceLoader.load(DecisionType.class, Thread.currentThread().getContextClassLoader())) {
          DecisionType earlier = known.putIfAbsent(type.name(), type);
          if (earlier != null) {
            throw com.targeting.core.TargetingException.userError("Decision type %s is defined twice: by %s and by %s",
                type.name(), earlier.getClass().getName(), type.getClass().getName());
          }
        }
        types = known;
      }
      return known;
    }
  }
}
