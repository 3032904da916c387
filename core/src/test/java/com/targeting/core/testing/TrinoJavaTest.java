package com.targeting.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How TrinoServer finds the Java 24+ that Trino needs, over made-up JDK homes. */
class TrinoJavaTest {
  @TempDir
  Path jvms;

  @Test
  void picksTheNewestJdkOf24OrLater() throws IOException {
    jdk("java-17-openjdk-amd64", "17.0.15");
    jdk("java-1.8.0-openjdk", "1.8.0_402");
    Path jdk24 = jdk("jdk-24", "24.0.1");
    Path jdk25 = jdk("temurin-25-jdk-amd64", "25.0.3");

    assertThat(TrinoServer.javaHome(null, jvms)).isEqualTo(jdk25);
    assertThat(TrinoServer.javaHome(jdk24.toString(), jvms)).isEqualTo(jdk24);
  }

  @Test
  void failsNamingWhatItFoundWhenNoneIsRecentEnough() throws IOException {
    Path jdk17 = jdk("java-17-openjdk-amd64", "17.0.15");
    jdk("java-1.8.0-openjdk", "1.8.0_402");

    assertThatThrownBy(() -> TrinoServer.javaHome(null, jvms))
        .hasMessage("Trino needs Java 24 or later and none was found: set TRINO_JAVA_HOME to a JDK 24+ home, or install one "
            + "under " + jvms + " (found there: java-1.8.0-openjdk (8), java-17-openjdk-amd64 (17))");
    assertThatThrownBy(() -> TrinoServer.javaHome(jdk17.toString(), jvms))
        .hasMessage("TRINO_JAVA_HOME=" + jdk17 + " is Java 17; Trino needs Java 24 or later");
    assertThatThrownBy(() -> TrinoServer.javaHome(jvms.resolve("missing").toString(), jvms))
        .hasMessage("TRINO_JAVA_HOME=" + jvms.resolve("missing") + " is not a JDK home (no bin/java and release file)");
  }

  private Path jdk(String name, String version) throws IOException {
    Path home = Files.createDirectories(jvms.resolve(name).resolve("bin"));
    Files.createFile(home.resolve("java"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.writeString(home.resolveSibling("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
    return home.getParent();
  }
}
