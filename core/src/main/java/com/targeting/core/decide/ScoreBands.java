package com.targeting.core.decide;

import com.targeting.core.report.Figure;
import com.targeting.core.report.Groups;
import com.targeting.core.report.RunReport;
import com.targeting.core.report.SummarySection;
import static com.targeting.core.Columns.SCORE_BAND;
import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.targeting.core.config.ConfigNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Score bands from config, highest first: a score gets the first band whose minimum it reaches,
 * written to {@code output} ({@code score_band} unless config names another column, so that a
 * program can band several scores: a churn-risk tier and an engagement band). A null or NaN score
 * gets no band.
 *
 * <pre>
 * { type = score-bands, score-column = churn_probability, output = churn_risk_tier,
 *   bands = [ { name = high, min = 0.5 }, { name = medium, min = 0.2 }, { name = low, min = 0.0 } ] }
 * </pre>
 */
public record ScoreBands(String scoreColumn, String output, List<Band> bands) implements Decision, SummarySection {

  public record Band(String name, double min) {
    public Band {
      requireNonNull(name, "name is null");
    }
  }

  public ScoreBands {
    requireNonNull(scoreColumn, "scoreColumn is null");
    requireNonNull(output, "output is null");
    bands = List.copyOf(bands);
  }

  public static ScoreBands from(ConfigNode node) {
    List<Band> bands = new ArrayList<>();
    double previous = Double.POSITIVE_INFINITY;
    for (ConfigNode band : node.nodes("bands")) {
      double min = band.doubleValue("min");
      if (min >= previous) {
        throw band.invalid("min", "bands must be listed highest first with decreasing minimums");
      }
      previous = min;
      bands.add(new Band(band.string("name"), min));
    }
    if (bands.isEmpty()) {
      throw node.invalid("bands", "at least one band is needed");
    }
    String scoreColumn = node.string("score-column");
    String output = node.string("output", SCORE_BAND);
    if (output.equalsIgnoreCase(scoreColumn)) {
      throw node.invalid("output", "must name a new column, not the score-column " + scoreColumn + " it bands");
    }
    return new ScoreBands(scoreColumn, output, bands);
  }

  public List<String> names() {
    return bands.stream().map(Band::name).toList();
  }

  @Override
  public Dataset<Row> apply(Dataset<Row> scored) {
    RequiredColumns.require(scored, "score-bands", scoreColumn);
    Column score = col(scoreColumn);
    // NaN compares above every number in Spark: without this it would land in the top band.
    Column band = when(score.isNull().or(org.apache.spark.sql.functions.isnan(score)), lit(null).cast("string"));
    for (Band b : bands) {
      band = band.when(score.geq(b.min()), lit(b.name()));
    }
    return scored.withColumn(output, band);
  }

  /** The summary's name for the counts: {@code score_bands} for the default column, else the output column's name. */
  private String figureName() {
    return output.equals(SCORE_BAND) ? "score_bands" : output;
  }

  /** Counted by band among the selected rows: {@link #figureName}. */
  @Override
  public List<Figure> figures() {
    return List.of(Figure.dimension(figureName(), col(output)));
  }

  /** {@link #figureName}: selected rows per band (bands without rows left out). */
  @Override
  public void report(RunReport report) {
    report.put(figureName(), report.groups().countsBy(figureName(), Groups.Scope.SELECTED));
  }
}
