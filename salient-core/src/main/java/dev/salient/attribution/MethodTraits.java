package dev.salient.attribution;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a method's map is like and what it costs: the facts the command line, the web app and the docs draw and
 * describe it by. How a map is drawn by default follows from {@link #map} and {@link #scale} by one rule, in
 * {@code dev.salient.render.DisplaySettings}.
 *
 * @param map        one value per input element ({@link MapKind#PIXEL}) or a layer's coarse [h, w] grid
 *                   ({@link MapKind#LAYER}); equals {@link Attribution#inputShaped()} of every result
 * @param signed     whether values can be negative (false: every value is ≥ 0, e.g. a ReLU'd Grad-CAM map)
 * @param scale      how the map is scaled when the caller does not say: {@link Scale#FIXED} for a method whose
 *                   values are comparable across photos at a fixed gain (the demo's gradient), otherwise per map
 * @param exportable whether {@link ExplainerExporter} can write it as a standalone ONNX model
 * @param cost       network passes one attribution takes
 * @param needs      the models it applies to; on another it throws {@link NotApplicableException}
 */
public record MethodTraits(MapKind map, boolean signed, Scale scale, boolean exportable, Cost cost, Needs needs) {
    public MethodTraits {
        Objects.requireNonNull(map, "map");
        Objects.requireNonNull(scale, "scale");
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(needs, "needs");
    }

    /** A method for any differentiable classifier. */
    public MethodTraits(MapKind map, boolean signed, Scale scale, boolean exportable, Cost cost) {
        this(map, signed, scale, exportable, cost, Needs.ANY_MODEL);
    }

    /** The models a method applies to. */
    public enum Needs {
        /** Any classifier (the spatial methods also need a spatial layer or an image input, as they say). */
        ANY_MODEL,
        /** A transformer with attention probabilities over a token grid ({@link AttentionRollout#attentions}). */
        ATTENTION
    }

    /** The shape of a method's map. */
    public enum MapKind {
        /** One value per input element (channels aggregated when drawn). */
        PIXEL,
        /** A layer's [h, w] grid, upsampled when drawn. */
        LAYER
    }

    /** How raw values become intensities. */
    public enum Scale {
        /** t = |v| · sensitivity: the demo's rule, comparable across photos. */
        FIXED,
        /** t = |v| / (a percentile of |v| over the map) · sensitivity / 20: each map fills the range. */
        PER_MAP
    }

    /**
     * Passes through the network one attribution makes at batch 1: a fixed part plus a part repeated per
     * {@code repeatedPer} (a parameter such as "samples", or "window positions"). A backward pass follows a forward
     * pass of the same run.
     *
     * @param forward      forward passes made once
     * @param backward     backward passes made once
     * @param forwardEach  forward passes made per repetition
     * @param backwardEach backward passes made per repetition
     * @param repeatedPer  what repeats, or null when nothing does
     */
    public record Cost(int forward, int backward, int forwardEach, int backwardEach, String repeatedPer) {
        /** One gradient: a forward and a backward pass. */
        public static final Cost ONE_GRADIENT = new Cost(1, 1, 0, 0, null);

        public Cost {
            if (forward < 0 || backward < 0 || forwardEach < 0 || backwardEach < 0
                    || (repeatedPer == null) != (forwardEach == 0 && backwardEach == 0)) {
                throw new IllegalArgumentException("a cost counts passes, and says what repeats exactly when some do");
            }
        }

        /** E.g. "1 forward + 1 backward pass", "2 forward + steps × (1 forward + 1 backward) passes". */
        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            String once = passes(forward, backward);
            if (!once.isEmpty()) {
                parts.add(once);
            }
            if (repeatedPer != null) {
                String each = passes(forwardEach, backwardEach);
                parts.add(repeatedPer + " × " + (each.contains("+") ? "(" + each + ")" : each));
            }
            return String.join(" + ", parts) + (parts.size() == 1 && repeatedPer == null
                    && forward + backward == 1 ? " pass" : " passes");
        }

        private static String passes(int forward, int backward) {
            List<String> p = new ArrayList<>();
            if (forward > 0) {
                p.add(forward + " forward");
            }
            if (backward > 0) {
                p.add(backward + " backward");
            }
            return String.join(" + ", p);
        }
    }
}
