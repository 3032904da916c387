package com.targeting.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.targeting.core.testing.S3Server;
import com.targeting.core.testing.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The investment program with every path on S3 (s3a://): the generated extract, the models, the
 * outputs and the DynamoDB import files, on MinIO or S3Proxy, whichever this machine can run.
 */
class S3EndToEndTest {

  private static JsonNode run(String root, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of(extra));
    // conf/env/s3.conf, as a user would run it; the test server's endpoint and keys come in as
    // --conf where a user would export S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY.
    args.addAll(List.of("--conf-dir", TestSpark.confDirectory().toString(), "--env", "s3",
        "--conf", "paths.root=" + root,
        "--conf", "bootstrap.rows=3000",
        "--conf", "bootstrap.history-rows=2000",
        "--conf", "model-defaults.xgboost.num-round=10"));
    for (String setting : S3Server.instance().sparkSettings()) {
      args.add("--conf");
      args.add(setting);
    }
    JobRun run = JobRun.of(args);
    assertThat(run.code()).as(run.summary().toString()).isZero();
    return run.summary();
  }

  @Test
  void aRunWithEveryPathOnS3WritesThereAndARerunLeavesTheCountsUnchanged() throws Exception {
    TestSpark.session();
    S3Server s3 = S3Server.instance();
    String root = "s3a://" + s3.createBucket("targeting") + "/root";
    System.out.println("S3 server for this run: " + s3.kind());

    JsonNode first = run(root, "investment-recommendations", "--run-date", "2026-11-20");
    JsonNode second = run(root, "investment-recommendations", "--run-date", "2026-11-20");

    assertThat(first.get("summary_path").asText()).startsWith(root + "/output/summaries/");
    assertThat(first.get("models").get("investment-suitability").get("path").asText()).startsWith(root + "/models/");
    long candidates = first.get("candidates").asLong();
    assertThat(first.get("input_rows").asLong()).isEqualTo(3000);
    assertThat(second.get("candidates").asLong()).isEqualTo(candidates);
    assertThat(TestSpark.session().read().format("delta").load(root + "/output/candidates").count()).isEqualTo(candidates);
    assertThat(TestSpark.session().read().text(root + "/output/dynamodb-import/program=investment-recommendations/dt=2026-11-20").count())
        .isEqualTo(candidates);
    assertThat(TestSpark.session().read().json(first.get("summary_path").asText()).first().<Long>getAs("candidates"))
        .isEqualTo(candidates);
  }
}
