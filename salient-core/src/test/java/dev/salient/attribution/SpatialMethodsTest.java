package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Grad-CAM family and occlusion on MobileNetV2. Boxes were marked by eye on the photos resized to 224×224
 * (x0, y0, x1, y1, inclusive): the dog in dog.jpg sits at the lower left, the chickadee fills bird.bmp's centre.
 */
class SpatialMethodsTest {
    private static final int[] DOG_BOX = {30, 80, 100, 215};
    private static final int[] BIRD_BOX = {15, 45, 165, 205}; // head and body; the tail runs on to x ≈ 210

    private static DifferentiableModel model;
    private static List<String> labels;

    @BeforeAll
    static void load() throws Exception {
        model = Fixtures.mobileNetV2();
        labels = Files.readAllLines(SharedData.labels1001());
    }

    /** The best-scoring class among ImageNet's dogs (1001-class indices 152..269). */
    private static int dogClass(float[] scores) {
        int best = 152;
        for (int c = 152; c <= 269; c++) {
            if (scores[c] > scores[best]) {
                best = c;
            }
        }
        return best;
    }

    @Test
    void spatialLayersEndAtTheLastSevenBySevenMap() {
        List<SpatialLayers.Layer> layers = SpatialLayers.find(model);
        assertThat(layers).hasSizeGreaterThan(10);
        SpatialLayers.Layer last = SpatialLayers.last(model);
        assertThat(last.shape()).containsExactly(1, 1280, 7, 7);
        // the in-graph normalisation ((x·255 − 128)/128) comes first at 224×224, then the stride-2 stem at 112×112
        assertThat(layers.get(0).height()).isEqualTo(224);
        assertThat(layers).anySatisfy(l -> assertThat(l.height()).isEqualTo(112));
        for (int i = 1; i < layers.size(); i++) {
            assertThat(layers.get(i).height()).isLessThanOrEqualTo(layers.get(i - 1).height());
        }
    }

    @Test
    void gradCamIsHotOnTheAnimal() {
        float[] dog = Fixtures.image("dog.jpg");
        float[] bird = Fixtures.image("bird.bmp");
        int dogClass = dogClass(model.forward(dog, 1));
        int birdClass = Fixtures.top1(model.forward(bird, 1));
        assertThat(labels.get(birdClass)).contains("chickadee");
        for (AttributionMethod m : List.of(new GradCam(), new GradCamPlusPlus())) {
            Attribution a = m.attribute(new AttributionRequest(model, dog, dogClass, TargetHead.LOGIT));
            assertThat(a.shape()).containsExactly(7, 7);
            assertThat(a.inputShaped()).isFalse();
            assertNonNegative(a.values());
            assertHottestIn(a, DOG_BOX, m.name() + " dog (" + labels.get(dogClass) + ")");

            Attribution b = m.attribute(new AttributionRequest(model, bird, birdClass, TargetHead.LOGIT));
            assertNonNegative(b.values());
            assertHottestIn(b, BIRD_BOX, m.name() + " bird");
        }
    }

    @Test
    void gradCamOnAChosenEarlierLayer() {
        float[] bird = Fixtures.image("bird.bmp");
        List<SpatialLayers.Layer> layers = SpatialLayers.find(model);
        SpatialLayers.Layer fourteen = layers.stream().filter(l -> l.height() == 14).reduce((x, y) -> y).orElseThrow();
        Attribution a = new GradCam(new GradCam.Params(fourteen.name()))
                .attribute(new AttributionRequest(model, bird, Fixtures.top1(model.forward(bird, 1))));
        assertThat(a.shape()).containsExactly(14, 14);
        assertNonNegative(a.values());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new GradCam(new GradCam.Params("no-such-layer"))
                        .attribute(new AttributionRequest(model, bird, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-layer");
    }

    @Test
    void guidedGradCamIsGuidedBackpropMaskedByTheUpsampledMap() {
        float[] bird = Fixtures.image("bird.bmp");
        AttributionRequest r = new AttributionRequest(model, bird, Fixtures.top1(model.forward(bird, 1)));
        Attribution ggc = new GuidedGradCam().attribute(r);
        Attribution gb = new GuidedBackprop().attribute(r);
        Attribution cam = new GradCam().attribute(r);
        assertThat(ggc.shape()).containsExactly(3, 224, 224);
        float[] up = Tensors.resizeBilinear(cam.values(), 7, 7, 224, 224);
        for (int i = 0; i < ggc.values().length; i += 31) {
            assertThat(ggc.values()[i]).isCloseTo(gb.values()[i] * up[i % (224 * 224)],
                    org.assertj.core.data.Offset.offset(1e-6f + 1e-4f * Math.abs(ggc.values()[i])));
        }
        float[] plain = new VanillaGradient().attribute(r).values();
        assertThat(gb.values()).isNotEqualTo(plain);
        assertThat(new Deconvnet().attribute(r).values()).isNotEqualTo(gb.values());
    }

    @Test
    void hidingTheTopOcclusionPatchHurtsMoreThanRandomPatches() {
        float[] bird = Fixtures.image("bird.bmp");
        int target = Fixtures.top1(model.forward(bird, 1));
        int win = 48;
        Attribution occ = new Occlusion(new Occlusion.Params(win, 16, 0f, 32))
                .attribute(new AttributionRequest(model, bird, target));
        assertThat(occ.shape()).containsExactly(3, 224, 224);
        // top-ranked window: the window position with the largest mean attribution
        int bestY = 0;
        int bestX = 0;
        double best = Double.NEGATIVE_INFINITY;
        for (int y = 0; y + win <= 224; y += 8) {
            for (int x = 0; x + win <= 224; x += 8) {
                double s = 0;
                for (int yy = y; yy < y + win; yy++) {
                    for (int xx = x; xx < x + win; xx++) {
                        s += occ.values()[yy * 224 + xx];
                    }
                }
                if (s > best) {
                    best = s;
                    bestX = x;
                    bestY = y;
                }
            }
        }
        float base = model.forward(bird, 1)[target];
        float topScore = model.forward(hide(bird, bestX, bestY, win), 1)[target];
        Random random = new Random(5);
        int patches = 8;
        float[] batch = new float[patches * bird.length];
        for (int p = 0; p < patches; p++) {
            System.arraycopy(hide(bird, random.nextInt(224 - win), random.nextInt(224 - win), win), 0, batch,
                    p * bird.length, bird.length);
        }
        float[] scores = model.forward(batch, patches);
        double meanRandomDrop = 0;
        for (int p = 0; p < patches; p++) {
            meanRandomDrop += (base - scores[p * model.classes() + target]) / patches;
        }
        System.out.printf("occlusion: top patch (%d,%d) drop %.3f, mean random drop %.3f%n", bestX, bestY,
                base - topScore, meanRandomDrop);
        assertThat((double) (base - topScore)).isGreaterThan(meanRandomDrop);
        assertThat(base - topScore).isGreaterThan(0f);
    }

    private static float[] hide(float[] x, int x0, int y0, int win) {
        float[] out = x.clone();
        for (int c = 0; c < 3; c++) {
            for (int y = y0; y < y0 + win; y++) {
                java.util.Arrays.fill(out, c * 224 * 224 + y * 224 + x0, c * 224 * 224 + y * 224 + x0 + win, 0f);
            }
        }
        return out;
    }

    private static void assertNonNegative(float[] values) {
        for (float v : values) {
            assertThat(v).isGreaterThanOrEqualTo(0f);
        }
    }

    /** The centre of the hottest map cell, in the 224×224 frame, lies inside the box. */
    private static void assertHottestIn(Attribution a, int[] box, String what) {
        int h = (int) a.shape()[0];
        int w = (int) a.shape()[1];
        int best = 0;
        for (int i = 1; i < a.values().length; i++) {
            if (a.values()[i] > a.values()[best]) {
                best = i;
            }
        }
        double cy = (best / w + 0.5) * 224.0 / h;
        double cx = (best % w + 0.5) * 224.0 / w;
        System.out.printf("%s: hottest cell centre (%.0f, %.0f)%n", what, cx, cy);
        assertThat(cx).as(what + " x").isBetween((double) box[0], (double) box[2]);
        assertThat(cy).as(what + " y").isBetween((double) box[1], (double) box[3]);
    }
}
