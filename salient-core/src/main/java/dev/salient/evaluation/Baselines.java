package dev.salient.evaluation;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethod;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ImageGeometry;
import dev.salient.attribution.ProgressListener;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Maps that know nothing of the model, to score real methods against: a method that does no better than these
 * explains nothing. Both are input-shaped, with one value per pixel repeated over the channels.
 */
public final class Baselines {
    /** Seed of the random map: fixed, so a report can be reproduced. */
    public static final long RANDOM_SEED = 20180615;

    private Baselines() {}

    /** Uniform noise in [0, 1) per pixel: the baseline of the deletion / insertion comparisons. */
    public static AttributionMethod random() {
        return new Baseline("random", (y, x, g, random) -> random.nextDouble());
    }

    /**
     * Minus the distance from the input's centre: its hottest point is the centre, the pointing game's centre
     * baseline (Zhang et al. 2016).
     */
    public static AttributionMethod centre() {
        return new Baseline("centre", (y, x, g, random) -> -Math.hypot(y + 0.5 - g.height() / 2.0,
                x + 0.5 - g.width() / 2.0));
    }

    /** Baseline names, for command lines. */
    public static List<String> names() {
        return List.of("random", "centre");
    }

    /** The baseline called {@code name}, or null when there is none. */
    public static AttributionMethod byName(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "random" -> random();
            case "centre", "center" -> centre();
            default -> null;
        };
    }

    private interface PixelValue {
        double at(int y, int x, ImageGeometry g, SplittableRandom random);
    }

    private record Baseline(String name, PixelValue value) implements AttributionMethod {
        @Override
        public Attribution attribute(AttributionRequest request, ProgressListener progress) {
            ProgressListener.check(progress, name);
            ImageGeometry g = request.geometry();
            SplittableRandom random = new SplittableRandom(RANDOM_SEED);
            float[] a = new float[g.size()];
            for (int y = 0; y < g.height(); y++) {
                for (int x = 0; x < g.width(); x++) {
                    float v = (float) value.at(y, x, g, random);
                    for (int c = 0; c < g.channels(); c++) {
                        a[g.index(c, y, x)] = v;
                    }
                }
            }
            progress.progress(1, 1);
            return new Attribution(a, request.inputShape(), true, Map.of());
        }
    }
}
