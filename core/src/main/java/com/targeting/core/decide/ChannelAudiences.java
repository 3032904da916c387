package com.targeting.core.decide;

import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import static com.targeting.core.Columns.CHANNELS;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exists;

import com.targeting.core.TargetingException;
import com.targeting.core.config.ConfigNode;
import com.targeting.core.config.SqlTemplate;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The channels each candidate is in the audience of, with how many recommendations that channel
 * shows (seed 000: in-app top 5, email top 3, push for high scores only).
 */
public record ChannelAudiences(List<Channel> channels, LocalDate runDate) implements Decision, SummarySection {

  /**
   * A channel; {@code when} is an optional Spark SQL condition on the candidate;
   * {@code displayDays}, for placements shown for a while (seed 001's in-app banner, 30 days),
   * gives the entry a {@code display_until} date counted from the run date.
   */
  public record Channel(String id, int priority, int maxItems, Optional<String> when, Optional<Integer> displayDays) {
    public Channel {
      requireNonNull(id, "id is null");
      requireNonNull(when, "when is null");
      requireNonNull(displayDays, "displayDays is null");
    }
  }

  public ChannelAudiences {
    channels = List.copyOf(channels);
    requireNonNull(runDate, "runDate is null");
  }

  public static ChannelAudiences from(List<ConfigNode> nodes, Map<String, Object> parameters) {
    List<Channel> channels = new ArrayList<>();
    for (ConfigNode node : nodes) {
      if (!node.bool("enabled", true)) {
        continue;
      }
      Optional<String> when = node.optionalString("when").map(w -> SqlTemplate.expression(w, parameters, node, "when"));
      Optional<Integer> displayDays = node.has("display-days") ? Optional.of(node.integer("display-days")) : Optional.empty();
      if (displayDays.isPresent() && displayDays.get() < 1) {
        throw node.invalid("display-days", "must be at least 1, was " + displayDays.get());
      }
      channels.add(new Channel(node.string("id"), node.integer("priority"), node.integer("max-items", 1), when, displayDays));
    }
    return new ChannelAudiences(channels, (LocalDate) parameters.get("run_date"));
  }

  public List<String> ids() {
    return channels.stream().map(Channel::id).toList();
  }

  @Override
  public Dataset<Row> apply(Dataset<Row> scored) {
    for (Channel channel : channels) {
      if (channel.when().isPresent()) {
        org.apache.spark.sql.types.DataType type;
        try {
          type = scored.select(expr(channel.when().get())).schema().fields()[0].dataType();
        } catch (Exception e) { // Spark throws the checked AnalysisException undeclared
          throw TargetingException.userError("Channel %s: condition %s cannot be evaluated: %s",
              channel.id(), channel.when().get(), TargetingException.firstLine(e.getMessage()));
        }
        if (!type.equals(org.apache.spark.sql.types.DataTypes.BooleanType)) {
          throw TargetingException.userError("Channel %s: condition %s is %s, not a boolean",
              channel.id(), channel.when().get(), type.simpleString());
        }
      }
    }
    Column[] entries = channels.stream().map(channel -> {
      Column entry = struct(lit(channel.id()).as("channel"), lit(channel.priority()).as("priority"),
          lit(channel.maxItems()).as("max_items"),
          (channel.displayDays().isPresent() ? lit(runDate.plusDays(channel.displayDays().get()).toString()).cast("date")
              : lit(null).cast("date")).as("display_until"));
      return channel.when().isPresent() ? when(expr(channel.when().get()), entry) : entry;
    }).toArray(Column[]::new);
    return scored.withColumn(CHANNELS, filter(array(entries), entry -> entry.isNotNull()));
  }

  /** Per channel, 1 for a selected row in its audience. */
  @Override
  public List<Figure> figures() {
    List<Figure> figures = new ArrayList<>();
    for (String channel : ids()) {
      figures.add(Figure.measure("channel:" + channel,
          when(exists(col(CHANNELS), c -> c.getField("channel").equalTo(channel)), 1).otherwise(0)));
    }
    return figures;
  }

  /** {@code channel_audiences}: selected rows in each channel's audience, in the config's order. */
  @Override
  public void report(RunReport report) {
    Map<String, Long> audiences = new java.util.LinkedHashMap<>();
    for (String channel : ids()) {
      audiences.put(channel, Math.round(report.groups().sum("channel:" + channel, Groups.Scope.SELECTED)));
    }
    report.put("channel_audiences", audiences);
  }
}
