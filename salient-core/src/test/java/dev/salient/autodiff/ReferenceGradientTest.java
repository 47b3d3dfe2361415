package dev.salient.autodiff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.GradientResult;
import dev.salient.engine.GradientSession;
import dev.salient.graph.OnnxModel;
import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import dev.salient.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine against PyTorch autograd (float64) on torchvision architectures with seeded random weights (CNNs,
 * ShuffleNetV2's computed channel split, a small ViT and ConvNeXt with LayerNorm decomposed at opset 13 and as one
 * op at 17): logits, d logit[target] / d input and d log_softmax[target] / d input, batch of two.
 */
class ReferenceGradientTest {
    @ParameterizedTest
    @ValueSource(strings = {"efficientnet_b0", "mobilenet_v3_small", "squeezenet1_1", "shufflenet_v2_x1_0", "vit_s6",
            "vit_s6_op17", "convnext_femto", "convnext_femto_op17"})
    void matchesPyTorchAutograd(String arch) throws IOException {
        JsonNode ref = new ObjectMapper().readTree(SharedData.path("reference/" + arch + ".ref.json").toFile());
        OnnxModel model = OnnxModel.load(SharedData.path("reference/" + arch + ".onnx"));
        String input = model.runtimeInputs().get(0).getName();
        String output = model.graph().getOutput(0).getName();
        float[] x = readFloats(SharedData.path("reference/" + arch + ".input.f32"));
        float[] logits = readFloats(SharedData.path("reference/" + arch + ".logits.f32"));
        float[] gradLogit = readFloats(SharedData.path("reference/" + arch + ".grad_logit.f32"));
        float[] gradLogProb = readFloats(SharedData.path("reference/" + arch + ".grad_logprob.f32"));
        int[] targets = {ref.get("targets").get(0).asInt(), ref.get("targets").get(1).asInt()};

        try (DifferentiableModel dm = DifferentiableModel.open(model, input, output, new long[]{1, 3, 224, 224},
                EngineOptions.DEFAULT)) {
            int classes = dm.classes();
            float[] seeds = new float[2 * classes];
            seeds[targets[0]] = 1f;
            seeds[classes + targets[1]] = 1f;

            GradientSession logitSession = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 2);
            GradientResult byLogit = logitSession.run(x, seeds, 2);
            assertThat(relativeError(byLogit.scores(), logits)).as("logits").isLessThan(1e-4);
            assertThat(relativeError(byLogit.inputGradient(), gradLogit)).as("grad logit")
                    .isLessThan(bar(ref, "grad_logit"));
            assertThat(byLogit.target()[0]).isCloseTo(logits[targets[0]], org.assertj.core.data.Offset.offset(1e-3f));

            GradientSession logProbSession = dm.gradientSession(TargetHead.LOG_PROBABILITY, RuleTable.standard(),
                    List.of(), 2);
            GradientResult byLogProb = logProbSession.run(x, seeds, 2);
            assertThat(relativeError(byLogProb.inputGradient(), gradLogProb)).as("grad log-prob")
                    .isLessThan(bar(ref, "grad_logprob"));

            System.out.printf("%s: relative L2 error logits %.2e, grad logit %.2e, grad log-prob %.2e%n", arch,
                    relativeError(byLogit.scores(), logits), relativeError(byLogit.inputGradient(), gradLogit),
                    relativeError(byLogProb.inputGradient(), gradLogProb));
            float[] forward = dm.forward(x, 2);
            assertThat(relativeError(forward, logits)).as("forward-only logits").isLessThan(1e-4);
        }
    }

    /** Through the classifier facade (graph inputs and outputs inferred, no sidecar): each item's logits and top-1. */
    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v2_x1_0", "vit_s6", "vit_s6_op17", "convnext_femto", "convnext_femto_op17"})
    void classifiesLikePyTorch(String arch) throws IOException {
        float[] x = readFloats(SharedData.path("reference/" + arch + ".input.f32"));
        float[] logits = readFloats(SharedData.path("reference/" + arch + ".logits.f32"));
        try (ImageClassifier classifier = ImageClassifier.load(SharedData.path("reference/" + arch + ".onnx"))) {
            int items = 2;
            int size = x.length / items;
            int classes = logits.length / items;
            for (int b = 0; b < items; b++) {
                Classification c = classifier.classifyInput(Arrays.copyOfRange(x, b * size, (b + 1) * size), 1);
                float[] expected = Arrays.copyOfRange(logits, b * classes, (b + 1) * classes);
                assertThat(relativeError(c.logits(), expected)).as("%s item %d logits", arch, b).isLessThan(1e-4);
                int argmax = 0;
                for (int k = 1; k < classes; k++) {
                    argmax = expected[k] > expected[argmax] ? k : argmax;
                }
                assertThat(c.best().index()).as("%s item %d top-1", arch, b).isEqualTo(argmax);
            }
        }
    }

    /**
     * max(1e-3, 3 × float32_floor): the floor is PyTorch's own float32 error against its float64 reference (badly
     * conditioned random-weight ReLU nets sit far above 1e-3); references without one get 1e-3.
     */
    static double bar(JsonNode ref, String tensor) {
        JsonNode floor = ref.path("float32_floor").path(tensor);
        return Math.max(1e-3, floor.isNumber() ? 3 * floor.asDouble() : 0);
    }

    static double relativeError(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(diff / Math.max(norm, 1e-30)); // an all-zero expectation compares absolutely
    }

    static float[] readFloats(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(out);
        return out;
    }
}
