package com.targeting.core.sink.dynamodb;

import com.targeting.core.sink.Sink;
import java.util.Map;

/** A DynamoDB export; after {@link #write} its report says what happened, for the run summary. */
public interface DynamoDbSink extends Sink {
  /** How candidates become items. */
  DynamoDbItemLayout layout();

  Map<String, Object> report();
}
