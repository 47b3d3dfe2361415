package dev.salient.engine;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.graph.OnnxModel;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Salient creates ONNX Runtime's environment with one shared thread pool (the library and the tests all ask
 * {@link SharedRuntime} for it). A thread count sizes that pool: sessions never get threads of their own (before,
 * {@code --threads N} gave every session its own pool, N − 1 more native threads each, and made every run slower).
 */
class SharedRuntimeTest {
    @Test
    void aThreadCountSizesTheSharedPoolAndSessionsAddNoThreads(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path gradientFile = dir.resolve("gradient.f32");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ThreadPoolMain.class.getName(), SharedData.mobileNetV2().toString(), "3", gradientFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String out = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        // a pool of 3 runs on the calling thread and 2 of its own; 5 sessions with pools of their own would add 10
        assertThat(out).as(out).contains("added on open: 2, added by 4 gradient sessions: 0");

        float[] pooled;
        try (DifferentiableModel model = DifferentiableModel.open(OnnxModel.load(SharedData.mobileNetV2()), "input",
                "logits", new long[]{1, 3, 224, 224}, EngineOptions.DEFAULT);
             GradientSession.Lease session = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1)) {
            pooled = session.run(input(), seed(), 1).inputGradient();
        }
        float[] threeThreads = new float[pooled.length];
        try (DataInputStream in = new DataInputStream(Files.newInputStream(gradientFile))) {
            for (int i = 0; i < threeThreads.length; i++) {
                threeThreads[i] = in.readFloat();
            }
        }
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < pooled.length; i++) {
            diff += (pooled[i] - threeThreads[i]) * (double) (pooled[i] - threeThreads[i]);
            norm += pooled[i] * (double) pooled[i];
        }
        assertThat(norm).isPositive();
        assertThat(Math.sqrt(diff / norm)).as("same gradient on 3 threads as on the default pool").isLessThan(1e-5);
    }

    @Test
    void thePoolIsMadeOnceAndAnotherSizeIsRefused() {
        assertThat(SharedRuntime.sharedPool()).isTrue();
        assertThat(SharedRuntime.environment(0)).isSameAs(SharedRuntime.environment());
        assertThatThrownBy(() -> SharedRuntime.environment(97)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("97");
        assertThatThrownBy(() -> DifferentiableModel.open(OnnxModel.load(SharedData.mobileNetV2()), "input", "logits",
                new long[]{1, 3, 224, 224}, new EngineOptions(97, 2))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SharedRuntime.environment(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    static float[] input() {
        float[] x = new float[3 * 224 * 224];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 251) / 250f;
        }
        return x;
    }

    static float[] seed() {
        float[] seed = new float[1001];
        seed[17] = 1f;
        return seed;
    }
}
