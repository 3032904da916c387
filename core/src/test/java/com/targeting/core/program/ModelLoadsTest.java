package com.targeting.core.program;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.targeting.core.TargetingException;
import com.targeting.core.model.LoadedModel;
import com.targeting.core.score.Scorer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class ModelLoadsTest {
  @Test
  void theScorersComeBackInConfigOrderAndTheirEntriesReplaceThePaths() {
    Map<String, Object> entries = new LinkedHashMap<>();
    entries.put("a", Map.of("path", "/models/a/v1"));
    entries.put("b", Map.of("path", "/models/b/v3"));
    try (ModelLoads loads = ModelLoads.of(entries, List.of(loader("a", 1), loader("b", 3)))) {
      assertThat(loads.await()).extracting(Scorer::id).containsExactly("a", "b");
    }
    assertThat(entries).containsOnlyKeys("a", "b");
    assertThat(entries.get("b")).isEqualTo(Map.of("version", 3, "path", "/models/b/v3"));
  }

  @Test
  void aModelThatCannotBeLoadedFailsTheWaitWithItsOwnError() {
    TargetingException corrupt = TargetingException.userError("Model b at /models/b/v3 cannot be loaded (EOF): retrain it");
    try (ModelLoads loads = ModelLoads.of(new LinkedHashMap<>(), List.of(loader("a", 1), () -> {
      throw corrupt;
    }))) {
      assertThatThrownBy(loads::await).isSameAs(corrupt);
    }
  }

  @Test
  void aCheckedExceptionComesBackAsItWasThrownSoTheSummaryCategorizesIt() {
    java.io.IOException unavailable = new java.io.IOException("S3 503 Slow Down");
    try (ModelLoads loads = ModelLoads.of(new LinkedHashMap<>(), List.of(() -> {
      throw unavailable;
    }))) {
      assertThatThrownBy(loads::await).isSameAs(unavailable);
      assertThat(TargetingException.categoryOf(unavailable)).isEqualTo(TargetingException.Category.EXTERNAL);
    }
  }

  @Test
  void aRunThatFailsBeforeScoringStopsTheLoadingItNeverWaitedFor() throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    AtomicBoolean secondLoaded = new AtomicBoolean();
    List<String> cancelled = new CopyOnWriteArrayList<>();
    ModelLoads loads = ModelLoads.of(new LinkedHashMap<>(), List.of(() -> {
      started.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
      return null;
    }, () -> {
      secondLoaded.set(true);
      return null;
    }), Optional.of("run:load_models"), cancelled::add);
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    loads.close();
    assertThat(interrupted.await(30, TimeUnit.SECONDS)).as("the loading thread was interrupted").isTrue();
    assertThat(cancelled).as("its Spark jobs cancelled").containsExactly("run:load_models");
    assertThat(loads.awaitTermination(30, TimeUnit.SECONDS)).as("the loading thread ended").isTrue();
    assertThat(secondLoaded).as("no model loaded after the run stopped waiting").isFalse();
  }

  @Test
  void aRunThatWaitedCancelsNothing() {
    List<String> cancelled = new CopyOnWriteArrayList<>();
    try (ModelLoads loads = ModelLoads.of(new LinkedHashMap<>(), List.of(loader("a", 1)), Optional.of("g"), cancelled::add)) {
      assertThat(loads.await()).hasSize(1);
    }
    assertThat(cancelled).isEmpty();
  }

  private static Callable<LoadedModel> loader(String id, int version) {
    String path = "/models/" + id + "/v" + version;
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("version", version);
    summary.put("path", path);
    return () -> new LoadedModel(id, path, version, summary, new Scorer() {
      @Override
      public String id() {
        return id;
      }

      @Override
      public Dataset<Row> score(Dataset<Row> rows) {
        return rows;
      }
    });
  }
}
