package dev.salient.audit;

import dev.salient.autodiff.TargetHead;
import dev.salient.catalog.ResolvedModel;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import dev.salient.testing.SharedData;

import java.util.Map;

/** MobileNetV2 from ../shared, opened once per test JVM, with its bundle and the settings the tests audit with. */
public final class AuditModel {
    private static ImageClassifier classifier;
    private static ModelBundle bundle;

    private AuditModel() {}

    public static synchronized ImageClassifier classifier() {
        if (classifier == null) {
            classifier = ImageClassifier.load(SharedData.mobileNetV2());
        }
        return classifier;
    }

    public static synchronized ModelBundle bundle() {
        if (bundle == null) {
            bundle = ModelBundle.of(new ResolvedModel("mobilenet_v2_1.0_224", SharedData.mobileNetV2(), null, null,
                    "path", false), ModelConfig.EMPTY, classifier());
        }
        return bundle;
    }

    /** Grad-CAM of the top class with the deletion metric and map pictures: every column filled. */
    public static AuditSettings gradcam() {
        return AuditSettings.of("gradcam", Map.of(), "top1", TargetHead.LOG_PROBABILITY, 5, true, true);
    }
}
