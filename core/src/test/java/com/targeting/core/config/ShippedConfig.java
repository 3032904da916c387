package com.targeting.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.targeting.core.program.ProgramConfig;
import com.targeting.core.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped config the config tests load: the investment program's file over the local
 * environment's, for the run date 2026-11-20; and that program file with one mistake put in.
 */
final class ShippedConfig {
  static final Path CONF = TestSpark.confDirectory();
  static final String PROGRAM = CONF.resolve("programs/investment-recommendations.conf").toString();
  static final String LOCAL = CONF.resolve("env/local.conf").toString();
  static final List<String> RUN_DATE = List.of("run.date=\"2026-11-20\"");

  private ShippedConfig() {}

  /** {@code programFile} over the local environment, as a run of 2026-11-20 loads it. */
  static ProgramConfig load(String programFile) {
    return ProgramConfig.from(ConfigLoader.load(List.of(LOCAL, programFile), RUN_DATE));
  }

  /**
   * The shipped program file with the first {@code original} (which must be there) replaced,
   * written as {@code program.conf} in {@code folder}; its path.
   */
  static String programWith(Path folder, String original, String replacement) throws IOException {
    String text = Files.readString(Path.of(PROGRAM));
    assertThat(text).contains(original);
    Path file = folder.resolve("program.conf");
    Files.writeString(file, text.replaceFirst(Pattern.quote(original), Matcher.quoteReplacement(replacement)));
    return file.toString();
  }
}
