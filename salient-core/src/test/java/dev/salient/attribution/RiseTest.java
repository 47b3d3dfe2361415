package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.image.Layout;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static dev.salient.attribution.GradientMethodsTest.relativeError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * RISE on MobileNetV2 and bird.bmp: the same seed gives the same map whatever the batch size, the map converges as
 * masks are added (the map at N agrees better with the map at 2N for larger N), and deleting pixels in the map's
 * order lowers the class probability faster than deleting them in a random order (deletion AUC, Petsiuk et al.).
 */
class RiseTest {
    private static AttributionRequest request() {
        DifferentiableModel model = Fixtures.mobileNetV2();
        float[] bird = Fixtures.image("bird.bmp");
        return new AttributionRequest(model, bird, Fixtures.top1(model.forward(bird, 1)), TargetHead.PROBABILITY,
                Layout.NCHW);
    }

    private static float[] rise(AttributionRequest request, int masks, long seed, int batch) {
        return new Rise(new Rise.Params(masks, 7, 0.5, seed, batch, Batching.DEFAULT_MEMORY_BUDGET))
                .attribute(request).values();
    }

    @Test
    void seededMapsRepeatAcrossBatchSizesAndDifferAcrossSeeds() {
        AttributionRequest request = request();
        float[] a = rise(request, 24, 3, 8);
        float[] again = rise(request, 24, 3, 8);
        float[] otherBatch = rise(request, 24, 3, 5);
        float[] otherSeed = rise(request, 24, 4, 8);
        assertThat(again).containsExactly(a);
        assertThat(relativeError(otherBatch, a)).as("batch size does not change the masks").isLessThan(1e-4);
        assertThat(relativeError(otherSeed, a)).as("another seed").isGreaterThan(1e-1);
    }

    @Test
    void mapConvergesAsMasksAreAdded() {
        AttributionRequest request = request();
        double previous = -1;
        StringBuilder line = new StringBuilder("RISE, correlation of the map at N with the map at 2N (seed 1):");
        for (int n : new int[]{16, 64, 256}) {
            double c = NhwcLayoutTest.correlation(rise(request, n, 1, 16), rise(request, 2 * n, 1, 16));
            line.append(String.format(" N=%d %.3f", n, c));
            assertThat(c).as("N = " + n).isGreaterThan(previous);
            previous = c;
        }
        System.out.println(line);
        assertThat(previous).isGreaterThan(0.8);
    }

    @Test
    void deletingInTheMapsOrderLowersTheScoreFasterThanARandomOrder() {
        AttributionRequest request = request();
        float[] map = rise(request, 500, 1, 16);
        float[] random = new float[map.length];
        Random r = new Random(7);
        for (int i = 0; i < random.length; i++) {
            random[i] = r.nextFloat();
        }
        double rise = deletionAuc(request, map);
        double chance = deletionAuc(request, random);
        System.out.printf("RISE (500 masks) deletion AUC %.4f, random map %.4f (probability of the class, 16 steps)%n",
                rise, chance);
        assertThat(rise).isLessThan(chance);
    }

    /**
     * Mean class probability as the photo's pixels are set to black in order of decreasing map value (channel 0 of
     * the map, which RISE repeats over channels), at 0, 1/16, ..., 16/16 of the pixels.
     */
    static double deletionAuc(AttributionRequest request, float[] map) {
        ImageGeometry geo = request.geometry();
        int pixels = geo.height() * geo.width();
        Integer[] order = IntStream.range(0, pixels).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> -map[geo.index(0, i / geo.width(), i % geo.width())]));
        int steps = 16;
        int n = request.input().length;
        float[] batch = new float[(steps + 1) * n];
        float[] x = request.input().clone();
        for (int s = 0; s <= steps; s++) {
            if (s > 0) {
                for (int k = (s - 1) * pixels / steps; k < s * pixels / steps; k++) {
                    for (int c = 0; c < geo.channels(); c++) {
                        x[geo.index(c, order[k] / geo.width(), order[k] % geo.width())] = request.black(c);
                    }
                }
            }
            System.arraycopy(x, 0, batch, s * n, n);
        }
        int classes = request.model().classes();
        float[] out = request.model().forward(batch, steps + 1);
        double sum = 0;
        for (int s = 0; s <= steps; s++) {
            sum += Tensors.head(out, s * classes, classes, request.targetClass(), TargetHead.PROBABILITY);
        }
        return sum / (steps + 1);
    }
}
