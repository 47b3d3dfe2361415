package dev.salient.evaluation;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.ProgressListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metrics' qualitative findings on the real MobileNetV2 and the shared photos (the README states the measured
 * numbers; the benchmark EvaluationBenchmark reproduces the full table).
 */
class FaithfulnessOnMobileNetTest {
    /** Occlusion whose windows tile the 224×224 input exactly: 7 × 7 windows of 32 px. */
    private static final String OCCLUSION_32 = "occlusion-32";
    private static final List<String> COMPARED = List.of(OCCLUSION_32, "gradcam", "gradient", "gradient-x-input",
            "random");
    private static List<EvaluationCase> cases;

    @BeforeAll
    static void explainEveryPhoto() {
        cases = new ArrayList<>();
        for (String name : SharedPhotos.ALL) {
            SharedPhotos.Photo p = SharedPhotos.photo(name);
            for (String m : COMPARED) {
                EvaluationCase c = m.equals(OCCLUSION_32)
                        ? SharedPhotos.explain(p, AttributionMethods.create("occlusion", Map.of("window", "32", "stride", "32")))
                        : SharedPhotos.explain(p, m);
                cases.add(EvaluationCase.of(c.photo(), m, c.method(), c.request(), c.attribution(), c.aggregation(),
                        c.truth()));
            }
        }
    }

    @Test
    void occlusionAndGradCamDeleteFasterAndInsertFasterThanARandomMap() {
        List<EvaluationCase> compared = cases.stream().filter(c -> !c.methodName().startsWith("gradient")).toList();
        EvaluationReport report = EvaluationReport.run(compared, List.of(new Deletion(Deletion.DEFAULTS.withSteps(20)),
                new Insertion(Insertion.DEFAULTS.withSteps(20))), ProgressListener.NONE);
        double randomDeletion = report.mean("random", "deletion", "auc");
        double randomInsertion = report.mean("random", "insertion", "auc");
        for (String m : List.of(OCCLUSION_32, "gradcam")) {
            assertThat(report.mean(m, "deletion", "auc")).as(m + " deletion").isLessThan(randomDeletion);
            assertThat(report.mean(m, "insertion", "auc")).as(m + " insertion").isGreaterThan(randomInsertion);
        }
    }

    @Test
    void theModelsOwnOcclusionSensitivityDeletesBestWhenDeletionRemovesItsWindows() {
        // 49 steps of one 32×32 patch each, turned black as occlusion's windows were: occlusion measured exactly
        // these patches' effect, one at a time
        EvaluationReport report = EvaluationReport.run(cases, List.of(new Deletion(Deletion.DEFAULTS.withPatch(32)
                .withSteps(49).withSubstrate(Substrate.BLACK))), ProgressListener.NONE);
        assertThat(report.ranking(report.metrics().get(0)).get(0)).isEqualTo(OCCLUSION_32);
    }

    @Test
    void gradCamPointsIntoTheMarkedBoxOnMostPhotosAndBeatsTheCentre() {
        List<EvaluationCase> boxed = new ArrayList<>();
        for (String name : SharedPhotos.BOXED) {
            SharedPhotos.Photo p = SharedPhotos.photo(name);
            boxed.add(SharedPhotos.explain(p, "gradcam"));
            boxed.add(SharedPhotos.explain(p, "centre"));
        }
        EvaluationReport report = EvaluationReport.run(boxed, List.of(new PointingGame()), ProgressListener.NONE);
        double gradcam = report.mean("gradcam", "pointing-game", "hit");
        assertThat(gradcam).as("percent of photos hit").isGreaterThan(50);
        assertThat(gradcam).isGreaterThan(report.mean("centre", "pointing-game", "hit"));
    }

    @Test
    void theGradientForgetsARandomisedModelWhileGuidedBackpropKeepsLookingAlikeAndIsFlagged() {
        List<EvaluationCase> sanity = new ArrayList<>();
        for (String name : List.of("bird.bmp", "hot_dog.jpg")) {
            SharedPhotos.Photo p = SharedPhotos.photo(name);
            sanity.add(SharedPhotos.explain(p, "gradient"));
            sanity.add(SharedPhotos.explain(p, "guided-backprop"));
        }
        // three depths of MobileNetV2's 53 layers: the top 18, the top 36, all 53 randomised
        EvaluationReport report = EvaluationReport.run(sanity, List.of(new ModelRandomisation(
                new ModelRandomisation.Params(3, 0))), ProgressListener.NONE);
        assertThat(report.result("sanity-check", "bird.bmp", "gradient").curves().get(0).x())
                .containsExactly(0, 18, 36, 53);
        double gradient = report.mean("gradient", "sanity-check", "spearman-abs");
        double guided = report.mean("guided-backprop", "sanity-check", "spearman-abs");
        assertThat(gradient).as("gradient, all layers random").isLessThan(0.3);
        assertThat(guided).as("guided backprop, all layers random").isGreaterThan(gradient + 0.1);
        assertThat(report.mean("guided-backprop", "sanity-check", "ssim"))
                .isGreaterThan(1.5 * report.mean("gradient", "sanity-check", "ssim"));
        assertThat(report.mean("guided-backprop", "sanity-check", "cascade"))
                .isGreaterThan(3 * report.mean("gradient", "sanity-check", "cascade"));
        assertThat(report.failsSanityCheck("guided-backprop")).isTrue();
        assertThat(report.failsSanityCheck("gradient")).isFalse();
        assertThat(report.result("sanity-check", "bird.bmp", "guided-backprop").flags().toString())
                .contains("fails the sanity check");
    }
}
