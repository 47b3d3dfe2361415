package dev.salient.evaluation;

import dev.salient.attribution.ImageGeometry;
import dev.salient.attribution.ProgressListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deletion and insertion build each step's input from the step before ({@link PixelCurve.Steps}); on a real photo
 * and map that must give, bit for bit, the inputs and the curve of building every step from scratch, as the
 * definition reads: x^(i) = start with the first n_i pixels of the order taken from the source.
 */
class PixelCurveStepsTest {
    private static EvaluationCase gradCamOnDog;

    @BeforeAll
    static void explain() {
        gradCamOnDog = SharedPhotos.explain(SharedPhotos.photo("dog.jpg"), "gradcam");
    }

    /** Deletion and insertion with their defaults, and by 7-pixel patches into black in 13 steps. */
    private static List<PixelCurve> curves() {
        return List.of(new Deletion(), new Insertion(),
                new Deletion(Deletion.DEFAULTS.withPatch(7).withSubstrate(Substrate.BLACK).withSteps(13)));
    }

    @Test
    void everyStepsInputIsTheOneBuiltFromScratchBitForBit() {
        for (PixelCurve metric : curves()) {
            PixelCurve.Steps steps = metric.steps(gradCamOnDog);
            int k = metric.params().steps();
            int n = steps.start.length;
            // in order, as the batches ask, then back to earlier steps
            int[] asked = new int[k + 1 + 3];
            for (int i = 0; i <= k; i++) {
                asked[i] = i;
            }
            asked[k + 1] = k / 2;
            asked[k + 2] = 0;
            asked[k + 3] = k;
            for (int item : asked) {
                float[] incremental = new float[2 * n];
                float[] fromScratch = new float[2 * n];
                steps.fill(item, incremental, n);
                fromScratch(steps, item, fromScratch, n);
                // Arrays.mismatch compares floats by their bits (-0 ≠ 0): -1 when identical, else the first difference
                assertThat(Arrays.mismatch(incremental, fromScratch)).as(metric.name() + " step " + item).isEqualTo(-1);
            }
        }
    }

    @Test
    void theCurveIsTheOneOfInputsBuiltFromScratchBitForBit() {
        for (PixelCurve metric : curves()) {
            PixelCurve.Params params = metric.params().withBatch(8);
            PixelCurve fixedBatch = metric instanceof Deletion ? new Deletion(params) : new Insertion(params);
            PixelCurve.Steps steps = fixedBatch.steps(gradCamOnDog);
            double[] expected = TargetProbability.of(gradCamOnDog.request(), params.steps() + 1, params.batch(),
                    (item, dst, offset) -> fromScratch(steps, item, dst, offset), ProgressListener.NONE, "reference");
            double[] actual = fixedBatch.evaluate(gradCamOnDog, ProgressListener.NONE).curves().get(0).y();
            assertThat(Arrays.mismatch(actual, expected)).as(metric.name()).isEqualTo(-1);
        }
    }

    /** The definition: start, then the first takenAt[item] pixels of the order (all channels) from the source. */
    private static void fromScratch(PixelCurve.Steps steps, int item, float[] dst, int offset) {
        ImageGeometry g = steps.geometry;
        System.arraycopy(steps.start, 0, dst, offset, steps.start.length);
        for (int j = 0; j < steps.takenAt[item]; j++) {
            int y = steps.order[j] / g.width();
            int x = steps.order[j] % g.width();
            for (int ch = 0; ch < g.channels(); ch++) {
                dst[offset + g.index(ch, y, x)] = steps.source[g.index(ch, y, x)];
            }
        }
    }
}
