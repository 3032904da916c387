package com.targeting.tools.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.List;
import org.apache.spark.sql.Column;

/**
 * Deterministic random draws for generated data: each draw hashes the row id with a seed and a
 * salt, so a row's values depend on nothing but (seed, id, salt), whatever the partitioning.
 */
final class Draws {
  private static final long RESOLUTION = 1_000_000_007L;

  private final long seed;
  private final Column id;

  Draws(long seed, String idColumn) {
    this.seed = seed;
    this.id = col(idColumn);
  }

  /** Uniform in [0, 1). */
  Column uniform(String salt) {
    return pmod(xxhash64(id, lit(seed), lit(salt)), lit(RESOLUTION)).divide(RESOLUTION);
  }

  /**
   * A filter's failure: {@code fails} with probability {@code rate} (salt {@code f-<name>}), and
   * an independent uniform {@code mode} (salt {@code m-<name>}) that picks how the row fails.
   */
  Failure failure(String name, double rate) {
    return new Failure(uniform("f-" + name).lt(rate), uniform("m-" + name));
  }

  /** A filter's failure draw and the draw of how it fails; see {@link #failure}. */
  record Failure(Column fails, Column mode) {}

  /** Uniform integer in [low, high]. */
  Column integer(String salt, long low, long high) {
    return uniform(salt).multiply(high - low + 1).plus(low).cast("long");
  }

  /** Approximately normal (sum of four uniforms), mean 0 and standard deviation 1. */
  Column normal(String salt) {
    Column sum = uniform(salt + "1").plus(uniform(salt + "2")).plus(uniform(salt + "3")).plus(uniform(salt + "4"));
    return sum.minus(2.0).multiply(Math.sqrt(3.0));
  }

  /** One of {@code values} with the given weights (which need not add up to 1). */
  Column pick(String salt, List<String> values, double... weights) {
    double total = 0;
    for (double weight : weights) {
      total += weight;
    }
    Column u = uniform(salt).multiply(total);
    double cumulative = 0;
    Column choice = null;
    for (int i = 0; i < values.size() - 1; i++) {
      cumulative += weights[i];
      choice = choice == null ? when(u.lt(cumulative), values.get(i)) : choice.when(u.lt(cumulative), values.get(i));
    }
    String last = values.get(values.size() - 1);
    return choice == null ? lit(last) : choice.otherwise(last);
  }
}
