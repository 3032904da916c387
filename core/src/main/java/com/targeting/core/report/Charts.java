package com.targeting.core.report;

import com.targeting.core.TargetingException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The charts of the run reports and model reports, drawn with XChart as PNG bytes. */
public final class Charts {
  private Charts() {}

  /**
   * A line chart, 900 x 600 pixels.
   *
   * @param series name to {x[], y[]}, drawn in order, without markers
   */
  public static byte[] line(String title, String xTitle, String yTitle, Map<String, double[][]> series) {
    XYChart chart = new XYChartBuilder().width(900).height(600).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    series.forEach((name, points) -> {
      XYSeries line = chart.addSeries(name, points[0], points[1]);
      line.setMarker(SeriesMarkers.NONE);
    });
    return png(chart, title);
  }

  /** A bar chart of one series, 720 x 360 pixels: one bar per entry of {@code values}, in order. */
  public static byte[] bars(String title, String yTitle, Map<String, ? extends Number> values) {
    CategoryChart chart = new CategoryChartBuilder().width(720).height(360).title(title).yAxisTitle(yTitle).build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setXAxisLabelRotation(values.size() > 6 ? 45 : 0);
    List<String> names = new ArrayList<>(values.keySet());
    List<Number> heights = new ArrayList<>(values.values());
    if (names.isEmpty()) {
      names.add("(none)");
      heights.add(0);
    }
    chart.addSeries(yTitle, names, heights);
    return png(chart, title);
  }

  private static byte[] png(Chart<?, ?> chart, String title) {
    System.setProperty("java.awt.headless", "true");
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw TargetingException.internal("Cannot draw the chart %s: %s", title, e.getMessage());
    }
  }
}
