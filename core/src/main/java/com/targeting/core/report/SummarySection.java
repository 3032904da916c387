package com.targeting.core.report;

import java.util.List;

/**
 * A part of a program (a decision, a scorer) that reports on its own work: a section of the run
 * summary and of the run's HTML report. The runner knows no part by name; it asks each one that
 * implements this interface, in the order of the program's config.
 *
 * <p>Counts and sums over the scored rows come from one aggregation the runner makes for every
 * part at once ({@link #figures}, read back through {@link RunReport#groups()}); a part that needs
 * more (a ranking, a curve) computes it itself in {@link #report}.
 */
public interface SummarySection {
  /**
   * The dimensions and measures this part's sections read from the run's one aggregation of its
   * scored rows. Names are this part's own; two parts of one program must not share a name.
   */
  default List<Figure> figures() {
    return List.of();
  }

  /**
   * Puts this part's sections into {@code report} ({@link RunReport#put}) and draws its charts
   * ({@link RunReport#chart}).
   *
   * @throws com.targeting.core.TargetingException when a figure cannot be computed; the run fails
   */
  void report(RunReport report);
}
