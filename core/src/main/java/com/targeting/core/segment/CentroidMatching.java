package com.targeting.core.segment;

import java.util.Arrays;

/**
 * The one-to-one matching of this run's clusters to the previous run's that minimizes the total
 * distance between matched centroids (the linear assignment problem), solved exactly by dynamic
 * programming over subsets of the previous clusters: {@code O(n² 2ⁿ)} for {@code n = max(new,
 * previous)}, a few milliseconds at the 16 clusters {@link Segments} allows. With more clusters
 * on one side, the surplus is left unmatched (matched to nothing at no cost).
 */
public final class CentroidMatching {
  /** The most clusters on either side (2¹⁶ subsets). */
  public static final int MAX_CLUSTERS = 16;

  private CentroidMatching() {}

  /**
   * For each new cluster, the index of the previous cluster it is matched to, or -1 when it is
   * matched to none (more new clusters than previous ones).
   *
   * @param cost {@code cost[new][previous]}: a distance, finite and not negative; every row of one length
   * @throws IllegalArgumentException for more than {@link #MAX_CLUSTERS} on a side, ragged or negative costs
   */
  public static int[] match(double[][] cost) {
    int newCount = cost.length;
    int previousCount = newCount == 0 ? 0 : cost[0].length;
    int n = Math.max(newCount, previousCount);
    if (n > MAX_CLUSTERS) {
      throw new IllegalArgumentException("at most " + MAX_CLUSTERS + " clusters a side, got " + newCount + " and " + previousCount);
    }
    for (double[] row : cost) {
      if (row.length != previousCount) {
        throw new IllegalArgumentException("ragged cost matrix");
      }
      for (double c : row) {
        if (!(c >= 0) || Double.isInfinite(c)) {
          throw new IllegalArgumentException("costs must be finite and not negative: " + c);
        }
      }
    }
    // best[mask]: the least cost of matching the first bitCount(mask) new clusters (padded to n)
    // to the previous clusters (padded to n) in mask; padding costs nothing.
    double[] best = new double[1 << n];
    int[] choice = new int[1 << n];
    Arrays.fill(best, Double.POSITIVE_INFINITY);
    best[0] = 0;
    for (int mask = 0; mask < (1 << n); mask++) {
      if (best[mask] == Double.POSITIVE_INFINITY) {
        continue;
      }
      int row = Integer.bitCount(mask);
      if (row == n) {
        continue;
      }
      for (int column = 0; column < n; column++) {
        if ((mask & (1 << column)) != 0) {
          continue;
        }
        double c = row < newCount && column < previousCount ? cost[row][column] : 0;
        int next = mask | (1 << column);
        if (best[mask] + c < best[next]) {
          best[next] = best[mask] + c;
          choice[next] = column;
        }
      }
    }
    int[] matched = new int[newCount];
    int mask = (1 << n) - 1;
    for (int row = n - 1; row >= 0; row--) {
      int column = choice[mask];
      if (row < newCount) {
        matched[row] = column < previousCount ? column : -1;
      }
      mask &= ~(1 << column);
    }
    return matched;
  }
}
