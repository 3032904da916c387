package com.targeting.core.sink.dynamodb;

import static java.util.Objects.requireNonNull;

import com.targeting.core.config.ConfigNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of a program's DynamoDB export ({@code program.outputs.dynamodb}), plain values read
 * once from the config; {@link #newSink()} builds the export a run writes through (which keeps that
 * run's report), so one config serves any number of runs.
 */
public sealed interface DynamoDbExport permits DynamoDbExport.Import, DynamoDbExport.BatchWrite {
  /** How candidates become items. */
  DynamoDbItemLayout layout();

  /** A new export for one run: its {@link DynamoDbSink#report()} says what that run did. */
  DynamoDbSink newSink();

  /** {@code mode = import}: files for DynamoDB's Import from S3, optionally imported into a new table. */
  record Import(String path, DynamoDbItemLayout layout, Optional<DynamoDbImportSink.TableImport> tableImport)
      implements DynamoDbExport {
    public Import {
      requireNonNull(path, "path is null");
      requireNonNull(layout, "layout is null");
      requireNonNull(tableImport, "tableImport is null");
    }

    @Override
    public DynamoDbSink newSink() {
      return new DynamoDbImportSink(path, layout, tableImport);
    }
  }

  /** {@code mode = batch-write}: written into an existing table (created first when asked), then verified. */
  record BatchWrite(DynamoDbSettings settings, DynamoDbItemLayout layout, Optional<TableDefinition> createIfMissing,
      int verifySample, List<GsiCheck> gsiChecks) implements DynamoDbExport {
    public BatchWrite {
      requireNonNull(settings, "settings is null");
      requireNonNull(layout, "layout is null");
      requireNonNull(createIfMissing, "createIfMissing is null");
      gsiChecks = List.copyOf(gsiChecks);
    }

    @Override
    public DynamoDbSink newSink() {
      return new DynamoDbWriteSink(settings, layout, createIfMissing, verifySample, gsiChecks);
    }
  }

  /**
   * Reads {@code program.outputs.dynamodb}: {@code mode = import} (the default) or {@code
   * batch-write}. The settings of the other mode (one config serves both, TARGETING_DYNAMODB_MODE
   * chooses) are checked as well, so that a mistake in them fails today, not on the day the mode
   * changes.
   *
   * @param parameters the values the layout's SQL may refer to ({@code run_date}, {@code program_id})
   * @throws com.targeting.core.TargetingException a user error naming the path of a missing or invalid setting
   */
  static DynamoDbExport from(ConfigNode node, Map<String, Object> parameters) {
    DynamoDbItemLayout layout = DynamoDbItemLayout.from(node, parameters);
    TableDefinition table = TableDefinition.from(node.nodes("indexes"));
    String mode = node.string("mode", "import");
    node.has("path");
    if (node.has("batch-write")) {
      DynamoDbSettings.from(node.node("batch-write"));
      node.bool("batch-write.create-table-if-missing", false);
    }
    if (node.has("import-table")) {
      node.bool("import-table.enabled", false);
      ImportTable.from(node.node("import-table"));
    }
    if (node.has("verify")) {
      node.integer("verify.sample", 0);
      GsiCheck.from(node.nodes("verify.gsi-checks"));
    }
    return switch (mode) {
      case "import" -> new Import(node.string("path"), layout,
          node.bool("import-table.enabled", false)
              ? Optional.of(new DynamoDbImportSink.TableImport(ImportTable.from(node.node("import-table")),
                  DynamoDbSettings.from(node.node("batch-write")).withIndexes(table.indexes().size()), table))
              : Optional.empty());
      case "batch-write" -> new BatchWrite(
          DynamoDbSettings.from(node.node("batch-write")).withIndexes(table.indexes().size()),
          layout,
          node.bool("batch-write.create-table-if-missing", false) ? Optional.of(table) : Optional.empty(),
          node.integer("verify.sample", 0),
          GsiCheck.from(node.nodes("verify.gsi-checks")));
      default -> throw node.invalid("mode", "must be import or batch-write, was " + mode);
    };
  }
}
