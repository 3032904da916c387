package com.targeting.core.program;

import static java.util.Objects.requireNonNull;

import com.targeting.core.DaemonThreads;
import com.targeting.core.TargetingException;
import com.targeting.core.model.LoadedModel;
import com.targeting.core.model.ModelFamilySpec;
import com.targeting.core.model.ModelRegistry;
import com.targeting.core.score.Scorer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A run's models, loaded on a thread of their own while the run reads and classifies its extract.
 * Loading a pipeline is mostly driver work (reading its stages, class loading, code generation,
 * compiling and checking {@link com.targeting.core.model.TreeShap}): several seconds that need no
 * rows, and that a run on 2 cores or on EMR (where the driver has cores of its own) can overlap
 * with the executors' reading. Every model's version is found before that thread starts, so a
 * missing model or version still fails the run before any row is read; a model that cannot be
 * loaded (a corrupt pipeline, a config it was not trained for) fails it when the run waits for the
 * models, after classifying and before anything is written.
 *
 * <p>The summary's {@code models} object is in the summary from the start: each model's path
 * first, its whole entry (version, path, creation time, metrics) once loaded. The thread runs
 * with the Spark job group it was started under ({@code load_models}'s), whose jobs are cancelled
 * if the run fails before it waits for them.
 */
final class ModelLoads implements AutoCloseable {
  private final Map<String, Object> summaryEntries;
  private final ExecutorService thread;
  private final Future<List<LoadedModel>> loaded;
  /** The Spark job group the loading runs under (the stage's, inherited), and how to cancel its jobs. */
  private final Optional<String> jobGroup;
  private final Consumer<String> cancel;
  private volatile boolean stopped;
  private boolean awaited;

  private ModelLoads(Map<String, Object> summaryEntries, List<Callable<LoadedModel>> loaders, Optional<String> jobGroup,
      Consumer<String> cancel) {
    this.summaryEntries = summaryEntries;
    this.jobGroup = jobGroup;
    this.cancel = cancel;
    this.thread = Executors.newSingleThreadExecutor(DaemonThreads.named("load-models"));
    List<Callable<LoadedModel>> copy = List.copyOf(loaders);
    this.loaded = thread.submit(() -> {
      List<LoadedModel> models = new ArrayList<>();
      for (Callable<LoadedModel> loader : copy) {
        if (stopped || Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("the run stopped waiting for its models");
        }
        models.add(loader.call());
      }
      return models;
    });
    thread.shutdown();
  }

  /**
   * Finds every model's version (config order: models, then uplift models) and starts loading
   * them.
   *
   * @throws TargetingException (user error) if a model has no champion or its pinned version is missing
   */
  static ModelLoads start(SparkSession spark, ProgramConfig program, RunSummary summary) {
    requireNonNull(spark, "spark is null");
    List<ModelFamilySpec> specs = new ArrayList<>(program.models());
    specs.addAll(program.upliftModels());
    Map<String, Object> entries = new LinkedHashMap<>();
    summary.put("models", entries);
    List<Callable<LoadedModel>> loaders = new ArrayList<>();
    for (ModelFamilySpec spec : specs) {
      String path = ModelRegistry.at(spark, spec.registry()).resolve(spec);
      entries.put(spec.id(), new LinkedHashMap<>(Map.of("path", path)));
      loaders.add(() -> spec.load(spark, path));
    }
    SparkContext context = spark.sparkContext();
    return new ModelLoads(entries, loaders, Optional.ofNullable(context.getLocalProperty("spark.jobGroup.id")),
        context::cancelJobGroup);
  }

  /** Runs {@code loaders} in order on a thread of their own; their models' entries go into {@code entries}. */
  static ModelLoads of(Map<String, Object> entries, List<Callable<LoadedModel>> loaders) {
    return of(entries, loaders, Optional.empty(), group -> {});
  }

  /** As {@link #of(Map, List)}, cancelling {@code jobGroup}'s Spark jobs by {@code cancel} if closed unwaited. */
  static ModelLoads of(Map<String, Object> entries, List<Callable<LoadedModel>> loaders, Optional<String> jobGroup,
      Consumer<String> cancel) {
    return new ModelLoads(entries, loaders, jobGroup, cancel);
  }

  /**
   * Waits for the models; returns their scorers in config order and completes their summary entries.
   *
   * @throws TargetingException (or another exception) as loading a model threw it
   */
  List<Scorer> await() {
    awaited = true;
    List<LoadedModel> models;
    try {
      models = loaded.get();
    } catch (ExecutionException e) {
      // As loading threw it, checked or not (Spark's Scala code throws checked exceptions
      // undeclared): the run's summary categorizes it by its type and causes.
      throw ModelLoads.<RuntimeException>rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw TargetingException.internal("Interrupted while waiting for the models to load");
    } catch (CancellationException e) {
      throw TargetingException.internal("The models' loading was cancelled");
    }
    List<Scorer> scorers = new ArrayList<>();
    for (LoadedModel model : models) {
      scorers.add(model.scorer());
      summaryEntries.put(model.id(), model.summary());
    }
    return scorers;
  }

  /** Whether the loading thread ended within the time given (tests: nothing runs after {@link #close}). */
  boolean awaitTermination(long time, java.util.concurrent.TimeUnit unit) throws InterruptedException {
    return thread.awaitTermination(time, unit);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> RuntimeException rethrow(Throwable error) throws T {
    throw (T) error;
  }

  /**
   * Stops a loading nobody waited for (the run failed before scoring): no further model is
   * loaded, the thread is interrupted, the Spark jobs it started are cancelled, and its outcome is
   * ignored; the run's own failure is what is reported.
   */
  @Override
  public void close() {
    if (!awaited) {
      stopped = true;
      loaded.cancel(true);
      jobGroup.ifPresent(cancel);
    }
    thread.shutdownNow();
  }
}
