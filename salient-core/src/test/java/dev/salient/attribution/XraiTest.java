package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.image.Layout;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * XRAI: the greedy loop on a hand-made case, and on MobileNetV2 and bird.bmp that its regions partition the image,
 * each carries the mean attribution of its pixels, each was the densest candidate left when it was added, and the
 * map paints each pixel with its region's density.
 */
class XraiTest {
    private static int[] rows(int from, int to, int width) {
        return IntStream.range(from * width, to * width).toArray();
    }

    @Test
    void greedyLoopTakesTheDensestCandidateAndSkipsThoseAddingFewerThan50Pixels() {
        int w = 20;
        double[] a = new double[400];
        Arrays.fill(a, 200, 400, 1.0); // the bottom half matters
        int[] small = IntStream.range(0, 30).toArray(); // densest of all, but only 30 pixels
        Arrays.fill(a, 0, 30, 5.0);
        List<int[]> candidates = List.of(small, rows(0, 10, w), rows(10, 20, w), rows(0, 20, w));
        List<Xrai.Region> regions = Xrai.regions(a, candidates);
        assertThat(regions).hasSize(2);
        assertThat(regions.get(0).pixels()).containsExactly(rows(10, 20, w));
        assertThat(regions.get(0).gain()).isEqualTo(1.0);
        assertThat(regions.get(1).pixels()).containsExactly(rows(0, 10, w));
        assertThat(regions.get(1).gain()).isCloseTo(5.0 * 30 / 200, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void dilationIsADiskAndScalesAreChecked() {
        int[] dilated = Xrai.dilate(new int[]{5 * 11 + 5}, 11, 11, 2);
        assertThat(dilated).hasSize(13); // the lattice points within distance 2
        assertThat(Xrai.scales(" 50, 100 ,1200")).containsExactly(50, 100, 1200);
        assertThatThrownBy(() -> AttributionMethods.create("xrai", Map.of("scales", "50,-1")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("scales");
        assertThatThrownBy(() -> AttributionMethods.create("xrai", Map.of("scales", "fifty")))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("scales");
    }

    @Test
    void regionsPartitionTheImageInOrderOfDensityAndTheMapShowsEachRegionsDensity() {
        DifferentiableModel model = Fixtures.mobileNetV2();
        float[] bird = Fixtures.image("bird.bmp");
        AttributionRequest request = new AttributionRequest(model, bird, Fixtures.top1(model.forward(bird, 1)),
                TargetHead.LOGIT, Layout.NCHW);
        ImageGeometry geo = request.geometry();
        Xrai xrai = new Xrai(new Xrai.Params(8, Xrai.PathBaselines.BLACK_AND_WHITE,
                new double[]{50, 100, 150, 250, 500, 1200}, 5, 8, Batching.DEFAULT_MEMORY_BUDGET));
        double[] a = Xrai.channelMax(xrai.integratedGradients(request, ProgressListener.NONE), geo);
        List<int[]> candidates = xrai.candidates(request);
        List<Xrai.Region> regions = Xrai.regions(a, candidates);
        System.out.printf("XRAI on bird.bmp: %d candidate regions over 6 scales, %d regions added%n",
                candidates.size(), regions.size());
        assertThat(candidates.size()).isGreaterThan(6);

        int[] owner = new int[a.length];
        Arrays.fill(owner, -1);
        boolean[] covered = new boolean[a.length];
        for (int r = 0; r < regions.size(); r++) {
            Xrai.Region region = regions.get(r);
            double mean = 0;
            for (int p : region.pixels()) {
                assertThat(owner[p]).as("pixel " + p + " in one region").isEqualTo(-1);
                owner[p] = r;
                mean += a[p] / region.pixels().length;
            }
            assertThat(region.gain()).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-9 * (1 + Math.abs(mean))));
            // no candidate had a higher density of new pixels (the last, uncovered rest is left when none adds 50)
            for (int[] c : candidates) {
                int fresh = 0;
                double sum = 0;
                for (int p : c) {
                    if (!covered[p]) {
                        fresh++;
                        sum += a[p];
                    }
                }
                if (fresh >= Xrai.MIN_NEW_PIXELS) {
                    assertThat(sum / fresh).as("region " + r).isLessThanOrEqualTo(region.gain() + 1e-12);
                }
            }
            for (int p : region.pixels()) {
                covered[p] = true;
            }
        }
        assertThat(owner).as("every pixel in a region").doesNotContain(-1);

        float[] map = xrai.attribute(request).values();
        for (int p = 0; p < a.length; p++) {
            float v = (float) regions.get(owner[p]).gain();
            for (int c = 0; c < geo.channels(); c++) {
                assertThat(map[geo.index(c, p / geo.width(), p % geo.width())]).isEqualTo(v);
            }
        }
    }
}
