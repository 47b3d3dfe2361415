package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ImageGeometry;
import dev.salient.attribution.IntegratedGradients;
import dev.salient.attribution.ProgressListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deletion and insertion build each step's input from the step before ({@link PixelCurve.Steps}); on a real photo
 * and map that must give, bit for bit, the inputs and the curve of building every step from scratch, as the
 * definition reads: x^(i) = start with the first n_i pixels of the order taken from the source. The blurred
 * substrate and the pixel order they share are made once per photo and map, and must still be the right ones when
 * the photo or the curve's seed and patch change.
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

    @Test
    void theBlurSubstrateIsMadeOncePerPhotoButAlwaysIsThePhotosBlurAsItIsNow() {
        AttributionRequest dog = gradCamOnDog.request();
        float[] photo = dog.input().clone();
        AttributionRequest r = new AttributionRequest(dog.model(), photo, dog.targetClass(), dog.head(), dog.layout(),
                dog.black(), dog.white());
        IntegratedGradients.Baseline.Blurred blur = new IntegratedGradients.Baseline.Blurred(5);
        float[] first = Substrate.BLUR.image(r, 5);
        assertThat(Arrays.mismatch(first, blur.of(r))).isEqualTo(-1);
        Arrays.fill(first, 0f); // a caller's copy: changing it changes nothing kept
        assertThat(Arrays.mismatch(Substrate.BLUR.image(r, 5), blur.of(r))).isEqualTo(-1);
        assertThat(Arrays.mismatch(Substrate.BLUR.image(r, 2), new IntegratedGradients.Baseline.Blurred(2).of(r)))
                .isEqualTo(-1);
        Arrays.fill(photo, 0, photo.length / 3, 1f); // the same array, another photo
        assertThat(Arrays.mismatch(Substrate.BLUR.image(r, 5), blur.of(r))).isEqualTo(-1);
    }

    @Test
    void thePixelOrderKeptForAMapIsTheOneOfTheCurvesOwnSeedAndPatch() {
        float[] relevance = gradCamOnDog.relevance().values();
        for (long seed : new long[]{0, 3, 0}) { // Grad-CAM's many equal values: the seed decides their order
            Deletion deletion = new Deletion(new PixelCurve.Params(4, Substrate.BLACK, 5, 8, seed, 1));
            Insertion insertion = new Insertion(new PixelCurve.Params(4, Substrate.BLACK, 5, 8, seed, 1));
            int[] expected = Relevance.mostRelevantFirst(relevance, seed);
            assertThat(Arrays.mismatch(deletion.steps(gradCamOnDog).order, expected)).as("seed " + seed).isEqualTo(-1);
            assertThat(Arrays.mismatch(insertion.steps(gradCamOnDog).order, expected)).as("seed " + seed).isEqualTo(-1);
        }
        // by 7-pixel patches the first 49 pixels are one patch, the one of the highest mean
        int[] byPatches = new Deletion(Deletion.DEFAULTS.withPatch(7)).steps(gradCamOnDog).order;
        int w = gradCamOnDog.relevance().width();
        int firstPatch = Relevance.mostRelevantFirst(PixelCurve.patchMeans(relevance, w, w, 7), 0)[0];
        for (int j = 0; j < 49; j++) {
            assertThat(byPatches[j] / w / 7 * (w / 7) + byPatches[j] % w / 7).isEqualTo(firstPatch);
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
