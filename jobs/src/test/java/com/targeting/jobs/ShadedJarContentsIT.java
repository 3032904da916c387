package com.targeting.jobs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shaded job jar carries only what EMR Serverless 7.x (Spark 3.5, Scala 2.12, Hadoop 3.3/3.4,
 * Linux on x86_64 and arm64) lacks. Runs in {@code verify}, after {@code package} built the jar
 * (maven-failsafe-plugin), and reads the jar the build just wrote.
 */
class ShadedJarContentsIT {
  /**
   * Everything the jar may hold. A new dependency lands outside this list and fails the build:
   * add it here only once it is known that Spark or EMR does not already ship it.
   */
  private static final List<String> ALLOWED_PREFIXES = List.of(
      "com/targeting/",                 // our classes, and the relocated AWS SDK under com/targeting/shaded/
      "ml/dmlc/xgboost4j/",
      "org/apache/spark/ml/xgboost/",   // XGBoost's own helpers, in Spark's package for access
      "lib/linux/x86_64/",
      "lib/linux/aarch64/",
      "com/typesafe/config/",           // Spark 3.5 and EMR do not ship Typesafe Config
      "org/knowm/xchart/",
      "com/amazon/deequ/",              // data-quality suites: not on EMR Serverless's classpath
      "com/linkedin/relevance/isolationforest/", // LinkedIn's isolation forest (engagement anomalies)
      "LICENSE",                        // ... and its BSD-2-Clause licence and notice, at the root of its jar:
      "NOTICE",                         // the licence asks that they travel with the binary
      // Deequ's own aggregates, in Spark's packages for access to its internals (no Spark class is named so):
      "org/apache/spark/sql/Stateful",
      "org/apache/spark/sql/DeequFunctions",
      "org/apache/spark/sql/catalyst/expressions/aggregate/Stateful",
      "org/apache/spark/sql/catalyst/expressions/aggregate/HLLConstants",
      "org/apache/spark/sql/catalyst/expressions/aggregate/DeequHyperLogLogPlusPlusUtils",
      "META-INF/",
      "reference.conf",
      "xgboost4j-version.properties");

  private static final String SHADED_SDK = "com/targeting/shaded/software/amazon/awssdk/";

  private static Map<String, ZipEntry> entries;
  private static Map<String, String> services;

  @BeforeAll
  static void readJar() throws IOException {
    String location = System.getProperty("targeting.jobJar");
    assertThat(location).as("system property targeting.jobJar (set by the failsafe configuration in jobs/pom.xml)").isNotBlank();
    Path jar = Path.of(location);
    assertThat(Files.isRegularFile(jar)).as("the shaded job jar %s exists (mvn package builds it)", jar).isTrue();
    Map<String, ZipEntry> byName = new TreeMap<>();
    Map<String, String> serviceFiles = new TreeMap<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (ZipEntry entry : Collections.list(zip.entries())) {
        byName.put(entry.getName(), entry);
        if (entry.getName().startsWith("META-INF/services/") && !entry.isDirectory()) {
          try (InputStream in = zip.getInputStream(entry)) {
            serviceFiles.put(entry.getName(), new String(in.readAllBytes(), UTF_8));
          }
        }
      }
    }
    entries = Collections.unmodifiableMap(byName);
    services = Collections.unmodifiableMap(serviceFiles);
  }

  @Test
  void holdsNothingOutsideWhatEmrLacks() {
    // Jackson, Scala, Hadoop, Guava, Spark, Delta, Netty, Kryo, pdfbox and the like all land here.
    assertThat(folders(name -> !allowed(name)))
        .as("folders of classes Spark or EMR already provides, or that the jobs never use")
        .isEmpty();
    assertThat(entries).containsKeys(
        "com/targeting/jobs/Main.class",
        "ml/dmlc/xgboost4j/scala/spark/XGBoostClassifier.class",
        "com/typesafe/config/ConfigFactory.class",
        "org/knowm/xchart/BitmapEncoder.class");
  }

  @Test
  void carriesNoLocalTools() {
    // The sample data generators and the benchmark live in tools/ (targeting-tools), beside the jar.
    assertThat(named(name -> name.startsWith("com/targeting/tools/") || name.startsWith("com/targeting/core/sample/")
            || name.matches("com/targeting/.*/(InvestmentSampleData|LoanSampleData|CampaignSampleData|SampleTables|Draws"
                + "|GenerateSampleDataJob|BenchJob|BenchFloorJob)(\\$.*)?\\.class")))
        .as("sample data generators or benchmark classes (tools/, which local.sh adds locally)")
        .isEmpty();
    assertThat(services).doesNotContainKeys(
        "META-INF/services/com.targeting.jobs.JobExtension", "META-INF/services/com.targeting.jobs.SampleDataGenerator");
    assertThat(entries).containsKeys(
        "com/targeting/jobs/JobExtension.class", "com/targeting/jobs/SampleDataGenerator.class", "com/targeting/jobs/LocalBootstrap.class");
  }

  @Test
  void carriesLinuxNativesForBothArchitecturesAndNoOthers() {
    assertThat(entries).containsKeys("lib/linux/x86_64/libxgboost4j.so", "lib/linux/aarch64/libxgboost4j.so");
    assertThat(named(name -> name.startsWith("lib/macos/") || name.startsWith("lib/windows/")
            || name.endsWith(".dylib") || name.endsWith(".jnilib") || name.endsWith(".dll")))
        .as("macOS or Windows native libraries")
        .isEmpty();
  }

  @Test
  void carriesNoSecondCopyOfTheLoggingApis() {
    assertThat(folders(name -> name.startsWith("org/slf4j/")
            || name.startsWith("org/apache/log4j/")
            || name.startsWith("org/apache/logging/")
            || name.startsWith("org/apache/commons/logging/")
            || name.startsWith("ch/qos/logback/")))
        .as("slf4j, log4j, commons-logging or logback classes (Spark provides the logging stack)")
        .isEmpty();
  }

  @Test
  void awsSdkIsRelocatedWithItsServiceFiles() {
    assertThat(folders(name -> name.startsWith("software/") || name.startsWith("org/reactivestreams/")))
        .as("unrelocated AWS SDK classes (EMR's own SDK would shadow them)")
        .isEmpty();
    assertThat(entries).containsKeys(
        SHADED_SDK + "services/dynamodb/DynamoDbClient.class",
        SHADED_SDK + "http/urlconnection/UrlConnectionHttpClient.class",
        SHADED_SDK + "core/util/mime.types",
        SHADED_SDK + "regions/internal/region/endpoints.json");
    assertThat(services).containsKey("META-INF/services/com.targeting.shaded.software.amazon.awssdk.http.SdkHttpService");
    services.forEach((file, content) -> assertThat(providers(content))
        .as("providers named in %s", file)
        .noneMatch(provider -> provider.startsWith("software.amazon.") || provider.startsWith("org.reactivestreams.")));
  }

  /** Entries whose name matches, for messages that list only the offenders. */
  private static List<String> named(Predicate<String> matches) {
    return entries.keySet().stream().filter(matches).toList();
  }

  /** The folders (three levels at most) of the matching files: a readable failure, not 4,000 names. */
  private static Set<String> folders(Predicate<String> matches) {
    Set<String> folders = new TreeSet<>();
    for (String name : named(matches)) {
      if (name.endsWith("/")) {
        continue;
      }
      String[] parts = name.split("/");
      int depth = Math.min(3, parts.length - 1);
      folders.add(depth == 0 ? name : String.join("/", Arrays.copyOf(parts, depth)) + "/");
    }
    return folders;
  }

  private static boolean allowed(String name) {
    for (String prefix : ALLOWED_PREFIXES) {
      // A directory entry on the way to an allowed prefix ("lib/", "org/apache/") is allowed too.
      if (name.startsWith(prefix) || (name.endsWith("/") && prefix.startsWith(name))) {
        return true;
      }
    }
    return false;
  }

  private static List<String> providers(String serviceFile) {
    return serviceFile.lines()
        .map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
        .toList();
  }
}
