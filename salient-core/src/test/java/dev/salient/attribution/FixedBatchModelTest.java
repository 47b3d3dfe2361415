package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.image.Layout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A model whose graph fixes batch 1 ({@link MobileNetRewrites#fixedBatch}): every registry method runs on it, in
 * chunks of one, and computes what it computes on the same network with a free batch axis. Before, SmoothGrad and Integrated
 * Gradients failed ("asked for 2"), occlusion failed inside ONNX Runtime, and loading printed ONNX Runtime's own
 * error lines from the batch-2 shape probe.
 */
class FixedBatchModelTest {
    /** Small settings so each method runs a few passes; the batch sizes stay at their defaults (4, 16). */
    private static final Map<String, Map<String, String>> PARAMS = Map.of(
            "smoothgrad", Map.of("samples", "3"),
            "smoothgrad-squared", Map.of("samples", "3"),
            "vargrad", Map.of("samples", "3"),
            "integrated-gradients", Map.of("steps", "3"),
            "occlusion", Map.of("window", "56", "stride", "56"),
            "kernel-shap", Map.of("coalitions", "8"),
            "lime", Map.of("coalitions", "8"),
            "xrai", Map.of("steps", "2"));

    private static DifferentiableModel fixed;
    private static float[] bird;
    private static int target;

    @BeforeAll
    static void open() {
        fixed = DifferentiableModel.open(MobileNetRewrites.fixedBatch(), "input", "logits", new long[]{1, 3, 224, 224},
                EngineOptions.DEFAULT);
        bird = Fixtures.image("bird.bmp");
        target = Fixtures.top1(Fixtures.mobileNetV2().forward(bird, 1));
    }

    @AfterAll
    static void close() {
        fixed.close();
    }

    /** The methods for any model (a CNN here); the attention methods have their transformer tests. */
    static List<String> methods() {
        return AttributionMethods.all().stream()
                .filter(d -> d.traits().needs() == MethodTraits.Needs.ANY_MODEL)
                .map(MethodDescription::name).toList();
    }

    @Test
    void theGraphRunsOneImageAtATime() {
        assertThat(fixed.maxBatch()).isEqualTo(1);
        assertThat(Fixtures.mobileNetV2().maxBatch()).isGreaterThan(1);
        float[] two = new float[2 * bird.length];
        System.arraycopy(bird, 0, two, bird.length, bird.length);
        float[] scores = fixed.forward(two, 2);
        float[] free = Fixtures.mobileNetV2().forward(two, 2);
        assertThat(GradientMethodsTest.relativeError(scores, free)).isLessThan(1e-5);
    }

    @ParameterizedTest
    @MethodSource("methods")
    void everyMethodRunsAndAgreesWithTheBatchableModel(String name) {
        AttributionMethod method = AttributionMethods.create(name, PARAMS.getOrDefault(name, Map.of()));
        if (name.equals(DeepLift.DESCRIPTION.name())) {
            // DeepLIFT pairs the input with its baseline in one batch of 2, which this graph cannot run: a clear refusal
            assertThatThrownBy(() -> method.attribute(new AttributionRequest(fixed, bird, target, TargetHead.LOGIT,
                    Layout.NCHW))).isInstanceOf(dev.salient.graph.ModelFormatException.class);
            return;
        }
        Attribution onFixed = method.attribute(new AttributionRequest(fixed, bird, target, TargetHead.LOGIT, Layout.NCHW));
        Attribution onFree = method.attribute(new AttributionRequest(Fixtures.mobileNetV2(), bird, target,
                TargetHead.LOGIT, Layout.NCHW));
        assertThat(onFixed.shape()).containsExactly(onFree.shape());
        double error = GradientMethodsTest.relativeError(onFixed.values(), onFree.values());
        System.out.printf("fixed batch 1 vs free batch, %s: relative L2 difference %.2e%n", name, error);
        assertThat(error).as(name).isLessThan(1e-4);
    }

    @Test
    void loadingAndRunningItPrintsNoOnnxRuntimeLogLine(@TempDir Path dir) throws Exception {
        Path file = MobileNetRewrites.write(MobileNetRewrites.fixedBatch(), dir, "mobilenet_v2_batch1.onnx");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                FixedBatchLoadMain.class.getName(), file.toString())
                .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String out = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
        String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out + err).isZero();
        assertThat(out).contains("maxBatch=1", "smoothgrad=150528", "occlusion=150528");
        assertThat(err.lines().filter(l -> l.toLowerCase(Locale.ROOT).contains("onnxruntime")))
                .as("native log lines on stderr").isEmpty();
    }
}
