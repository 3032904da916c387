package com.targeting.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DuckDB, an engine that shares no code with Spark, reading what the jobs wrote: views named as
 * the Athena tables over the Hive-partitioned Parquet, the analyst queries of sql/analyst run
 * as they are, and the columns of the Athena DDL in sql/athena looked up in the files.
 */
final class AnalystQueries implements AutoCloseable {
  private final Connection connection;

  AnalystQueries(Path output) throws SQLException {
    connection = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA targeting");
      for (String table : List.of("candidates", "rejections", "quarantine")) {
        statement.execute("CREATE VIEW targeting." + table + " AS SELECT * FROM read_parquet('"
            + output.resolve(table) + "/**/*.parquet', hive_partitioning = true)");
      }
      // One Athena table per program's candidates (sql/athena/loan-offers.sql).
      if (java.nio.file.Files.isDirectory(output.resolve("candidates/program=loan-offer-targeting"))) {
        statement.execute("CREATE VIEW targeting.loan_offers AS SELECT * EXCLUDE (program) FROM read_parquet('"
            + output.resolve("candidates") + "/program=loan-offer-targeting/**/*.parquet', hive_partitioning = true)");
      }
      statement.execute("CREATE VIEW targeting.summaries AS SELECT * FROM read_json_auto('"
          + output.resolve("summaries") + "/**/*.json')");
    }
  }

  /** Runs a file of sql/ and returns its rows as column-to-value maps. */
  List<Map<String, Object>> run(Path file) throws SQLException, IOException {
    String sql = Files.readString(file).replaceAll("(?m)^--.*$", "").trim();
    if (sql.endsWith(";")) {
      sql = sql.substring(0, sql.length() - 1);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
      int columns = result.getMetaData().getColumnCount();
      while (result.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= columns; i++) {
          row.put(result.getMetaData().getColumnLabel(i), result.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** The column names of each CREATE EXTERNAL TABLE in a DDL file, by table. */
  static Map<String, List<String>> ddlColumns(Path file) throws IOException {
    Map<String, List<String>> tables = new LinkedHashMap<>();
    Matcher table = Pattern.compile("CREATE EXTERNAL TABLE IF NOT EXISTS targeting\\.(\\w+) \\((.*?)\\n\\)", Pattern.DOTALL)
        .matcher(Files.readString(file));
    while (table.find()) {
      List<String> columns = new ArrayList<>();
      for (String line : table.group(2).split("\\n")) {
        String trimmed = line.trim();
        if (!trimmed.isEmpty()) {
          columns.add(trimmed.split("\\s+")[0]);
        }
      }
      tables.put(table.group(1), columns);
    }
    return tables;
  }

  /** The columns DuckDB sees in a table's files. */
  List<String> fileColumns(String table) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (Statement statement = connection.createStatement();
         ResultSet result = statement.executeQuery("DESCRIBE targeting." + table)) {
      while (result.next()) {
        columns.add(result.getString(1));
      }
    }
    return columns;
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
