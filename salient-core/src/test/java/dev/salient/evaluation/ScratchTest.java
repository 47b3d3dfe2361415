package dev.salient.evaluation;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.ProgressListener;
import dev.salient.render.ChannelAggregation;
import org.junit.jupiter.api.Test;

import java.util.*;

class ScratchTest {
    @Test
    void deletionSubstrates() {
        Deletion black = new Deletion();
        Deletion blur = new Deletion(Deletion.DEFAULTS.withSubstrate(Substrate.BLUR));
        Map<String, double[]> sums = new TreeMap<>();
        List<String> photos = List.of("bird.bmp", "cat.bmp", "dog.jpg", "eagle.jpg", "hot_dog.jpg", "parrot.jpg");
        for (String name : photos) {
            SharedPhotos.Photo p = SharedPhotos.photo(name);
            for (String m : List.of("gradcam", "occlusion", "random", "gradient")) {
                EvaluationCase c = SharedPhotos.explain(p, m);
                double a = black.evaluate(c, ProgressListener.NONE).score("auc");
                double b = blur.evaluate(c, ProgressListener.NONE).score("auc");
                sums.computeIfAbsent(m, k -> new double[2]);
                sums.get(m)[0] += a / photos.size();
                sums.get(m)[1] += b / photos.size();
                System.out.printf("%s %s black %.3f blur %.3f%n", name, m, a, b);
            }
        }
        sums.forEach((m, v) -> System.out.printf("MEAN %s black %.3f blur %.3f%n", m, v[0], v[1]));
    }

    @Test
    void sanityAggregations() {
        ModelRandomisation full = new ModelRandomisation(new ModelRandomisation.Params(1, 0));
        for (ChannelAggregation agg : List.of(ChannelAggregation.SIGNED_MEAN, ChannelAggregation.ABS_SUM, ChannelAggregation.ABS_MAX)) {
            List<EvaluationCase> cases = new ArrayList<>();
            for (String name : List.of("bird.bmp", "dog.jpg", "hot_dog.jpg")) {
                SharedPhotos.Photo p = SharedPhotos.photo(name);
                for (String m : List.of("gradient", "guided-backprop")) {
                    cases.add(EvaluationCase.explain(name, AttributionMethods.create(m), p.request(), agg, null, ProgressListener.NONE));
                }
            }
            EvaluationReport r = EvaluationReport.run(cases, List.of(full), ProgressListener.NONE);
            for (String m : r.methods()) {
                System.out.printf("%s %s rho|r| %.3f rho %.3f ssim %.3f%n", agg, m, r.mean(m, "sanity-check", "spearman-abs"),
                        r.mean(m, "sanity-check", "spearman"), r.mean(m, "sanity-check", "ssim"));
            }
        }
    }
}
