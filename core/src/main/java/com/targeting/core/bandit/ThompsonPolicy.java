package com.targeting.core.bandit;

import java.util.Arrays;
import org.apache.commons.math3.distribution.BetaDistribution;

/**
 * Thompson sampling over Bernoulli rewards with Beta posteriors (Thompson 1933; Chapelle and Li,
 * "An empirical evaluation of Thompson sampling", NIPS 2011), as a stochastic policy: with
 * posteriors {@code Beta(alpha_a, beta_a)} for the actions of one context, Thompson sampling picks
 * action {@code a} with probability
 *
 * <pre>  pi(a) = P(theta_a = max_b theta_b) = integral over [0, 1] of f_a(x) * prod_{b != a} F_b(x) dx</pre>
 *
 * ({@code f} the Beta density, {@code F} its distribution function). This class computes that
 * integral numerically (a midpoint rule on {@value #GRID} points over the range where any
 * posterior has mass, from its 1e-12 to its 1 - 1e-12 quantile) and renormalizes the result to
 * sum to 1, so a draw can be made per customer by one uniform number (the same draw, in
 * distribution, as sampling every posterior and taking the largest) and the probability of the
 * chosen action, its propensity, is stored for off-policy evaluation.
 */
public final class ThompsonPolicy {
  /** Points of the midpoint rule. */
  static final int GRID = 4_000;
  private static final double TAIL = 1e-12;

  private ThompsonPolicy() {}

  /**
   * The probability that Thompson sampling picks each action.
   *
   * @param alpha the posteriors' first parameters (prior plus successes), all above 0
   * @param beta the posteriors' second parameters (prior plus failures), all above 0
   * @return one probability per action, summing to 1 (equal parameters: equal probabilities)
   * @throws IllegalArgumentException for no actions, lengths that differ, or a parameter not above 0
   */
  public static double[] probabilities(double[] alpha, double[] beta) {
    int actions = alpha.length;
    if (actions == 0 || beta.length != actions) {
      throw new IllegalArgumentException("one alpha and one beta per action: " + alpha.length + " and " + beta.length);
    }
    BetaDistribution[] posteriors = new BetaDistribution[actions];
    double low = 1;
    double high = 0;
    for (int a = 0; a < actions; a++) {
      if (!(alpha[a] > 0) || !(beta[a] > 0) || Double.isInfinite(alpha[a]) || Double.isInfinite(beta[a])) {
        throw new IllegalArgumentException("Beta parameters must be finite and above 0: " + alpha[a] + ", " + beta[a]);
      }
      // No random draws are taken: the generator argument only avoids building one per distribution.
      posteriors[a] = new BetaDistribution(null, alpha[a], beta[a], BetaDistribution.DEFAULT_INVERSE_ABSOLUTE_ACCURACY);
      low = Math.min(low, posteriors[a].inverseCumulativeProbability(TAIL));
      high = Math.max(high, posteriors[a].inverseCumulativeProbability(1 - TAIL));
    }
    if (actions == 1) {
      return new double[] {1.0};
    }
    double[] pi = new double[actions];
    double step = (high - low) / GRID;
    double[] cdf = new double[actions];
    double[] pdf = new double[actions];
    for (int i = 0; i < GRID; i++) {
      double x = low + (i + 0.5) * step;
      for (int a = 0; a < actions; a++) {
        cdf[a] = posteriors[a].cumulativeProbability(x);
        pdf[a] = posteriors[a].density(x);
      }
      for (int a = 0; a < actions; a++) {
        double product = pdf[a];
        for (int b = 0; b < actions && product > 0; b++) {
          if (b != a) {
            product *= cdf[b];
          }
        }
        if (Double.isFinite(product)) {
          pi[a] += product * step;
        }
      }
    }
    double sum = Arrays.stream(pi).sum();
    if (!(sum > 0)) {
      Arrays.fill(pi, 1.0 / actions);
      return pi;
    }
    for (int a = 0; a < actions; a++) {
      pi[a] /= sum;
    }
    return pi;
  }

  /**
   * Off-policy value estimates of a target policy from logged decisions: inverse propensity
   * scoring, {@code IPS = (1/n) sum w_i r_i}, and its self-normalized form, {@code SNIPS = sum w_i
   * r_i / sum w_i}, with {@code w_i = pi(a_i | x_i) / p_i} (Horvitz and Thompson 1952; Swaminathan
   * and Joachims, "The self-normalized estimator for counterfactual learning", NIPS 2015); and
   * Kish's effective sample size {@code (sum w)^2 / sum w^2}.
   *
   * @param rows logged decisions
   * @param ips the IPS estimate (NaN with no rows)
   * @param snips the SNIPS estimate (NaN when every weight is 0)
   * @param effectiveRows Kish's effective sample size
   */
  public record Estimate(long rows, double ips, double snips, double effectiveRows) {}

  /** Sums a target policy's importance weights over logged rows, then {@link #estimate()}. */
  public static final class Estimator {
    private long rows;
    private double weightedReward;
    private double weights;
    private double squaredWeights;

    /**
     * Adds a logged row.
     *
     * @param targetProbability the target policy's probability of the logged action in the logged context
     * @param loggedPropensity the logging policy's probability of it, above 0
     * @param reward the observed reward
     */
    public void add(double targetProbability, double loggedPropensity, double reward) {
      double w = targetProbability / loggedPropensity;
      rows++;
      weightedReward += w * reward;
      weights += w;
      squaredWeights += w * w;
    }

    /** Merges sums from partial estimators of the same target policy (the rows' partial aggregates). */
    public void addSums(long rows, double weightedReward, double weights, double squaredWeights) {
      this.rows += rows;
      this.weightedReward += weightedReward;
      this.weights += weights;
      this.squaredWeights += squaredWeights;
    }

    public Estimate estimate() {
      return new Estimate(rows, rows == 0 ? Double.NaN : weightedReward / rows, weights > 0 ? weightedReward / weights : Double.NaN,
          squaredWeights > 0 ? weights * weights / squaredWeights : 0);
    }
  }
}
