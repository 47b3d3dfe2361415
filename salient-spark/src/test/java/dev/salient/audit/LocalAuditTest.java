package dev.salient.audit;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import dev.salient.render.AttributionRenderer;
import dev.salient.render.ChannelAggregation;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LocalAuditTest {
    @Test
    void everyImageGetsOneRowAndBadFilesBecomeErrorRows() {
        List<AuditRow> rows = AuditRuns.localRows();
        assertThat(rows).hasSize(AuditImages.files());
        Map<String, AuditRow> byPath = rows.stream().collect(Collectors.toMap(AuditRow::path, r -> r));
        assertThat(byPath.get(AuditImages.EMPTY).error()).contains("empty");
        assertThat(byPath.get(AuditImages.CORRUPT).error()).contains("JPEG");
        assertThat(byPath.get(AuditImages.BOMB).error()).contains("10000x10000").contains("megapixels");
        assertThat(byPath.get(AuditImages.BOMB).sha256()).hasSize(64);
        List<AuditRow> good = rows.stream().filter(r -> r.error() == null).toList();
        assertThat(good).hasSize(AuditImages.files() - 3);
        for (AuditRow r : good) {
            assertThat(r.map()).hasSize(MapStatistics.GRID * MapStatistics.GRID);
            assertThat(r.topClasses()).hasSize(5).startsWith(r.targetClass());
            assertThat(r.deletionAuc()).isBetween(0.0, 1.0);
            assertThat(r.methodParams()).containsEntry("layer", "");
            assertThat(Files.isRegularFile(AuditRuns.localOutput().resolve(AuditOutput.MAPS)
                    .resolve(AuditOutput.mapPicture(r.path())))).as(r.path()).isTrue();
        }
        LocalAudit.Result result = AuditRuns.localResult();
        assertThat(result.images()).isEqualTo(AuditImages.files());
        assertThat(result.errors()).isEqualTo(3);
        assertThat(AuditRuns.localOutput().resolve(AuditOutput.WORK)).doesNotExist();
    }

    @Test
    void eachRowIsWhatExplainGivesForThatImage() throws Exception {
        ImageClassifier classifier = AuditModel.classifier();
        AuditSettings settings = AuditModel.gradcam();
        List<AuditRow> rows = AuditRuns.localRows().stream().filter(r -> r.error() == null).toList();
        for (AuditRow row : rows.subList(0, 24)) {
            // what ExplainCommand does for one photo: classify (top 5), resolve the class, attribute
            float[] input = classifier.toInput(ImageDecoder.decode(AuditImages.dataset().resolve(row.path()),
                    ImageLimits.DEFAULT));
            Classification classification = classifier.classifyInput(input, 5);
            int target = classifier.resolveTarget("top1", classification);
            Attribution a = AttributionMethods.create("gradcam", Map.of())
                    .attribute(AttributionRequest.of(classifier, input, target, settings.head()));
            float[] expected = MapStatistics.grid(AttributionRenderer.map(classifier.preprocessing(), a,
                    ChannelAggregation.SIGNED_MEAN));
            assertThat(row.targetClass()).as(row.path()).isEqualTo(target);
            assertThat(row.topClasses()).isEqualTo(classification.top().stream().map(s -> s.index()).toList());
            assertThat(row.targetProbability()).isCloseTo(classification.best().probability(), within(1e-5));
            float scale = max(expected);
            for (int i = 0; i < expected.length; i++) {
                assertThat(row.map()[i]).as(row.path() + " cell " + i).isCloseTo(expected[i], within(1e-5f * scale));
            }
        }
    }

    private static float max(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
