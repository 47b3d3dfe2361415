package dev.salient.evaluation;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.*;

class ScratchTest {
    @Test
    void patchDeletion() {
        Deletion patches = new Deletion(Deletion.DEFAULTS.withPatch(32).withSteps(49));
        Map<String, Double> sums = new TreeMap<>();
        List<String> photos = SharedPhotos.ALL;
        for (String name : photos) {
            SharedPhotos.Photo p = SharedPhotos.photo(name);
            List<EvaluationCase> cs = new ArrayList<>();
            cs.add(SharedPhotos.explain(p, AttributionMethods.create("occlusion", Map.of("window", "32", "stride", "32"))));
            for (String m : List.of("occlusion", "gradcam", "gradient", "gradient-x-input", "guided-backprop", "random", "centre")) {
                cs.add(SharedPhotos.explain(p, m));
            }
            for (int i = 0; i < cs.size(); i++) {
                String key = i == 0 ? "occlusion-32-32" : cs.get(i).methodName();
                double a = patches.evaluate(cs.get(i), ProgressListener.NONE).score("auc");
                sums.merge(key, a / photos.size(), Double::sum);
                System.out.printf("%s %s %.3f%n", name, key, a);
            }
        }
        sums.forEach((m, v) -> System.out.printf("MEAN %s %.3f%n", m, v));
    }
}
