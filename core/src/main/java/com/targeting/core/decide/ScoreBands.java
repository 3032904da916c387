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

/** Score bands from config, highest first: a score gets the first band whose minimum it reaches. */
public record ScoreBands(String scoreColumn, List<Band> bands) implements Decision, SummarySection {

  public record Band(String name, double min) {
    public Band {
      requireNonNull(name, "name is null");
    }
  }

  public ScoreBands {
    requireNonNull(scoreColumn, "scoreColumn is null");
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
    return new ScoreBands(node.string("score-column"), bands);
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
    return scored.withColumn(SCORE_BAND, band);
  }

  /** Counted by band among the selected rows: {@code score_bands}. */
  @Override
  public List<Figure> figures() {
    return List.of(Figure.dimension("score_bands", col(SCORE_BAND)));
  }

  /** {@code score_bands}: selected rows per band (bands without rows left out). */
  @Override
  public void report(RunReport report) {
    report.put("score_bands", report.groups().countsBy("score_bands", Groups.Scope.SELECTED));
  }
}
