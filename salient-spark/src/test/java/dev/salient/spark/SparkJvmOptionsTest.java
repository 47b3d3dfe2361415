package dev.salient.spark;

import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SparkJvmOptionsTest {
    @Test
    void theBuildsOptionsAreTheOnesSparksLauncherAdds() {
        // the pom's list (filtered into the jar, read by ./salient and set on this test JVM) must track Spark's
        assertThat(SparkRunner.jvmOptions().split("\\s+"))
                .containsExactly(JavaModuleOptions.defaultModuleOptions().split("\\s+"));
    }

    @Test
    void thisJvmPassesTheRuntimeCheckThatTheCommandLineMakes() {
        SparkRunner.checkRuntime(); // surefire's argLine carries the options
    }
}
