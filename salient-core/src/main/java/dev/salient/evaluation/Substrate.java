package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ImageGeometry;
import dev.salient.attribution.IntegratedGradients;

import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;

/** What a removed pixel becomes (deletion) or what an unrevealed pixel shows (insertion). */
public enum Substrate {
    /** The model's black ({@link AttributionRequest#blackImage()}). */
    BLACK,
    /** The photo under a Gaussian blur: RISE's insertion substrate (σ = 5 px), and Salient's deletion default. */
    BLUR;

    /**
     * The last blur of each photo still in use (keyed by the request's input array, weakly, so it goes with the
     * request): deletion and insertion of every map of a photo blur the same photo, 8–15 ms each time (224 × 224,
     * σ = 5).
     */
    private static final Map<float[], Blurred> BLURRED = Collections.synchronizedMap(new WeakHashMap<>());

    /** {@code image} is {@code photo} (as it was then, of that geometry) under a blur of σ = {@code sigma}. */
    private record Blurred(float[] photo, ImageGeometry geometry, double sigma, float[] image) {}

    /**
     * The substrate image for a request, in its layout (the blur is integrated gradients' blurred baseline); a copy
     * the caller may change. A blur is made once per photo content and σ, however many maps are scored on it.
     */
    float[] image(AttributionRequest request, double blurSigma) {
        if (this == BLACK) {
            return request.blackImage();
        }
        float[] photo = request.input();
        Blurred known = BLURRED.get(photo);
        if (known == null || known.sigma() != blurSigma || !known.geometry().equals(request.geometry())
                || !Arrays.equals(known.photo(), photo)) {
            known = new Blurred(photo.clone(), request.geometry(), blurSigma,
                    new IntegratedGradients.Baseline.Blurred(blurSigma).of(request));
            BLURRED.put(photo, known);
        }
        return known.image().clone();
    }

    /** {@code "black"} or {@code "blur"}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the choices */
    public static Substrate parse(String text) {
        for (Substrate s : values()) {
            if (s.label().equalsIgnoreCase(text.strip())) {
                return s;
            }
        }
        throw new IllegalArgumentException("substrate must be black or blur, got '" + text + "'");
    }
}
