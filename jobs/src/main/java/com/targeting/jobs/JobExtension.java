package com.targeting.jobs;

import com.targeting.core.program.RunSummary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * Jobs that a jar beside the job jar adds to {@link Main}, found with {@link ServiceLoader}
 * ({@code META-INF/services/com.targeting.jobs.JobExtension}). The tools module (targeting-tools:
 * {@code generate-sample-data}, {@code bench}, {@code bench-floor}) adds its jobs this way, and
 * {@code scripts/spark-submit/local.sh} puts its jar on the classpath; the job jar that ships to
 * EMR has none, so there a tool's name is read as a program name like any other unknown job.
 */
public interface JobExtension {

  /**
   * One job: its name (the first argument), its line in the usage text (two spaces, the name, its
   * options) and what runs it.
   */
  record Job(String name, String usage, Function<JobArguments, RunSummary> runner) {}

  /** The jobs this extension adds, in the order the usage text lists them. */
  List<Job> jobs();

  /**
   * Every extension's jobs on the classpath, by name, in load order. A job of the job jar itself
   * keeps its name: {@link Main} looks there first.
   *
   * @throws IllegalStateException when two extensions claim the same name
   */
  static Map<String, Job> load() {
    Map<String, Job> jobs = new LinkedHashMap<>();
    for (JobExtension extension : ServiceLoader.load(JobExtension.class, JobExtension.class.getClassLoader())) {
      for (Job job : extension.jobs()) {
        if (jobs.putIfAbsent(job.name(), job) != null) {
          throw new IllegalStateException("Job " + job.name() + " of " + extension.getClass().getName()
              + " is already a job of another extension");
        }
      }
    }
    return jobs;
  }
}
