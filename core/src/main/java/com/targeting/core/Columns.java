package com.targeting.core;

/** Names of the columns the library adds; shared by the stages, the sinks and the SQL in sql/. */
public final class Columns {
  private Columns() {}

  /** Id of the contract rule a quarantined row broke; null for rows that passed validation. */
  public static final String QUARANTINE_RULE = "quarantine_rule";
  /** Human-readable reason a row was quarantined, naming the column and value involved. */
  public static final String QUARANTINE_REASON = "quarantine_reason";
  /** Id of the first filter that removed the row; null for candidates and quarantined rows. */
  public static final String REMOVED_BY = "removed_by";
  /** The rule of that filter that failed. */
  public static final String REMOVAL_REASON = "removal_reason";
  /** Score band (high / medium / low) of a scored candidate. */
  public static final String SCORE_BAND = "score_band";
  /** Top-N recommendations of a candidate: array of struct(rank, asset_class, amount, ...). */
  public static final String RECOMMENDATIONS = "recommendations";
  /** Channels a candidate is in the audience of: array of struct(channel, priority, max_items). */
  public static final String CHANNELS = "channels";
  /**
   * Raw text of a CSV record the reader could not parse (Spark's {@code columnNameOfCorruptRecord}),
   * null for a record read whole; the contract quarantines such rows as {@code malformed-record}.
   */
  public static final String MALFORMED_RECORD = "_malformed_record";
  /** Partition columns of every output table. */
  public static final String PROGRAM = "program";
  public static final String RUN_DATE = "dt";
}
