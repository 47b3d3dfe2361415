package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.IntegratedGradients;

import java.util.Locale;

/** What a removed pixel becomes (deletion) or what an unrevealed pixel shows (insertion). */
public enum Substrate {
    /** The model's black ({@link AttributionRequest#blackImage()}). */
    BLACK,
    /** The photo under a Gaussian blur: RISE's insertion substrate (σ = 5 px), and Salient's deletion default. */
    BLUR;

    /** The substrate image for a request, in its layout (the blur is integrated gradients' blurred baseline). */
    float[] image(AttributionRequest request, double blurSigma) {
        return this == BLACK ? request.blackImage() : new IntegratedGradients.Baseline.Blurred(blurSigma).of(request);
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
