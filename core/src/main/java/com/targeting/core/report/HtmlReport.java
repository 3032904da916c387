package com.targeting.core.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The run report people read: one self-contained HTML file (charts embedded as PNG data, no
 * scripts, no outside links) written beside the run summary. It holds, in order: the run (status,
 * times, error), the funnel as a chart and a table, a bar chart and table for every count by
 * value (score bands, credit tiers, channels, uplift segments...), the fairness table with the
 * flagged groups marked, the charts the program's parts drew (the budget curve), every other
 * section of the summary as tables, the models used, each figure's change from the previous
 * succeeded run of the program, what was written, and the stage timings. The runner writes it to
 * the run's reports folder, named in the summary as {@code report_path}.
 *
 * <p>The page is well-formed XHTML (every element closed, text escaped), so an XML parser reads it.
 */
public final class HtmlReport {
  /**
   * Summary fields shown in the header or their own section, not again as an "other" section
   * ({@code scored}, the rows that reached the models, is a row of the funnel table).
   */
  private static final Set<String> OWN_PLACE = Set.of("job", "program", "run_date", "run_id", "started_at", "finished_at",
      "status", "error", "recovered", "summary_path", "report_path", "total_ms", "input_rows", "quarantined_rows", "quarantined_by_rule",
      "removed_by_filter", "funnel", "candidates", "scored", "pass_rate_pct", "fairness", "models", "written", "stage_timings_ms", "validation", "drift", "drifted_models");
  /** Counts by value that belong to another section. */
  private static final Set<String> NOT_A_DISTRIBUTION = Set.of("quarantined_by_rule", "removed_by_filter", "written", "stage_timings_ms");

  private final StringBuilder html = new StringBuilder();

  private HtmlReport() {}

  /**
   * The report of one run.
   *
   * @param summary the run summary as written (its JSON)
   * @param charts file name to PNG bytes, drawn by the program's parts
   * @param previous the summary of the program's previous succeeded run, if there is one
   */
  public static String render(JsonNode summary, Map<String, byte[]> charts, Optional<JsonNode> previous) {
    HtmlReport report = new HtmlReport();
    report.page(summary, charts, previous);
    return report.html.toString();
  }

  private void page(JsonNode summary, Map<String, byte[]> charts, Optional<JsonNode> previous) {
    String title = summary.path("program").asText() + " " + summary.path("run_date").asText();
    html.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>")
        .append("<title>").append(escape(title)).append("</title><style>")
        .append("body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:.5em 0}")
        .append("td,th{border:1px solid #bbb;padding:3px 8px;text-align:left;vertical-align:top}th{background:#eee}")
        .append("td.n{text-align:right}tr.flagged td{background:#fdd}.failed{color:#b00}.up{color:#070}.down{color:#b00}")
        .append("</style></head><body>\n");
    header(summary, title);
    funnel(summary);
    validation(summary.path("validation"));
    distributions(summary);
    fairness(summary.path("fairness"));
    drift(summary.path("drift"));
    if (!charts.isEmpty()) {
      section("Charts");
      charts.forEach((name, png) -> image(name, png));
    }
    others(summary);
    models(summary.path("models"));
    changes(summary, previous);
    if (summary.has("written")) {
      section("Written");
      value(summary.get("written"));
    }
    if (summary.has("stage_timings_ms")) {
      section("Stage timings (ms)");
      value(summary.get("stage_timings_ms"));
    }
    html.append("</body></html>\n");
  }

  private void header(JsonNode summary, String title) {
    html.append("<h1>").append(escape(title)).append("</h1>\n<table>");
    row("run id", summary.path("run_id").asText());
    String status = summary.path("status").asText("unknown");
    html.append("<tr><th>status</th><td class=\"").append(status.equals("failed") ? "failed" : "ok").append("\">")
        .append(escape(status)).append("</td></tr>");
    row("started", summary.path("started_at").asText());
    row("finished", summary.path("finished_at").asText());
    if (summary.has("total_ms")) {
      row("total", String.format(Locale.ROOT, "%.1f s", summary.get("total_ms").asLong() / 1000.0));
    }
    if (summary.has("error")) {
      html.append("<tr><th>error</th><td>");
      value(summary.get("error"));
      html.append("</td></tr>");
    }
    if (summary.has("recovered")) {
      html.append("<tr><th>recovered</th><td>");
      value(summary.get("recovered"));
      html.append("</td></tr>");
    }
    html.append("</table>\n");
  }

  private void funnel(JsonNode summary) {
    if (!summary.has("input_rows")) {
      return;
    }
    section("Funnel");
    long input = summary.get("input_rows").asLong();
    long quarantined = summary.path("quarantined_rows").asLong();
    Map<String, Long> remaining = new LinkedHashMap<>();
    remaining.put("input", input);
    remaining.put("valid", input - quarantined);
    html.append("<table><tr><th>step</th><th>removed</th><th>% of input</th><th>remaining</th></tr>");
    html.append("<tr><td>contract (quarantined)</td>").append(number(quarantined)).append(number(percent(quarantined, input)))
        .append(number(input - quarantined)).append("</tr>");
    for (JsonNode step : summary.path("funnel")) {
      remaining.put(step.path("filter").asText(), step.path("remaining").asLong());
      html.append("<tr><td>").append(escape(step.path("filter").asText())).append("</td>")
          .append(number(step.path("removed").asLong())).append(number(step.path("removed_pct_of_input").asDouble()))
          .append(number(step.path("remaining").asLong())).append("</tr>");
    }
    html.append("<tr><th>candidates</th><td/><td/>").append(number(summary.path("candidates").asLong())).append("</tr>");
    if (summary.has("scored")) {
      // The rows that reached the models: the candidates and the rows the post-score filters removed.
      html.append("<tr><td>scored (reached the models)</td><td/><td/>").append(number(summary.path("scored").asLong())).append("</tr>");
    }
    html.append("</table>\n");
    image("funnel", Charts.bars("rows remaining after each step", "rows", remaining));
    if (summary.path("quarantined_by_rule").size() > 0) {
      html.append("<h3>quarantined by rule</h3>");
      value(summary.get("quarantined_by_rule"));
    }
  }

  private void distributions(JsonNode summary) {
    boolean any = false;
    for (Iterator<Map.Entry<String, JsonNode>> it = summary.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (NOT_A_DISTRIBUTION.contains(field.getKey()) || !countsByValue(field.getValue())) {
        continue;
      }
      if (!any) {
        section("Counts by value");
        any = true;
      }
      Map<String, Double> values = new LinkedHashMap<>();
      field.getValue().fields().forEachRemaining(entry -> values.put(entry.getKey(), entry.getValue().asDouble()));
      html.append("<h3>").append(escape(field.getKey())).append("</h3>");
      value(field.getValue());
      image(field.getKey(), Charts.bars(field.getKey(), "rows", values));
    }
  }

  private static boolean countsByValue(JsonNode node) {
    if (!node.isObject() || node.isEmpty()) {
      return false;
    }
    for (JsonNode value : node) {
      if (!value.isNumber()) {
        return false;
      }
    }
    return true;
  }

  /** Each validated dataset's checks (QualityReport#toSummary), failed ones flagged. */
  private void validation(JsonNode validation) {
    if (!validation.isObject() || validation.isEmpty()) {
      return;
    }
    section("Data quality");
    validation.fields().forEachRemaining(dataset -> {
      JsonNode report = dataset.getValue();
      html.append("<h3>").append(escape(dataset.getKey())).append("</h3><p>").append(escape(report.path("source").asText()))
          .append(": ").append(escape(report.path("status").asText())).append(" (").append(report.path("passed").asLong())
          .append(" passed, ").append(report.path("failed_errors").asLong()).append(" errors, ")
          .append(report.path("failed_warnings").asLong()).append(" warnings, ").append(report.path("skipped").asLong())
          .append(" skipped)</p>");
      html.append("<table><tr><th>check</th><th>level</th><th>status</th><th>assertion</th><th>value</th><th>message</th></tr>");
      for (JsonNode check : report.path("checks")) {
        boolean failed = check.path("status").asText().equals("failed");
        html.append("<tr").append(failed ? " class=\"flagged\"" : "").append("><td>").append(escape(check.path("check_id").asText()))
            .append("</td><td>").append(escape(check.path("level").asText())).append("</td><td>")
            .append(escape(check.path("status").asText())).append("</td><td>").append(escape(check.path("assertion").asText()))
            .append("</td>").append(check.path("value").isNumber() ? number(check.path("value").asDouble()) : "<td/>")
            .append("<td>").append(escape(check.path("message").asText(""))).append("</td></tr>");
      }
      html.append("</table>\n");
    });
  }

  /** Each model's population stability (Drift#report), drifted models marked. */
  private void drift(JsonNode drift) {
    if (!drift.isObject()) {
      return;
    }
    section("Drift (population stability index)");
    html.append("<p>warn above ").append(escape(drift.path("warn").asText())).append(", alert above ")
        .append(escape(drift.path("alert").asText())).append("; drifted: ")
        .append(escape(drift.path("drifted_models").isEmpty() ? "none" : drift.path("drifted_models").toString())).append("</p>");
    html.append("<table><tr><th>model</th><th>version</th><th>level</th><th>score PSI</th><th>largest feature PSI</th>")
        .append("<th>features above warn</th></tr>");
    drift.path("models").fields().forEachRemaining(model -> {
      JsonNode entry = model.getValue();
      html.append("<tr").append(entry.path("level").asText().equals("alert") ? " class=\"flagged\"" : "").append("><td>")
          .append(escape(model.getKey())).append("</td>").append(number(entry.path("version").asLong())).append("<td>")
          .append(escape(entry.path("level").asText())).append("</td>")
          .append(entry.path("score_psi").isNumber() ? number(entry.path("score_psi").asDouble()) : "<td/>")
          .append(entry.path("max_feature_psi").isNumber() ? number(entry.path("max_feature_psi").asDouble()) : "<td/>")
          .append("<td>").append(escape(entry.has("why") ? entry.path("why").asText() : String.join(", ",
              java.util.stream.StreamSupport.stream(entry.path("features_above_warn").spliterator(), false).map(JsonNode::asText).toList())))
          .append("</td></tr>");
    });
    html.append("</table>\n");
  }

  private void fairness(JsonNode fairness) {
    if (!fairness.isObject()) {
      return;
    }
    section("Fairness (adverse-impact ratio, four-fifths rule)");
    fairness.fields().forEachRemaining(attribute -> {
      JsonNode report = attribute.getValue();
      html.append("<h3>").append(escape(attribute.getKey())).append("</h3><p>reference group ")
          .append(escape(report.path("reference_group").asText())).append(", flagged below a ratio of ")
          .append(escape(report.path("min_ratio").asText())).append(": ")
          .append(escape(report.path("flagged_groups").isEmpty() ? "none" : report.path("flagged_groups").toString())).append("</p>");
      JsonNode parity = report.path("demographic_parity");
      if (parity.isObject()) {
        html.append("<p").append(parity.path("flagged").asBoolean() ? " class=\"failed\"" : "").append(">demographic parity difference ")
            .append(escape(parity.path("difference").asText())).append(" (share of scored rows with ")
            .append(escape(parity.path("positive").asText())).append(" per group: ").append(escape(parity.path("positive_rate").toString()))
            .append("; tolerance ").append(escape(parity.path("max_difference").asText())).append(")")
            .append(parity.path("flagged").asBoolean() ? ": flagged" : "").append("</p>");
      }
      html.append("<table><tr><th>group</th><th>rows</th><th>selected</th><th>selection rate</th><th>adverse-impact ratio</th>")
          .append("<th>flagged</th><th>other figures</th></tr>");
      report.path("groups").fields().forEachRemaining(group -> {
        JsonNode figures = group.getValue();
        html.append("<tr").append(figures.path("flagged").asBoolean() ? " class=\"flagged\"" : "").append("><td>")
            .append(escape(group.getKey())).append("</td>").append(number(figures.path("rows").asLong()))
            .append(number(figures.path("selected").asLong())).append(number(figures.path("selection_rate").asDouble()))
            .append(number(figures.path("adverse_impact_ratio").asDouble())).append("<td>")
            .append(figures.path("flagged").asBoolean() ? "yes" : "no").append("</td><td>");
        ObjectNode rest = ((ObjectNode) figures).deepCopy();
        rest.remove(List.of("rows", "selected", "selection_rate", "adverse_impact_ratio", "flagged"));
        if (!rest.isEmpty()) {
          value(rest);
        }
        html.append("</td></tr>");
      });
      html.append("</table>\n");
    });
  }

  private void others(JsonNode summary) {
    summary.fields().forEachRemaining(field -> {
      if (!OWN_PLACE.contains(field.getKey()) && !(countsByValue(field.getValue()) && !NOT_A_DISTRIBUTION.contains(field.getKey()))) {
        section(field.getKey());
        value(field.getValue());
      }
    });
  }

  private void models(JsonNode models) {
    if (!models.isObject() || models.isEmpty()) {
      return;
    }
    section("Models");
    html.append("<table><tr><th>model</th><th>version</th><th>created</th><th>figures</th></tr>");
    models.fields().forEachRemaining(model -> {
      html.append("<tr><td>").append(escape(model.getKey())).append("</td><td>").append(escape(model.getValue().path("version").asText()))
          .append("</td><td>").append(escape(model.getValue().path("created_at").asText())).append("</td><td>");
      ObjectNode rest = ((ObjectNode) model.getValue()).deepCopy();
      rest.remove(List.of("version", "created_at", "card"));
      value(rest);
      html.append("</td></tr>");
    });
    html.append("</table>\n");
    cards(models);
  }

  /** The card of each model the run scored with (ModelCard#summary): its own section. */
  private void cards(JsonNode models) {
    List<Map.Entry<String, JsonNode>> withCards = new java.util.ArrayList<>();
    models.fields().forEachRemaining(model -> {
      if (model.getValue().path("card").isObject()) {
        withCards.add(model);
      }
    });
    if (withCards.isEmpty()) {
      return;
    }
    section("Model cards");
    for (Map.Entry<String, JsonNode> model : withCards) {
      JsonNode card = model.getValue().path("card");
      html.append("<h3>").append(escape(model.getKey() + " v" + model.getValue().path("version").asText())).append("</h3>");
      html.append("<p><b>Intended use.</b> ").append(escape(card.path("intended_use").isTextual() ? card.path("intended_use").asText()
          : "not stated in the model's config (card.intended-use)")).append("</p>");
      html.append("<p><b>Training data.</b> ").append(escape(card.path("training_source").asText())).append(", rows ")
          .append(escape(card.path("rows").toString()));
      if (card.path("training_window").isObject()) {
        JsonNode window = card.path("training_window");
        html.append(", ").append(escape(window.path("column").asText())).append(" from ").append(escape(window.path("from").asText()))
            .append(" to ").append(escape(window.path("to").asText()));
      }
      html.append("</p><p><b>Held-out metrics.</b></p>");
      value(card.path("held_out_metrics"));
      html.append("<p><b>Fairness (equalized odds on the held-out rows).</b> ");
      if (card.path("fairness").isObject()) {
        List<String> parts = new java.util.ArrayList<>();
        card.path("fairness").fields().forEachRemaining(attribute -> {
          if (attribute.getValue().isObject()) {
            parts.add(attribute.getKey() + ": difference " + attribute.getValue().path("equalized_odds_difference").asText()
                + (attribute.getValue().path("flagged").asBoolean() ? " (flagged, above " + attribute.getValue().path("max_difference").asText() + ")" : ""));
          }
        });
        html.append(escape(String.join("; ", parts)));
      } else {
        html.append("not measured");
      }
      html.append("</p><p><b>Limitations.</b></p><ul>");
      for (JsonNode limitation : card.path("limitations")) {
        html.append("<li>").append(escape(limitation.asText())).append("</li>");
      }
      html.append("</ul>\n");
    }
  }

  private void changes(JsonNode summary, Optional<JsonNode> previous) {
    section("Change from the previous run");
    if (previous.isEmpty()) {
      html.append("<p>No earlier succeeded run of this program.</p>\n");
      return;
    }
    JsonNode before = previous.get();
    html.append("<p>Previous: run ").append(escape(before.path("run_id").asText())).append(" of ")
        .append(escape(before.path("run_date").asText())).append(".</p>");
    Map<String, Double> now = figures(summary);
    Map<String, Double> then = figures(before);
    Set<String> paths = new LinkedHashSet<>(now.keySet());
    paths.addAll(then.keySet());
    html.append("<table><tr><th>figure</th><th>previous</th><th>this run</th><th>change</th><th>change %</th></tr>");
    for (String path : paths) {
      Double a = then.get(path);
      Double b = now.get(path);
      html.append("<tr><td>").append(escape(path)).append("</td>").append(a == null ? "<td>-</td>" : number(a))
          .append(b == null ? "<td>-</td>" : number(b));
      if (a != null && b != null) {
        double change = b - a;
        String direction = change > 0 ? "up" : change < 0 ? "down" : "same";
        html.append("<td class=\"n ").append(direction).append("\">").append(format(change)).append("</td>")
            .append(a == 0 ? "<td>-</td>" : number(Math.round(10000.0 * change / Math.abs(a)) / 100.0));
      } else {
        html.append("<td>-</td><td>-</td>");
      }
      html.append("</tr>");
    }
    html.append("</table>\n");
  }

  /** Every number in the summary by its path, but for timings, paths and the models' own figures. */
  private static Map<String, Double> figures(JsonNode summary) {
    Map<String, Double> figures = new TreeMap<>();
    summary.fields().forEachRemaining(field -> {
      if (!Set.of("stage_timings_ms", "total_ms", "models", "recovered", "error").contains(field.getKey())) {
        collect(field.getKey(), field.getValue(), figures);
      }
    });
    return figures;
  }

  private static void collect(String path, JsonNode node, Map<String, Double> figures) {
    if (node.isNumber()) {
      figures.put(path, node.asDouble());
    } else if (node.isObject()) {
      node.fields().forEachRemaining(field -> collect(path + "." + field.getKey(), field.getValue(), figures));
    }
  }

  private void section(String name) {
    html.append("<h2>").append(escape(name)).append("</h2>\n");
  }

  private void row(String name, String text) {
    html.append("<tr><th>").append(escape(name)).append("</th><td>").append(escape(text)).append("</td></tr>");
  }

  private void image(String name, byte[] png) {
    html.append("<p><img alt=\"").append(escape(name)).append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(png)).append("\"/></p>\n");
  }

  /** Any JSON value: an object as a two-column table, an array of objects as a table, else text. */
  private void value(JsonNode node) {
    if (node.isObject()) {
      if (node.isEmpty()) {
        html.append("<p>(none)</p>");
        return;
      }
      html.append("<table>");
      node.fields().forEachRemaining(field -> {
        html.append("<tr><th>").append(escape(field.getKey())).append("</th>");
        if (field.getValue().isNumber()) {
          html.append(number(field.getValue().asDouble()));
        } else {
          html.append("<td>");
          value(field.getValue());
          html.append("</td>");
        }
        html.append("</tr>");
      });
      html.append("</table>");
    } else if (node.isArray() && node.size() > 0 && node.get(0).isObject()) {
      List<String> columns = new ArrayList<>();
      node.forEach(element -> element.fieldNames().forEachRemaining(name -> {
        if (!columns.contains(name)) {
          columns.add(name);
        }
      }));
      html.append("<table><tr>");
      columns.forEach(column -> html.append("<th>").append(escape(column)).append("</th>"));
      html.append("</tr>");
      for (JsonNode element : node) {
        html.append("<tr>");
        for (String column : columns) {
          JsonNode cell = element.path(column);
          if (cell.isNumber()) {
            html.append(number(cell.asDouble()));
          } else {
            html.append("<td>");
            if (!cell.isMissingNode()) {
              value(cell);
            }
            html.append("</td>");
          }
        }
        html.append("</tr>");
      }
      html.append("</table>");
    } else {
      html.append(escape(node.isTextual() ? node.asText() : node.toString()));
    }
  }

  private static String number(double value) {
    return "<td class=\"n\">" + format(value) + "</td>";
  }

  private static String format(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) value);
    }
    return String.format(Locale.ROOT, "%,.4f", value).replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  private static double percent(long part, long whole) {
    return whole == 0 ? 0.0 : Math.round(10000.0 * part / whole) / 100.0;
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        default -> {
          // Control characters are not allowed in XML 1.0; a reason that carries one shows it escaped.
          if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
