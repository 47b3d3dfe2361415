package dev.salient.attribution;

import dev.salient.engine.ChunkKind;

import java.util.List;
import java.util.Map;

/**
 * Occlusion (Zeiler &amp; Fergus 2014), forward passes only: a window of the baseline value slides over the image
 * (all channels at once); A_cij = mean over windows W ∋ (i, j) of F_c(x) − F_c(x with W replaced by the baseline).
 * Many occluded copies go through each forward call. Needs an image input with a known layout
 * ({@link AttributionRequest#layout()}, NCHW or NHWC); the result has the input's shape and layout.
 */
public final class Occlusion implements AttributionMethod {
    /**
     * @param window        square window side in pixels
     * @param stride        step between windows in pixels
     * @param baselineValue value written into the window; NaN (the default) writes a black photo's model-space
     *                      value from the request ({@link AttributionRequest#black}); a number is used as it is (model space; 0 is black for the shared ONNX MobileNets,
     *                      which take [0, 1] pixels, but mid-grey for the Coral TFLite MobileNetV2, whose black is −1)
     * @param batchSize     occluded copies per forward call; {@link Batching#AUTO}: measured, within
     *                      {@link Batching#DEFAULT_MEMORY_BUDGET}
     */
    public record Params(int window, int stride, float baselineValue, int batchSize) {
        public Params {
            if (window < 1) {
                throw new IllegalArgumentException("window must be at least 1 pixel: " + window);
            }
            if (stride < 1) {
                throw new IllegalArgumentException("stride must be at least 1 pixel: " + stride);
            }
            if (batchSize < 0) {
                throw new IllegalArgumentException("batch must be 0 (measured) or more: " + batchSize);
            }
        }

        public static Params defaults() {
            return new Params(32, 16, Float.NaN, Batching.DEFAULT_BATCH);
        }
    }

    private static final Params DEFAULTS = Params.defaults();
    static final ParameterDescription<Integer> WINDOW = ParameterDescription.integer("window", "Window",
            DEFAULTS.window(), 1, 1024, "px", "side of the square that is occluded");
    static final ParameterDescription<Integer> STRIDE = ParameterDescription.integer("stride", "Stride",
            DEFAULTS.stride(), 1, 1024, "px", "step between occluded windows");
    /** Text: "black" (the default, NaN in {@link Params}) or a value in model input units. */
    static final ParameterDescription<String> BASELINE = ParameterDescription.text("baseline", "Baseline", "black",
            "what fills the occluded window: black, or a value in model input units");

    public static final MethodDescription DESCRIPTION = new MethodDescription("occlusion", "Occlusion",
            "mean over windows W ∋ pixel of F_c(x) − F_c(x with W replaced by the baseline): forward passes only",
            List.of(WINDOW, STRIDE, BASELINE, ChunkParameters.BATCH),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    new MethodTraits.Cost(1, 0, 1, 0, "window positions")),
            values -> new Occlusion(new Params(values.get(WINDOW), values.get(STRIDE),
                    baselineValue(values.get(BASELINE)), values.get(ChunkParameters.BATCH))));

    /** NaN (the request's black) for "black", else the number. */
    private static float baselineValue(String text) {
        if (text.equalsIgnoreCase("black")) {
            return Float.NaN;
        }
        try {
            float v = Float.parseFloat(text);
            if (Float.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw BASELINE.rejection(Occlusion.DESCRIPTION.subject(BASELINE.name()), text, "black or a finite number");
    }

    private final Params params;

    public Occlusion(Params params) {
        this.params = params;
    }

    public Params params() {
        return params;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    /** Window origins along one axis of length {@code size}: every stride, plus one flush with the far edge. */
    static int[] origins(int size, int window, int stride) {
        if (window >= size) {
            return new int[]{0};
        }
        java.util.List<Integer> o = new java.util.ArrayList<>();
        for (int p = 0; p + window <= size; p += stride) {
            o.add(p);
        }
        if (o.get(o.size() - 1) + window < size) {
            o.add(size - window);
        }
        return o.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ImageGeometry geo = request.geometry();
        int c = geo.channels();
        int h = geo.height();
        int w = geo.width();
        int win = Math.min(params.window(), Math.min(h, w));
        int[] ys = origins(h, win, params.stride());
        int[] xs = origins(w, win, params.stride());
        int total = ys.length * xs.length;
        float[] x = request.input();
        int n = x.length;
        int classes = request.model().classes();
        int target = request.targetClass();
        double fx = Tensors.head(request.model().forward(x, 1), 0, classes, target, request.head());
        double[] sum = new double[h * w];
        int[] count = new int[h * w];
        Batching.Plan plan = Batching.plan(request.model(), ChunkKind.FORWARD, params.batchSize(),
                Batching.DEFAULT_MEMORY_BUDGET, total);
        float[] fill = new float[c];
        for (int ch = 0; ch < c; ch++) {
            fill[ch] = Float.isNaN(params.baselineValue()) ? request.black(ch) : params.baselineValue();
        }
        Rounds.forward(plan, total, (k, in, offset) -> {
            int y0 = ys[k / xs.length];
            int x0 = xs[k % xs.length];
            System.arraycopy(x, 0, in, offset, n);
            for (int ch = 0; ch < c; ch++) {
                for (int y = y0; y < y0 + win; y++) {
                    for (int xx = x0; xx < x0 + win; xx++) {
                        in[offset + geo.index(ch, y, xx)] = fill[ch];
                    }
                }
            }
        }, (k, scores, offset) -> {
            double drop = fx - Tensors.head(scores, offset, classes, target, request.head());
            int y0 = ys[k / xs.length];
            int x0 = xs[k % xs.length];
            for (int y = y0; y < y0 + win; y++) {
                for (int xx = x0; xx < x0 + win; xx++) {
                    sum[y * w + xx] += drop;
                    count[y * w + xx]++;
                }
            }
        }, progress, name());
        float[] a = new float[n];
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int i = y * w + xx;
                float v = count[i] == 0 ? 0f : (float) (sum[i] / count[i]);
                for (int ch = 0; ch < c; ch++) {
                    a[geo.index(ch, y, xx)] = v;
                }
            }
        }
        return new Attribution(a, request.inputShape(), true,
                Map.of("targetScore", fx, "windows", (double) total));
    }
}
