package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A serving query to verify after an export: for each partition-key value of a global secondary
 * index, the items with a sort key at or above {@code min} (GetCandidatesByRiskProfile with a
 * minimum score, say) must be exactly those the candidates say.
 */
public record GsiCheck(String index, String partitionKey, String sortKey, Object min) implements Serializable {
  public GsiCheck {
    requireNonNull(index, "index is null");
    requireNonNull(partitionKey, "partitionKey is null");
    requireNonNull(sortKey, "sortKey is null");
    requireNonNull(min, "min is null");
  }

  public static List<GsiCheck> from(List<ConfigNode> nodes) {
    List<GsiCheck> checks = new ArrayList<>();
    for (ConfigNode node : nodes) {
      checks.add(new GsiCheck(node.string("index"), node.string("partition-key"), node.string("sort-key"), node.scalar("min")));
    }
    return checks;
  }
}
