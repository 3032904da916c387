package com.targeting.jobs;

import com.targeting.core.TargetingException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Command-line arguments shared by every job: {@code <job> [--program P] [--run-date D]
 * [--env E] [--conf-dir DIR] [--config FILE] [--conf key=value]... [--<option> value]...}.
 * Job-specific options ({@code --rows}, {@code --model}) are kept by name.
 */
public record JobArguments(
    String job,
    Optional<String> program,
    LocalDate runDate,
    String env,
    String confDir,
    List<String> configFiles,
    List<String> overrides,
    Map<String, String> options) {

  /** The jobs of the jars beside the job jar (the tools module, locally), by name: see {@link JobExtension}. */
  static final Map<String, JobExtension.Job> EXTENSIONS = JobExtension.load();

  static final String USAGE = java.util.stream.Stream.of(
      java.util.stream.Stream.of(
          "usage: <job> [options]",
          "jobs:",
          "  <program>                 run a targeting program (e.g. investment-recommendations)",
          "  run-program --program P   the same, program named by option",
          "  train-model --program P [--model ID]   train a program's models into the registry",
          "  train-model --config FILE              train the model a file describes (a `model` block)",
          "  retrain --program P [--model ID]       the scheduled retraining: challengers for all of P's models (or one)",
          "  score-model --config FILE --input PATH [--format csv] --output DIR   score a file with the champion",
          "  dynamodb-export --program P          re-export a run date's candidates to DynamoDB, no re-scoring"),
      // The tools module's jobs (generate-sample-data, bench, bench-floor) when its jar is here.
      EXTENSIONS.values().stream().map(JobExtension.Job::usage),
      java.util.stream.Stream.of(
          "  daily-metrics                        the date's report of every program's runs, and CloudWatch EMF lines (stderr)",
          "  refresh-market-data [--from-date F]  replace the date's (or F..date's) market data snapshot from the vendor extract",
          "  dynamodb-ttl-check --program P       fail (exit 3) if the program's DynamoDB items outlive their TTL by the grace",
          "options:",
          "  --run-date YYYY-MM-DD     the run's date (default: today, UTC)",
          "  --run-id ID               names this attempt's summary file (default: start time + random suffix)",
          "  --env NAME                conf/env/NAME.conf (default: local)",
          "  --conf-dir DIR            where programs/ and env/ live (default: conf)",
          "  --config FILE             one more config file, over the program and env files",
          "  --conf key=value          a single setting, over everything else (repeatable)")
  ).flatMap(lines -> lines).collect(java.util.stream.Collectors.joining("\n"));

  /**
   * A run id becomes a file name on S3: letters, digits, dot, underscore, dash, and never a leading
   * dot or underscore (Hadoop, Spark and Athena skip such files as hidden).
   */
  private static final java.util.regex.Pattern RUN_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public JobArguments {
    configFiles = List.copyOf(configFiles);
    overrides = List.copyOf(overrides);
    options = Map.copyOf(options);
  }

  public static JobArguments parse(String[] args) {
    if (args.length == 0 || args[0].startsWith("-")) {
      throw TargetingException.userError("No job given.%n%s", USAGE);
    }
    String job = args[0];
    Optional<String> program = Optional.empty();
    LocalDate runDate = LocalDate.now(ZoneOffset.UTC);
    String env = "local";
    String confDir = "conf";
    List<String> configFiles = new ArrayList<>();
    List<String> overrides = new ArrayList<>();
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String name = args[i];
      if (!name.startsWith("--")) {
        throw TargetingException.userError("Unexpected argument '%s'.%n%s", name, USAGE);
      }
      String value;
      int equals = name.indexOf('=');
      if (equals > 0 && !name.equals("--conf")) {
        value = name.substring(equals + 1);
        name = name.substring(0, equals);
      } else {
        if (i + 1 >= args.length) {
          throw TargetingException.userError("Option %s needs a value.%n%s", name, USAGE);
        }
        value = args[++i];
      }
      switch (name) {
        case "--program" -> program = Optional.of(value);
        case "--run-date" -> runDate = parseDate(value);
        case "--env" -> env = value;
        case "--conf-dir" -> confDir = value;
        case "--config" -> configFiles.add(value);
        case "--conf" -> overrides.add(value);
        default -> options.put(name.substring(2), value);
      }
    }
    java.util.Set<String> given = new java.util.LinkedHashSet<>(options.keySet());
    program.ifPresent(p -> given.add("program"));
    requireKnownOptions(job, given);
    return new JobArguments(job, program, runDate, env, confDir, configFiles, overrides, options);
  }

  /**
   * The options every job takes, beside those its usage line names. Not {@code --program}: a job
   * that reads it names it (a program's own run, {@code investment-recommendations --program
   * loan-offer-targeting}, would run the investment program and ignore it).
   */
  private static final List<String> SHARED_OPTIONS = List.of("run-date", "run-id", "env", "conf-dir", "config", "conf");

  /**
   * The options {@code job} takes: the shared ones and those its lines of {@link #USAGE} name (a
   * program's run takes only the shared ones).
   */
  static java.util.Set<String> knownOptions(String job) {
    java.util.Set<String> known = new java.util.TreeSet<>(SHARED_OPTIONS);
    java.util.regex.Pattern option = java.util.regex.Pattern.compile("--([a-z][a-z-]*)");
    for (String line : USAGE.split("\n")) {
      if (line.equals("  " + job) || line.startsWith("  " + job + " ")) {
        java.util.regex.Matcher m = option.matcher(line);
        while (m.find()) {
          known.add(m.group(1));
        }
      }
    }
    return known;
  }

  /**
   * Refuses an option the job does not take, before anything runs: a mistyped {@code --run-dat}
   * was kept and never read, and the run went on for today.
   */
  private static void requireKnownOptions(String job, java.util.Set<String> given) {
    java.util.Set<String> known = knownOptions(job);
    for (String option : given) {
      if (!known.contains(option)) {
        String hint = com.targeting.core.config.ConfigNode.closest(option, known).map(m -> ": did you mean --" + m + "?").orElse("");
        throw TargetingException.userError("Unknown option --%s for %s%s (it takes --%s).%n%s", option, job, hint,
            String.join(", --", known), USAGE);
      }
    }
  }

  private static LocalDate parseDate(String value) {
    try {
      return LocalDate.parse(value);
    } catch (java.time.format.DateTimeParseException e) {
      throw TargetingException.userError("Invalid --run-date '%s': expected YYYY-MM-DD", value);
    }
  }

  public String requireProgram() {
    return program.orElseThrow(() -> TargetingException.userError("Job %s needs --program.%n%s", job, USAGE));
  }

  public Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  public long longOption(String name, long defaultValue) {
    String value = options.get(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(value.replace("_", ""));
    } catch (NumberFormatException e) {
      throw TargetingException.userError("Invalid --%s '%s': expected a whole number", name, value);
    }
  }

  /** Config files for a program, highest priority first: --config files, env, program. */
  public List<String> configFilesFor(String programId) {
    List<String> files = new ArrayList<>(configFiles);
    files.add(confDir + "/env/" + env + ".conf");
    files.add(confDir + "/programs/" + programId + ".conf");
    return files;
  }

  /** Config files without a program, highest priority first: --config files, env. */
  public List<String> configFilesForEnvironment() {
    List<String> files = new ArrayList<>(configFiles);
    files.add(confDir + "/env/" + env + ".conf");
    return files;
  }

  /**
   * The resolved config of {@code files} (highest priority first) under the --conf overrides, the
   * run date and run id; refuses a run date outside the run window ({@code run.max-days-ahead},
   * {@code run.max-days-back}) before anything else reads the config.
   */
  public com.typesafe.config.Config loadConfig(List<String> files) {
    com.typesafe.config.Config config = com.targeting.core.config.ConfigLoader.load(files, overridesWithRunDate());
    com.targeting.core.config.RunWindow.check(config, "--run-date", runDate, LocalDate.now(ZoneOffset.UTC));
    return config;
  }

  /** --conf overrides plus the run date and, when given, the run id. */
  public List<String> overridesWithRunDate() {
    List<String> all = new ArrayList<>(overrides);
    all.add("run.date=\"" + runDate + "\"");
    option("run-id").ifPresent(id -> {
      if (!RUN_ID.matcher(id).matches()) {
        throw TargetingException.userError("Invalid --run-id '%s': expected 1 to 128 of A-Z a-z 0-9 . _ -, starting with a letter or digit", id);
      }
      all.add("run.id=\"" + id + "\"");
    });
    return all;
  }

}
