package com.targeting.tools.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Short marketplace messages of a known sentiment, for the sentiment model and the engagement
 * program's message table. A message is a greeting, a clause about a topic (a gig, a payment, a
 * delivery) and a sign-off. Most clauses carry their sentiment in plain words ("great work on the
 * logo"); 15% carry it through a negation ("not happy with the invoice", "no complaints about the
 * app"), which a bag of single words reads the wrong way; 12% add a clause of the other sentiment,
 * the deciding one first or second by the connective ("X but overall Y", "Y, although X"), which a
 * bag of words cannot always order; and 3% of labels are flipped (annotators disagree).
 */
final class SampleMessages {
  private SampleMessages() {}

  static final List<String> TOPICS = List.of("the gig", "the payment", "the delivery", "the logo", "the website", "the article",
      "the invoice", "the app", "the client", "the project", "the photos", "the translation");
  static final List<String> POSITIVE = List.of("really happy with {t}", "great work on {t}", "loved {t}", "{t} was excellent",
      "thank you so much for {t}", "{t} arrived fast, perfect", "amazing job with {t}", "{t} looks awesome, very helpful",
      "impressed by {t}", "{t} is exactly what i wanted", "wonderful experience with {t}", "five stars for {t}");
  static final List<String> NEGATIVE = List.of("still waiting for {t}", "very disappointed with {t}", "{t} was terrible",
      "this is frustrating, {t} is late again", "{t} is broken", "i want a refund for {t}", "worst experience with {t}",
      "{t} keeps failing", "annoyed about {t}", "{t} is useless", "{t} was a waste of money", "nobody answers about {t}");
  static final List<String> POSITIVE_NEGATED = List.of("no complaints about {t}", "not bad at all, {t}", "{t} was not a problem",
      "never had an issue with {t}", "{t} could not be better", "not disappointed with {t}");
  static final List<String> NEGATIVE_NEGATED = List.of("not happy with {t}", "{t} was not good", "not worth it, {t}",
      "never again, {t}", "{t} did not work", "not satisfied with {t}");
  static final List<String> OPENERS = List.of("", "hi", "hey", "hello", "quick note", "about the gig", "re: the project",
      "good morning");
  static final List<String> CLOSERS = List.of("", "cheers", "thanks", "regards", "see you", "sent from my phone");

  private static double[] even(int n) {
    double[] weights = new double[n];
    Arrays.fill(weights, 1.0);
    return weights;
  }

  private static Column phrase(Draws d, String salt, List<String> phrases) {
    return regexp_replace(d.pick(salt, phrases, even(phrases.size())), lit("\\{t\\}"), d.pick(salt + "-topic", TOPICS,
        even(TOPICS.size())));
  }

  /**
   * {@code rows} with {@code output}, a message whose sentiment is the boolean column {@code
   * positive}, drawn with {@code d}. The clause, the other clause and the mixed sentence are
   * columns of their own (dropped after), each computed once: as one expression the message's
   * code outgrows what Spark can compile into one method.
   */
  static Dataset<Row> withText(Dataset<Row> rows, Draws d, String positive, String output) {
    Column isPositive = col(positive);
    Column plain = when(isPositive, phrase(d, "pos", POSITIVE)).otherwise(phrase(d, "neg", NEGATIVE));
    Column negated = when(isPositive, phrase(d, "pos-not", POSITIVE_NEGATED)).otherwise(phrase(d, "neg-not", NEGATIVE_NEGATED));
    // The deciding clause second ("X but overall Y", "X. anyway, Y") or first ("Y, although X", "Y, even if X").
    Column connective = d.uniform("connective");
    Column clause = col("__clause");
    Column other = col("__other");
    Column mixed = when(connective.lt(0.25), concat_ws(" but overall ", other, clause))
        .when(connective.lt(0.5), concat_ws(". anyway, ", other, clause))
        .when(connective.lt(0.75), concat_ws(", although ", clause, other))
        .otherwise(concat_ws(", even if ", clause, other));
    return rows
        .withColumn("__clause", when(d.uniform("form").lt(0.15), negated).otherwise(plain))
        .withColumn("__other", when(isPositive, phrase(d, "mixed-neg", NEGATIVE)).otherwise(phrase(d, "mixed-pos", POSITIVE)))
        .withColumn("__body", when(d.uniform("mixed").lt(0.12), mixed).otherwise(clause))
        .withColumn(output, trim(concat_ws(" ", d.pick("open", OPENERS, even(OPENERS.size())), col("__body"),
            d.pick("close", CLOSERS, even(CLOSERS.size())))))
        .drop("__clause", "__other", "__body");
  }

  /**
   * {@code rows} labeled messages: {@code message_id}, {@code text}, {@code sentiment} (positive or
   * negative, half each, 3% of labels flipped) and {@code holdout} (a 20% draw).
   */
  static Dataset<Row> labeled(SparkSession spark, long rows, long seed) {
    Draws d = new Draws(seed, "id");
    Column positive = d.uniform("sentiment").lt(0.5);
    Column flipped = d.uniform("flip").lt(0.03);
    return withText(spark.range(0, rows, 1, SampleTables.partitions(rows)).toDF("id")
        .withColumn("positive", positive), d, "positive", "text")
        .withColumn("sentiment", when(col("positive").equalTo(flipped.unary_$bang()), "positive").otherwise("negative"))
        .withColumn("message_id", org.apache.spark.sql.functions.format_string("L%08d", col("id")))
        .withColumn("holdout", d.uniform("holdout").lt(0.2))
        .select("message_id", "text", "sentiment", "holdout");
  }
}
