package dev.salient.audit;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.autodiff.TargetHead;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Resampler;
import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import dev.salient.render.AttributionRenderer;
import dev.salient.render.AttributionMap;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DeletionCurveTest {
    @Test
    void deletingWhatGradCamPointsAtHurtsTheClassFasterThanDeletingTheRest() {
        ImageClassifier classifier = AuditModel.classifier();
        float[] input = classifier.toInput(ImageDecoder.decode(SharedData.image("bird.bmp"), ImageLimits.DEFAULT));
        Classification c = classifier.classifyInput(input, 1);
        AttributionRequest request = AttributionRequest.of(classifier, input, c.best().index(),
                TargetHead.LOG_PROBABILITY);
        AttributionMap map = AttributionRenderer.map(classifier.preprocessing(),
                AttributionMethods.create("gradcam").attribute(request), ImageAuditor.AGGREGATION);
        float[] relevance = Resampler.resize(map.values(), map.width(), map.height(), 1, 224, 224);
        float[] reversed = new float[relevance.length];
        for (int i = 0; i < relevance.length; i++) {
            reversed[i] = -relevance[i];
        }
        double p0 = c.best().probability();
        double byMap = DeletionCurve.auc(classifier, request, relevance, p0);
        double byReverse = DeletionCurve.auc(classifier, request, reversed, p0);
        assertThat(byMap).isBetween(0.0, p0);
        assertThat(byMap).isLessThan(byReverse * 0.7);
    }
}
