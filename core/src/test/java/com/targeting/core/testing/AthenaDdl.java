package com.targeting.core.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Translates an Athena DDL file ({@code sql/athena/*.sql}) into the Trino statements that create
 * the same tables in {@link TrinoServer}, mechanically: the DDL file stays the one source of
 * columns, types, formats and partition projection. A statement it does not know fails the
 * translation, naming the file and the statement; nothing is skipped.
 *
 * <p>Statements (separated by {@code ;}, {@code --} and block comments removed):
 * <ul>
 *   <li>{@code CREATE EXTERNAL TABLE [IF NOT EXISTS] db.t (cols) [COMMENT ..] [PARTITIONED BY (cols)]
 *   [ROW FORMAT SERDE '..'] [STORED AS ..] LOCATION '..' [TBLPROPERTIES (..)]} becomes
 *   {@code CREATE TABLE hive.db.t (cols, partition cols last) WITH (format, external_location,
 *   partitioned_by, ..)}. Hive types become Trino's (string -> varchar, int -> integer, float ->
 *   real, array&lt;t&gt; -> array(t), map&lt;k,v&gt; -> map(k, v), struct&lt;a:t&gt; -> row(a t), nested).
 *   The OpenX JSON SerDe becomes Trino's {@code OPENX_JSON} format (Hive's own JsonSerDe,
 *   {@code JSON}). Athena's partition projection properties ({@code projection.enabled},
 *   {@code projection.<col>.type|values|range|format|interval|interval.unit|digits},
 *   {@code storage.location.template}) become Trino's {@code partition_projection_*} table and
 *   column properties, which Trino stores back in the metastore under Athena's own keys.</li>
 *   <li>{@code CREATE EXTERNAL TABLE [IF NOT EXISTS] db.t LOCATION '..' TBLPROPERTIES
 *   ('table_type' = 'DELTA')}, Athena's Delta Lake table, becomes
 *   {@code CALL delta.system.register_table(..)}: Trino reads the columns from the Delta log, as
 *   Athena does.</li>
 *   <li>{@code CREATE [OR REPLACE] VIEW ..} runs as written (Athena engine v3's SQL is Trino's) in
 *   the catalog the caller names.</li>
 * </ul>
 *
 * <p>{@code ${output}} is replaced by the caller's location, e.g. {@link #location(Path)} of a
 * local directory; the {@code ${column}} placeholders of a location template stay (Trino reads the
 * same ones).
 */
public final class AthenaDdl {
  private static final String OUTPUT = "${output}";
  private static final Pattern VIEW = Pattern.compile("(?is)CREATE\\s+(OR\\s+REPLACE\\s+)?VIEW\\s.*");
  private static final Pattern EXTERNAL_TABLE = Pattern.compile("(?is)CREATE\\s+EXTERNAL\\s+TABLE\\s.*");
  private static final Map<String, String> SERDE_FORMATS = Map.of(
      "org.openx.data.jsonserde.JsonSerDe", "OPENX_JSON",
      "org.apache.hive.hcatalog.data.JsonSerDe", "JSON",
      "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", "PARQUET",
      "org.apache.hadoop.hive.ql.io.orc.OrcSerde", "ORC",
      "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", "TEXTFILE",
      "org.apache.hadoop.hive.serde2.OpenCSVSerde", "CSV");
  private static final Map<String, String> STORED_AS_FORMATS = Map.of(
      "PARQUET", "PARQUET",
      "ORC", "ORC",
      "AVRO", "AVRO",
      "TEXTFILE", "TEXTFILE",
      "JSONFILE", "JSON",
      "SEQUENCEFILE", "SEQUENCEFILE");
  /** Formats a SerDe decides under {@code STORED AS TEXTFILE}: one text line per row. */
  private static final List<String> TEXT_FORMATS = List.of("OPENX_JSON", "JSON", "TEXTFILE", "CSV");

  private AthenaDdl() {}

  /** A Trino statement and the catalog to run it in (the session's default catalog). */
  public record Statement(String catalog, String sql) {
    public Statement {
      requireNonNull(catalog, "catalog is null");
      requireNonNull(sql, "sql is null");
    }
  }

  /** {@code local:///absolute/path} of a local directory, the form Trino's local file system reads. */
  public static String location(Path directory) {
    return "local://" + directory.toAbsolutePath().normalize();
  }

  /** The Trino statements of an Athena DDL file, {@code ${output}} replaced by {@code output}. */
  public static List<Statement> translate(Path file, String output, String viewCatalog) {
    try {
      return translate(file.toString(), Files.readString(file), output, viewCatalog);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read Athena DDL " + file, e);
    }
  }

  /**
   * The Trino statements of Athena DDL text; {@code source} names it in errors (a file name).
   *
   * @throws IllegalArgumentException for a statement this translator does not cover, naming
   *     {@code source}, the statement's number and line, and what was not understood
   */
  public static List<Statement> translate(String source, String ddl, String output, String viewCatalog) {
    requireNonNull(source, "source is null");
    requireNonNull(output, "output is null");
    requireNonNull(viewCatalog, "viewCatalog is null");
    List<Statement> statements = new ArrayList<>();
    List<Text> texts = split(requireNonNull(ddl, "ddl is null"));
    for (int index = 0; index < texts.size(); index++) {
      Text text = texts.get(index);
      String sql = text.sql().replace(OUTPUT, output);
      String where = source + ": statement " + (index + 1) + " (line " + text.line() + ")";
      if (VIEW.matcher(sql).matches()) {
        statements.add(new Statement(viewCatalog, sql));
      } else if (EXTERNAL_TABLE.matcher(sql).matches()) {
        statements.add(new TableParser(where, sql).statement());
      } else {
        throw new IllegalArgumentException(where + " is not a CREATE EXTERNAL TABLE or CREATE VIEW: " + abbreviate(sql));
      }
    }
    return statements;
  }

  /** The statements of a SQL file, without comments and the {@code ;} between them. */
  public static List<String> statements(Path file) {
    try {
      return split(Files.readString(file)).stream().map(Text::sql).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  /** A statement's text without comments, and the line it starts on. */
  private record Text(String sql, int line) {}

  /** Splits at {@code ;} outside quotes, dropping {@code --} and block comments and empty statements. */
  private static List<Text> split(String ddl) {
    List<Text> texts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int line = 1;
    int start = -1;
    int i = 0;
    while (i < ddl.length()) {
      char c = ddl.charAt(i);
      if (c == '-' && i + 1 < ddl.length() && ddl.charAt(i + 1) == '-') {
        while (i < ddl.length() && ddl.charAt(i) != '\n') {
          i++;
        }
        continue;
      }
      if (c == '/' && i + 1 < ddl.length() && ddl.charAt(i + 1) == '*') {
        int end = ddl.indexOf("*/", i + 2);
        int stop = end < 0 ? ddl.length() : end + 2;
        line += (int) ddl.substring(i, stop).chars().filter(ch -> ch == '\n').count();
        current.append(' ');
        i = stop;
        continue;
      }
      if (c == ';') {
        add(texts, current, start);
        current.setLength(0);
        start = -1;
        i++;
        continue;
      }
      if (start < 0 && !Character.isWhitespace(c)) {
        start = line;
      }
      if (c == '\'' || c == '"' || c == '`') {
        int end = i + 1;
        while (end < ddl.length()) {
          if (ddl.charAt(end) == c) {
            // A doubled quote is an escaped quote inside SQL strings and identifiers.
            if (end + 1 < ddl.length() && ddl.charAt(end + 1) == c) {
              end += 2;
              continue;
            }
            break;
          }
          end++;
        }
        String quoted = ddl.substring(i, Math.min(end + 1, ddl.length()));
        line += (int) quoted.chars().filter(ch -> ch == '\n').count();
        current.append(quoted);
        i = end + 1;
        continue;
      }
      if (c == '\n') {
        line++;
      }
      current.append(c);
      i++;
    }
    add(texts, current, start);
    return texts;
  }

  private static void add(List<Text> texts, StringBuilder current, int start) {
    String sql = current.toString().strip();
    if (!sql.isEmpty()) {
      texts.add(new Text(sql, start));
    }
  }

  private static String abbreviate(String sql) {
    String flat = sql.replaceAll("\\s+", " ");
    return flat.length() <= 120 ? flat : flat.substring(0, 117) + "...";
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  private static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  private static String array(String commaSeparated) {
    List<String> values = new ArrayList<>();
    for (String value : commaSeparated.split(",")) {
      if (!value.isBlank()) {
        values.add(literal(value.strip()));
      }
    }
    return "ARRAY[" + String.join(", ", values) + "]";
  }

  private enum Kind {
    WORD,
    IDENTIFIER,
    STRING,
    NUMBER,
    SYMBOL,
    END
  }

  private record Token(Kind kind, String text) {
    boolean is(String word) {
      return (kind == Kind.WORD || kind == Kind.SYMBOL) && text.equalsIgnoreCase(word);
    }

    /** An identifier's name as Hive stores it: backticks or double quotes removed, lower case. */
    String name() {
      return text.toLowerCase(Locale.ROOT);
    }
  }

  private record Column(String name, String type, String comment) {}

  /** One {@code CREATE EXTERNAL TABLE} statement, parsed by recursive descent over its tokens. */
  private static final class TableParser {
    private final String where;
    private final String sql;
    private final List<Token> tokens;
    private int position;

    TableParser(String where, String sql) {
      this.where = where;
      this.sql = sql;
      this.tokens = tokenize(sql);
    }

    Statement statement() {
      expect("CREATE");
      expect("EXTERNAL");
      expect("TABLE");
      boolean ifNotExists = false;
      if (accept("IF")) {
        expect("NOT");
        expect("EXISTS");
        ifNotExists = true;
      }
      String schema = name("a schema name");
      expect(".");
      String table = name("a table name");

      List<Column> columns = new ArrayList<>();
      List<Column> partitionColumns = new ArrayList<>();
      String comment = null;
      String serde = null;
      String storedAs = null;
      String location = null;
      Map<String, String> properties = new LinkedHashMap<>();
      if (peek().is("(")) {
        columns = columns();
      }
      while (peek().kind() != Kind.END) {
        if (accept("COMMENT")) {
          comment = string("the table comment");
        } else if (accept("PARTITIONED")) {
          expect("BY");
          partitionColumns = columns();
        } else if (accept("ROW")) {
          expect("FORMAT");
          expect("SERDE");
          serde = string("a SerDe class name");
          if (peek().is("WITH")) {
            throw unsupported("WITH SERDEPROPERTIES (Trino's formats take no SerDe properties)");
          }
        } else if (accept("STORED")) {
          expect("AS");
          storedAs = word("a storage format").toUpperCase(Locale.ROOT);
        } else if (accept("LOCATION")) {
          location = string("a location");
        } else if (accept("TBLPROPERTIES")) {
          properties = properties();
        } else {
          throw unsupported("clause " + peek().text());
        }
      }
      if (location == null) {
        throw unsupported("an external table without LOCATION");
      }
      String tableType = properties.remove("table_type");
      if (tableType != null && tableType.equalsIgnoreCase("DELTA")) {
        return delta(schema, table, columns, partitionColumns, serde, storedAs, location, properties);
      }
      if (tableType != null) {
        throw unsupported("'table_type' = '" + tableType + "'");
      }
      if (columns.isEmpty()) {
        throw unsupported("a Hive table without columns");
      }
      return hive(ifNotExists, schema, table, columns, partitionColumns, comment, format(serde, storedAs), location, properties);
    }

    private Statement delta(String schema, String table, List<Column> columns, List<Column> partitionColumns, String serde,
        String storedAs, String location, Map<String, String> properties) {
      if (!columns.isEmpty() || !partitionColumns.isEmpty() || serde != null || storedAs != null) {
        throw unsupported("a Delta Lake table with columns, partitions or a format (Athena reads them from the Delta log)");
      }
      if (!properties.isEmpty()) {
        throw unsupported("table properties " + properties.keySet() + " beside 'table_type' = 'DELTA'");
      }
      return new Statement(TrinoServer.DELTA, "CALL " + TrinoServer.DELTA + ".system.register_table(schema_name => "
          + literal(schema) + ", table_name => " + literal(table) + ", table_location => " + literal(location) + ")");
    }

    private Statement hive(boolean ifNotExists, String schema, String table, List<Column> columns, List<Column> partitionColumns,
        String comment, String format, String location, Map<String, String> properties) {
      List<String> tableProperties = new ArrayList<>();
      tableProperties.add("format = " + literal(format));
      tableProperties.add("external_location = " + literal(location));
      if (!partitionColumns.isEmpty()) {
        tableProperties.add("partitioned_by = ARRAY[" + String.join(", ",
            partitionColumns.stream().map(column -> literal(column.name())).toList()) + "]");
      }
      Map<String, List<String>> columnProperties = new LinkedHashMap<>();
      for (Column column : partitionColumns) {
        columnProperties.put(column.name(), new ArrayList<>());
      }
      for (Map.Entry<String, String> property : properties.entrySet()) {
        String key = property.getKey();
        String value = property.getValue();
        if (key.equals("projection.enabled")) {
          tableProperties.add("partition_projection_enabled = " + bool(key, value));
        } else if (key.equals("storage.location.template")) {
          tableProperties.add("partition_projection_location_template = " + literal(value));
        } else if (key.startsWith("projection.")) {
          projection(key, value, columnProperties);
        } else {
          throw unsupported("table property '" + key + "'");
        }
      }

      List<String> definitions = new ArrayList<>();
      for (Column column : columns) {
        definitions.add(definition(column, List.of()));
      }
      for (Column column : partitionColumns) {
        definitions.add(definition(column, columnProperties.get(column.name())));
      }
      return new Statement(TrinoServer.HIVE, "CREATE TABLE " + (ifNotExists ? "IF NOT EXISTS " : "")
          + TrinoServer.HIVE + "." + quote(schema) + "." + quote(table) + " (\n  "
          + String.join(",\n  ", definitions) + "\n)\n"
          + (comment == null ? "" : "COMMENT " + literal(comment) + "\n")
          + "WITH (\n  " + String.join(",\n  ", tableProperties) + "\n)");
    }

    /** {@code projection.<column>.<property>} -> a {@code partition_projection_*} column property. */
    private void projection(String key, String value, Map<String, List<String>> columnProperties) {
      // Column names hold no dots in Hive; the property may ("interval.unit").
      String rest = key.substring("projection.".length());
      int dot = rest.indexOf('.');
      if (dot < 0) {
        throw unsupported("table property '" + key + "'");
      }
      String column = rest.substring(0, dot);
      String property = rest.substring(dot + 1);
      List<String> target = columnProperties.get(column);
      if (target == null) {
        throw unsupported("table property '" + key + "': " + column + " is not a partition column");
      }
      switch (property) {
        case "type" -> target.add("partition_projection_type = " + literal(value.toUpperCase(Locale.ROOT)));
        case "values" -> target.add("partition_projection_values = " + array(value));
        case "range" -> target.add("partition_projection_range = " + array(value));
        case "format" -> target.add("partition_projection_format = " + literal(value));
        case "interval" -> target.add("partition_projection_interval = " + integer(key, value));
        case "interval.unit" -> target.add("partition_projection_interval_unit = " + literal(value.toUpperCase(Locale.ROOT)));
        case "digits" -> target.add("partition_projection_digits = " + integer(key, value));
        default -> throw unsupported("table property '" + key + "'");
      }
    }

    private String definition(Column column, List<String> properties) {
      return quote(column.name()) + " " + column.type()
          + (column.comment() == null ? "" : " COMMENT " + literal(column.comment()))
          + (properties.isEmpty() ? "" : " WITH (" + String.join(", ", properties) + ")");
    }

    private String format(String serde, String storedAs) {
      String fromSerde = null;
      if (serde != null) {
        fromSerde = SERDE_FORMATS.get(serde);
        if (fromSerde == null) {
          throw unsupported("ROW FORMAT SERDE '" + serde + "'");
        }
      }
      String fromStoredAs = null;
      if (storedAs != null) {
        fromStoredAs = STORED_AS_FORMATS.get(storedAs);
        if (fromStoredAs == null) {
          throw unsupported("STORED AS " + storedAs);
        }
      }
      if (fromSerde == null) {
        // Hive's default: text files read by LazySimpleSerDe.
        return fromStoredAs == null ? "TEXTFILE" : fromStoredAs;
      }
      if (fromStoredAs == null || fromStoredAs.equals(fromSerde)
          || (fromStoredAs.equals("TEXTFILE") && TEXT_FORMATS.contains(fromSerde))) {
        return fromSerde;
      }
      throw unsupported("ROW FORMAT SERDE '" + serde + "' with STORED AS " + storedAs);
    }

    private String bool(String key, String value) {
      if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
        return value.toLowerCase(Locale.ROOT);
      }
      throw unsupported("table property '" + key + "' = '" + value + "' (not true or false)");
    }

    private String integer(String key, String value) {
      if (value.strip().matches("[0-9]+")) {
        return value.strip();
      }
      throw unsupported("table property '" + key + "' = '" + value + "' (not an integer)");
    }

    /** {@code (name type [COMMENT '..'], ..)}. */
    private List<Column> columns() {
      expect("(");
      List<Column> columns = new ArrayList<>();
      do {
        String name = name("a column name");
        String type = type();
        String comment = accept("COMMENT") ? string("a column comment") : null;
        columns.add(new Column(name, type, comment));
      } while (accept(","));
      expect(")");
      return columns;
    }

    /** A Hive type, as the Trino type it reads as. */
    private String type() {
      String type = word("a type").toLowerCase(Locale.ROOT);
      return switch (type) {
        case "string" -> "varchar";
        case "varchar", "char" -> type + "(" + String.join(",", arguments(1, 1)) + ")";
        case "tinyint", "smallint", "bigint", "double", "boolean", "date", "timestamp" -> type;
        case "int", "integer" -> "integer";
        case "float" -> "real";
        case "binary" -> "varbinary";
        case "decimal" -> decimal();
        case "array" -> {
          expect("<");
          String element = type();
          expect(">");
          yield "array(" + element + ")";
        }
        case "map" -> {
          expect("<");
          String key = type();
          expect(",");
          String value = type();
          expect(">");
          yield "map(" + key + ", " + value + ")";
        }
        case "struct" -> {
          expect("<");
          List<String> fields = new ArrayList<>();
          do {
            String field = name("a struct field name");
            expect(":");
            fields.add(quote(field) + " " + type());
            if (peek().is("COMMENT")) {
              throw unsupported("a struct field comment (Trino's row fields have none)");
            }
          } while (accept(","));
          expect(">");
          yield "row(" + String.join(", ", fields) + ")";
        }
        default -> throw unsupported("type " + type);
      };
    }

    private String decimal() {
      // Hive's decimal without precision is decimal(10,0); with one number, its scale is 0.
      List<String> arguments = peek().is("(") ? new ArrayList<>(arguments(1, 2)) : new ArrayList<>(List.of("10"));
      if (arguments.size() == 1) {
        arguments.add("0");
      }
      return "decimal(" + String.join(",", arguments) + ")";
    }

    /** {@code (n[, n..])}: between {@code min} and {@code max} numbers, as written. */
    private List<String> arguments(int min, int max) {
      expect("(");
      List<String> numbers = new ArrayList<>();
      do {
        Token token = next();
        if (token.kind() != Kind.NUMBER) {
          throw unsupported("'" + token.text() + "' where a number was expected");
        }
        numbers.add(token.text());
      } while (accept(","));
      expect(")");
      if (numbers.size() < min || numbers.size() > max) {
        throw unsupported("a type with " + numbers.size() + " arguments");
      }
      return numbers;
    }

    /** {@code ('key' = 'value', ..)}. */
    private Map<String, String> properties() {
      expect("(");
      Map<String, String> properties = new LinkedHashMap<>();
      do {
        String key = string("a property name");
        expect("=");
        String value = string("the value of '" + key + "'");
        if (properties.put(key, value) != null) {
          throw unsupported("table property '" + key + "' given twice");
        }
      } while (accept(","));
      expect(")");
      return properties;
    }

    private String name(String what) {
      Token token = next();
      if (token.kind() != Kind.WORD && token.kind() != Kind.IDENTIFIER) {
        throw unsupported("'" + token.text() + "' where " + what + " was expected");
      }
      return token.name();
    }

    private String word(String what) {
      Token token = next();
      if (token.kind() != Kind.WORD) {
        throw unsupported("'" + token.text() + "' where " + what + " was expected");
      }
      return token.text();
    }

    private String string(String what) {
      Token token = next();
      if (token.kind() != Kind.STRING) {
        throw unsupported("'" + token.text() + "' where " + what + " (a quoted string) was expected");
      }
      return token.text();
    }

    private Token peek() {
      return tokens.get(position);
    }

    private Token next() {
      Token token = tokens.get(position);
      if (token.kind() != Kind.END) {
        position++;
      }
      return token;
    }

    private boolean accept(String word) {
      if (peek().is(word)) {
        position++;
        return true;
      }
      return false;
    }

    private void expect(String word) {
      Token token = next();
      if (!token.is(word)) {
        throw unsupported("'" + token.text() + "' where " + word + " was expected");
      }
    }

    private IllegalArgumentException unsupported(String what) {
      return new IllegalArgumentException(where + " is not translated to Trino: " + what + "; in " + abbreviate(sql));
    }

    private List<Token> tokenize(String text) {
      List<Token> tokens = new ArrayList<>();
      int i = 0;
      while (i < text.length()) {
        char c = text.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
        } else if (c == '\'' || c == '`' || c == '"') {
          StringBuilder value = new StringBuilder();
          int j = i + 1;
          while (true) {
            if (j >= text.length()) {
              throw unsupported("an unterminated quote");
            }
            if (text.charAt(j) == c) {
              if (j + 1 < text.length() && text.charAt(j + 1) == c) {
                value.append(c);
                j += 2;
                continue;
              }
              break;
            }
            value.append(text.charAt(j));
            j++;
          }
          tokens.add(new Token(c == '\'' ? Kind.STRING : Kind.IDENTIFIER, value.toString()));
          i = j + 1;
        } else if (Character.isLetter(c) || c == '_') {
          int j = i;
          while (j < text.length() && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '_')) {
            j++;
          }
          tokens.add(new Token(Kind.WORD, text.substring(i, j)));
          i = j;
        } else if (Character.isDigit(c)) {
          int j = i;
          while (j < text.length() && Character.isDigit(text.charAt(j))) {
            j++;
          }
          tokens.add(new Token(Kind.NUMBER, text.substring(i, j)));
          i = j;
        } else if ("(),<>:=.".indexOf(c) >= 0) {
          tokens.add(new Token(Kind.SYMBOL, String.valueOf(c)));
          i++;
        } else {
          throw unsupported("character '" + c + "'");
        }
      }
      tokens.add(new Token(Kind.END, "end of statement"));
      return tokens;
    }
  }
}
