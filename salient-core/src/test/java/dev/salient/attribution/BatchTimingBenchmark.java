package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.GradientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;
import java.util.List;

/**
 * Measures per-image gradient time at batch 1/4/8/16 on MobileNetV2 (the numbers in {@link Batching}'s Javadoc).
 * Run with {@code -Dsalient.bench=true}; also renders the test photos to target/photos for marking boxes.
 */
@EnabledIfSystemProperty(named = "salient.bench", matches = "true")
class BatchTimingBenchmark {
    @Test
    void perImageTime() throws Exception {
        for (String p : List.of("dog.jpg", "bird.bmp")) {
            Fixtures.writePng(p, Path.of("target/photos/" + p + ".png"));
        }
        DifferentiableModel m = Fixtures.mobileNetV2();
        System.out.println("bytes per item estimate: " + Batching.bytesPerItem(m));
        float[] x = Fixtures.image("dog.jpg");
        for (int batch : new int[]{1, 4, 8, 16}) {
            try (GradientSession.Lease s = m.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), batch)) {
                float[] in = new float[batch * x.length];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(x, 0, in, b * x.length, x.length);
                }
                float[] seeds = new float[batch * m.classes()];
                for (int b = 0; b < batch; b++) {
                    seeds[b * m.classes() + 1] = 1;
                }
                s.run(in, seeds, batch); // warm-up
                int reps = Math.max(2, 32 / batch);
                long t0 = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    s.run(in, seeds, batch);
                }
                double perImage = (System.nanoTime() - t0) / 1e6 / reps / batch;
                System.out.printf("batch %d: %.1f ms per image%n", batch, perImage);
            }
        }
    }
}
