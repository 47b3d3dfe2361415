package dev.salient.testing;

import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.OnnxModel;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * The real models of {@code ../shared}, each opened once per test JVM and shared by every test that reads them:
 * a test never closes one (the JVM's exit frees them). A test about closing or options opens its own.
 */
public final class RealModels {
    private static ImageClassifier mobileNetV2;
    private static ImageClassifier coralQuantised;
    private static final Map<String, DifferentiableModel> REFERENCE = new HashMap<>();

    private RealModels() {}

    /** MobileNetV2 1.0 224 (float ONNX, NCHW, [0, 1] pixels), named "mobilenet_v2", with the 1001 ImageNet labels. */
    public static synchronized ImageClassifier mobileNetV2() {
        if (mobileNetV2 == null) {
            mobileNetV2 = ImageClassifier.load(new ResolvedModel("mobilenet_v2", SharedData.mobileNetV2(),
                    SharedData.labels1001(), null, "path", false), ModelConfig.EMPTY, EngineOptions.DEFAULT);
        }
        return mobileNetV2;
    }

    /**
     * The catalog's default model as a user gets it: Coral's quantised MobileNetV2 imported from TFLite (NHWC,
     * (pixel − 128)/128, raw tensor names of ~250 characters), named as in the catalog, with Coral's labels.
     */
    public static synchronized ImageClassifier coralQuantised() {
        if (coralQuantised == null) {
            coralQuantised = ImageClassifier.load(new ResolvedModel("mobilenet_v2_1.0_224_quant",
                    SharedData.path("mirror/mobilenet_v2_1.0_224_quant.tflite"),
                    SharedData.path("mirror/imagenet_labels.txt"), null, "path", false), ModelConfig.EMPTY,
                    EngineOptions.DEFAULT);
        }
        return coralQuantised;
    }

    /**
     * A PyTorch reference architecture, {@code reference/<name>.onnx} (random weights: for gradients, not
     * predictions), input "input" [1, 3, 224, 224], scores "logits".
     */
    public static synchronized DifferentiableModel reference(String name) {
        return REFERENCE.computeIfAbsent(name, n -> DifferentiableModel.open(
                OnnxModel.load(SharedData.path("reference/" + n + ".onnx")), "input", "logits",
                new long[]{1, 3, 224, 224}, EngineOptions.DEFAULT));
    }
}
