package com.targeting.core.uplift;

/** Working columns of the uplift learners, and the suffixes of the columns a scorer adds. */
public final class UpliftColumns {
  /** Treatment as 1.0 (treated) or 0.0 (control). */
  static final String T = "__uplift_t";
  /** Outcome as 1.0 or 0.0. */
  static final String Y = "__uplift_y";
  /** Sample weight (1.0 when the config names none). */
  static final String W = "__uplift_w";
  /** The label a booster part is fitted on. */
  static final String LABEL = "__uplift_label";
  /** The S-learner's treatment input. */
  static final String TREATMENT_FEATURE = "__uplift_treatment";

  /** P(outcome | treated), the response ("propensity to buy") model. */
  public static final String TREATED_SUFFIX = "_treated";
  /** P(outcome | control). */
  public static final String CONTROL_SUFFIX = "_control";
  public static final String SEGMENT_SUFFIX = "_segment";
  /** The bootstrap lower confidence bound of the uplift. */
  public static final String LCB_SUFFIX = "_lcb";

  public static final String PERSUADABLE = "persuadable";
  public static final String SURE_THING = "sure_thing";
  public static final String LOST_CAUSE = "lost_cause";
  public static final String SLEEPING_DOG = "sleeping_dog";

  private UpliftColumns() {}
}
