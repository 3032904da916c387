package com.targeting.core.config;

import com.targeting.core.TargetingException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Collection;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.spark.sql.catalyst.analysis.MultiAlias;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAlias;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;

/**
 * Spark SQL written in config, with {@code :name} placeholders for parameters ({@code
 * idle_cash > :min_idle_cash}, {@code contact_date > :run_date - INTERVAL 7 DAYS}). Placeholders
 * become SQL literals; text inside quotes is left alone. Rendering checks the syntax with Spark's
 * own parser, which needs no session, so a typo fails while the config loads.
 */
public final class SqlTemplate {
  private SqlTemplate() {}

  /**
   * Renders and parses an expression; {@code key} names the config path for errors. The text must
   * be exactly one expression with no alias: Spark's parser reads a trailing word as a name
   * ({@code identity_verified AND} is {@code identity_verified AS AND}), which would let an
   * unfinished condition through as a plain column. Whether a condition is boolean needs the
   * input's schema: the filters ({@code FilterChain}) and the contract ({@code ContractValidator})
   * check it when they analyze their rules, before any data is read.
   *
   * @throws TargetingException a user error naming file, line and path if the text does not parse
   *     or parses to an aliased expression
   */
  public static String expression(String template, Map<String, Object> parameters, ConfigNode node, String key) {
    String sql = render(template, parameters, node, key);
    Expression parsed;
    try {
      parsed = CatalystSqlParser$.MODULE$.parseExpression(sql);
    } catch (Exception e) { // Scala throws the checked ParseException undeclared
      throw node.invalid(key, "not a valid Spark SQL expression: " + TargetingException.firstLine(e.getMessage()));
    }
    if (parsed instanceof Alias alias) {
      throw node.invalid(key, "must be one complete expression without an alias, but Spark reads '" + template
          + "' as " + alias.child().sql() + " named " + alias.name()
          + " (an operator without its operand, or a missing operator?)");
    }
    if (parsed instanceof MultiAlias || parsed instanceof UnresolvedAlias) {
      throw node.invalid(key, "must be one complete expression without an alias, was '" + template + "'");
    }
    return sql;
  }

  /** Renders and parses a query. */
  public static String query(String template, Map<String, Object> parameters, ConfigNode node, String key) {
    String sql = render(template, parameters, node, key);
    try {
      CatalystSqlParser$.MODULE$.parsePlan(sql);
    } catch (Exception e) { // Scala throws the checked ParseException undeclared
      throw node.invalid(key, "not a valid Spark SQL query: " + TargetingException.firstLine(e.getMessage()));
    }
    return sql;
  }

  static String render(String template, Map<String, Object> parameters, ConfigNode node, String key) {
    StringBuilder out = new StringBuilder(template.length() + 16);
    char quote = 0;
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (quote != 0) {
        out.append(c);
        if (c == '\\' && i + 1 < template.length()) {
          out.append(template.charAt(i + 1));
          i += 2;
          continue;
        }
        if (c == quote) {
          quote = 0;
        }
        i++;
      } else if (c == '\'' || c == '"' || c == '`') {
        quote = c;
        out.append(c);
        i++;
      } else if (c == ':' && i + 1 < template.length() && isNameStart(template.charAt(i + 1))) {
        int end = i + 1;
        while (end < template.length() && isNamePart(template.charAt(end))) {
          end++;
        }
        String name = template.substring(i + 1, end);
        if (!parameters.containsKey(name)) {
          throw node.invalid(key, "unknown parameter :" + name + " (known: " + parameters.keySet() + ")");
        }
        out.append(literal(parameters.get(name)));
        i = end;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** A value as a Spark SQL literal. */
  public static String literal(Object value) {
    if (value == null) {
      return "NULL";
    }
    if (value instanceof LocalDate date) {
      return "DATE '" + date + "'";
    }
    if (value instanceof Boolean bool) {
      return bool ? "TRUE" : "FALSE";
    }
    if (value instanceof Integer || value instanceof Long) {
      return value.toString();
    }
    if (value instanceof Number number) {
      return new BigDecimal(number.toString()).toPlainString() + "D";
    }
    if (value instanceof Collection<?> values) {
      // SQL has no empty IN list: (NULL) matches nothing (x IN (NULL) is NULL, never true).
      if (values.isEmpty()) {
        return "(NULL)";
      }
      StringJoiner joiner = new StringJoiner(", ", "(", ")");
      for (Object element : values) {
        joiner.add(literal(element));
      }
      return joiner.toString();
    }
    String text = value.toString().replace("\\", "\\\\").replace("'", "\\'");
    return "'" + text + "'";
  }

  private static boolean isNameStart(char c) {
    return Character.isLetter(c) || c == '_';
  }

  private static boolean isNamePart(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

}
