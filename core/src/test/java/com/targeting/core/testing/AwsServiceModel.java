package com.targeting.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * AWS's own shape of a request: botocore's service model and its parameter validator (Debian's
 * python3-botocore, run by /usr/bin/python3), the same check the AWS SDKs and CLI make before
 * sending. A request our code builds is checked as it went over the wire (JSON protocol member
 * names are the model's), so a missing, unknown or mistyped parameter fails a test here, not a
 * nightly run.
 */
public final class AwsServiceModel {
  private static final String VALIDATE = String.join("\n",
      "import json, sys, botocore.session, botocore.validate",
      "operation = botocore.session.get_session().get_service_model(sys.argv[1]).operation_model(sys.argv[2])",
      "report = botocore.validate.ParamValidator().validate(json.load(sys.stdin), operation.input_shape)",
      "print(report.generate_report() if report.has_errors() else '', end='')");
  private static boolean ready;

  private AwsServiceModel() {}

  /** What botocore finds wrong with {@code request} for {@code service}'s {@code operation}: empty when valid. */
  public static synchronized String problems(String service, String operation, JsonNode request) {
    ensureBotocore();
    try {
      Process python = new ProcessBuilder("/usr/bin/python3", "-c", VALIDATE, service, operation).redirectErrorStream(true).start();
      try (OutputStream in = python.getOutputStream()) {
        in.write(new ObjectMapper().writeValueAsBytes(request));
      }
      String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (python.waitFor() != 0) {
        throw new IllegalStateException("botocore could not validate " + service + " " + operation + ": " + output);
      }
      return output.strip();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot run /usr/bin/python3", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** scripts/python-test-deps.sh: installs Debian's python3-botocore when missing (as root), else says how. */
  private static void ensureBotocore() {
    if (ready) {
      return;
    }
    Path script = null;
    for (Path dir = Path.of("").toAbsolutePath(); dir != null && script == null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("scripts/python-test-deps.sh"))) {
        script = dir.resolve("scripts/python-test-deps.sh");
      }
    }
    if (script == null) {
      throw new IllegalStateException("scripts/python-test-deps.sh not found above " + Path.of("").toAbsolutePath());
    }
    try {
      Process process = new ProcessBuilder(List.of("bash", script.toString())).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0) {
        throw new IllegalStateException("botocore is not available: " + output);
      }
      ready = true;
    } catch (IOException e) {
      throw new IllegalStateException("Cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
