package dev.salient.evaluation;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * KernelSHAP, LIME and XRAI delete faster than a random map on the real MobileNetV2 (deletion AUC with its default
 * blur substrate, as {@code salient evaluate} scores them), on two shared photos, each method at a reduced budget.
 */
class SuperpixelFaithfulnessTest {
    private static final Map<String, Map<String, String>> METHODS = Map.of(
            "kernel-shap", Map.of("coalitions", "200"),
            "lime", Map.of("coalitions", "200"),
            "xrai", Map.of("steps", "8"));

    @Test
    void eachDeletesFasterThanARandomMap() {
        List<EvaluationCase> cases = new ArrayList<>();
        for (String photo : List.of("bird.bmp", "cat.bmp")) {
            SharedPhotos.Photo p = SharedPhotos.photo(photo);
            METHODS.forEach((name, parameters) -> cases.add(SharedPhotos.explain(p,
                    AttributionMethods.create(name, parameters))));
            cases.add(SharedPhotos.explain(p, "random"));
        }
        EvaluationReport report = EvaluationReport.run(cases, List.of(new Deletion(Deletion.DEFAULTS.withSteps(20))),
                ProgressListener.NONE);
        double random = report.mean("random", "deletion", "auc");
        StringBuilder line = new StringBuilder(String.format("deletion AUC (bird, cat): random %.4f", random));
        for (String m : METHODS.keySet()) {
            double auc = report.mean(m, "deletion", "auc");
            line.append(String.format(", %s %.4f", m, auc));
            assertThat(auc).as(m).isLessThan(random);
        }
        System.out.println(line);
    }
}
