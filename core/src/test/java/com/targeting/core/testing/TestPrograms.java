package com.targeting.core.testing;

/** Pieces of the program configs tests write. */
public final class TestPrograms {
  /** A program's {@code outputs} block: its four tables and summaries under {@code paths.output}. */
  public static final String OUTPUTS = """
      outputs {
        candidates = ${paths.output}"/candidates"
        rejections = ${paths.output}"/rejections"
        quarantine = ${paths.output}"/quarantine"
        summaries = ${paths.output}"/summaries"
      }""";

  private TestPrograms() {}
}
