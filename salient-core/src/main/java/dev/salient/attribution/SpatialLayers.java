package dev.salient.attribution;

import ai.onnx.proto.OnnxMl;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.GradientResult;
import dev.salient.engine.GradientSession;

import java.util.*;

/**
 * The spatial layers of a model, for Grad-CAM and for a UI's layer picker: floating-point tensors that depend on the
 * input and feed the class scores and hold an H×W grid (H, W &gt; 1) of C-channel vectors, in topological order.
 * Three layouts are recognised from the shapes the engine probed, so that transformers need no user code:
 * <ul>
 *   <li>{@link Layout#NCHW} [1, C, H, W]: convolutions, pools and what keeps their shape;</li>
 *   <li>{@link Layout#TOKENS} [1, p + H·W, C] with p ∈ {0, 1, 2} extra tokens first (ViT's class token, DeiT's
 *       class and distillation tokens) and a square grid: H = W = √(T − p), unique for a token count T, since two
 *       squares ≥ 1 never differ by 1 or 2 (197 = 1 + 14², 198 = 2 + 14²);</li>
 *   <li>{@link Layout#NHWC} [1, H, W, C] (Swin, ConvNeXt's channels-last blocks): the output of a Transpose
 *       (0, 2, 3, 1) of an NCHW tensor, what keeps its shape, or, when nothing says, a shape with H = W ≠ C.</li>
 * </ul>
 * {@link Layer#channelsFirst} turns one item of any of them into [C, H·W], dropping the extra tokens.
 *
 * <p>{@link #find} also lists tensors at input resolution that no convolution has touched yet (the in-graph
 * normalisation of the shared ONNX MobileNets, the NHWC→NCHW Transpose of an imported TFLite model);
 * {@link #features} leaves them out, for a picker that should offer only feature maps.
 */
public final class SpatialLayers {
    /** How a layer's tensor holds its grid. */
    public enum Layout {
        /** [1, C, H, W]. */
        NCHW,
        /** [1, extra + H·W, C]: extra tokens (class, distillation) first, then the grid row by row. */
        TOKENS,
        /** [1, H, W, C]. */
        NHWC
    }

    /**
     * @param name        tensor name
     * @param shape       the tensor's shape at batch 1
     * @param layout      how {@code shape} holds the grid
     * @param extraTokens tokens before the grid that are not part of it (TOKENS only; 0 otherwise)
     * @param channels    C
     * @param height      H
     * @param width       W
     */
    public record Layer(String name, long[] shape, Layout layout, int extraTokens, int channels, int height,
                        int width) {
        /** An NCHW layer [1, C, H, W]. */
        public Layer(String name, long[] shape) {
            this(name, shape, Layout.NCHW, 0, (int) shape[1], (int) shape[2], (int) shape[3]);
        }

        /** One item of this layer's tensor as [C, H·W], channel after channel; the extra tokens are dropped. */
        public float[] channelsFirst(float[] item) {
            int hw = height * width;
            if (layout == Layout.NCHW) {
                return Arrays.copyOf(item, channels * hw);
            }
            int first = layout == Layout.TOKENS ? extraTokens : 0;
            float[] out = new float[channels * hw];
            for (int i = 0; i < hw; i++) {
                int row = (first + i) * channels;
                for (int k = 0; k < channels; k++) {
                    out[k * hw + i] = item[row + k];
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(shape) + (layout == Layout.NCHW ? "" : " " + layout);
        }
    }

    /** A token count T = extra + side²: the grid behind a [1, T, C] tensor. */
    record TokenGrid(int extra, int side) {
        /** The grid of {@code tokens}, or null when no extra count in 0..2 leaves a square of side ≥ 2. */
        static TokenGrid of(long tokens) {
            for (int extra = 0; extra <= 2; extra++) {
                long side = Math.round(Math.sqrt(tokens - extra));
                if (side >= 2 && side * side == tokens - extra) {
                    return new TokenGrid(extra, (int) side);
                }
            }
            return null;
        }
    }

    private static final Set<String> CONVOLUTIONS = Set.of("Conv", "ConvTranspose");

    private SpatialLayers() {}

    /** Every spatial layer, in topological order. */
    public static List<Layer> find(DifferentiableModel model) {
        return find(model, false);
    }

    /**
     * The feature layers: spatial layers produced by a convolution or computed from one (at least one Conv or
     * ConvTranspose between the input and the tensor), in topological order. Same last entry as {@link #find}
     * for a CNN; for a layer picker.
     */
    public static List<Layer> features(DifferentiableModel model) {
        return find(model, true);
    }

    private static List<Layer> find(DifferentiableModel model, boolean featuresOnly) {
        List<OnnxMl.NodeProto> nodes = model.model().graph().getNodeList();
        // tensors the scores depend on
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : nodes) {
            n.getOutputList().forEach(o -> producer.put(o, n));
        }
        Set<String> feedsOutput = new HashSet<>();
        Deque<String> work = new ArrayDeque<>(List.of(model.outputName()));
        while (!work.isEmpty()) {
            String t = work.pop();
            if (feedsOutput.add(t) && producer.containsKey(t)) {
                work.addAll(producer.get(t).getInputList());
            }
        }
        Set<String> fromInput = new HashSet<>(List.of(model.inputName()));
        Set<String> afterConv = new HashSet<>();
        Map<String, Layout> layouts = new HashMap<>();
        List<Layer> layers = new ArrayList<>();
        for (OnnxMl.NodeProto n : nodes) {
            if (n.getInputList().stream().noneMatch(fromInput::contains)) {
                continue;
            }
            boolean convolved = CONVOLUTIONS.contains(n.getOpType()) || n.getInputList().stream().anyMatch(afterConv::contains);
            for (String o : n.getOutputList()) {
                if (o.isEmpty() || !model.types().isFloating(o)) {
                    continue;
                }
                fromInput.add(o);
                if (convolved) {
                    afterConv.add(o);
                }
                if (!model.shapes().knows(o)) {
                    continue;
                }
                long[] s = model.shapes().at(o, 1);
                Layer layer = s.length == 4 ? grid(model, n, o, s, layouts) : s.length == 3 ? tokens(o, s) : null;
                if (layer != null && feedsOutput.contains(o) && (!featuresOnly || convolved)) {
                    layers.add(layer);
                }
            }
        }
        return layers;
    }

    /** Ops whose rank-4 outputs are NCHW by the ONNX definition. */
    private static final Set<String> CHANNELS_FIRST = Set.of("Conv", "ConvTranspose", "MaxPool", "AveragePool",
            "BatchNormalization", "InstanceNormalization", "LpPool");

    /** A rank-4 tensor's layout, from its producer, else from an input of the same shape, else from the shape. */
    private static Layer grid(DifferentiableModel model, OnnxMl.NodeProto n, String o, long[] s,
                              Map<String, Layout> layouts) {
        Layout known = null;
        if (CHANNELS_FIRST.contains(n.getOpType())) {
            known = Layout.NCHW;
        } else if (n.getOpType().equals("Transpose") && layouts.containsKey(n.getInput(0))) {
            long[] perm = n.getAttributeList().stream().filter(a -> a.getName().equals("perm")).findFirst()
                    .map(a -> a.getIntsList().stream().mapToLong(Long::longValue).toArray()).orElse(new long[0]);
            Layout from = layouts.get(n.getInput(0));
            if (from == Layout.NCHW && Arrays.equals(perm, new long[]{0, 2, 3, 1})) {
                known = Layout.NHWC;
            } else if (from == Layout.NHWC && Arrays.equals(perm, new long[]{0, 3, 1, 2})) {
                known = Layout.NCHW;
            }
        } else {
            for (String in : n.getInputList()) {
                if (layouts.containsKey(in) && model.shapes().knows(in) && Arrays.equals(model.shapes().at(in, 1), s)) {
                    known = layouts.get(in);
                    break;
                }
            }
        }
        Layout layout = known;
        if (layout == null) {
            // nothing vouches for an image: an axis of T = extra + side² tokens (extra ≥ 1) makes it attention
            // [1, heads, T, T] or a head split [1, T, heads, d], not an image
            for (int axis = 1; axis < 4; axis++) {
                TokenGrid g = TokenGrid.of(s[axis]);
                if (g != null && g.extra() > 0) {
                    return null;
                }
            }
            layout = s[1] == s[2] && s[2] != s[3] ? Layout.NHWC : Layout.NCHW;
        }
        layouts.put(o, layout);
        Layer layer = layout == Layout.NCHW ? new Layer(o, s)
                : new Layer(o, s, Layout.NHWC, 0, (int) s[3], (int) s[1], (int) s[2]);
        return layer.height() > 1 && layer.width() > 1 ? layer : null;
    }

    /** [1, T, C] with T = extra + side², side ≥ 2: a token layer. */
    private static Layer tokens(String o, long[] s) {
        // [1, T, T] is single-head attention, not T tokens of T channels; [1, T, 1] a per-token statistic
        TokenGrid g = s[0] == 1 && s[1] != s[2] && s[2] > 1 ? TokenGrid.of(s[1]) : null;
        return g == null ? null : new Layer(o, s, Layout.TOKENS, g.extra(), (int) s[2], g.side(), g.side());
    }

    /**
     * Grad-CAM's default layer. For a CNN the last spatial layer (the one before global pooling). For a transformer,
     * whose last spatial layer is a token layer, the last token layer whose grid tokens receive gradient, found
     * once per model by one inner-only gradient at a seeded noise input: a ViT's head reads the class token only,
     * and after the last attention every op is per token, so the last block's output carries gradient at the
     * class token alone (its Grad-CAM map would be all zero); the last layer whose patch tokens do get gradient is
     * the last block's first LayerNorm output, where attention reads them: what pytorch-grad-cam's ViT tutorial
     * picks by hand ({@code blocks[-1].norm1}). A model that pools every token (Swin, DeiT without class token) keeps
     * its last layer. A model with an op without a gradient rule keeps the last layer too (no gradient to probe).
     */
    public static Layer last(DifferentiableModel model) {
        List<Layer> layers = find(model);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("the model has no spatial layer (rank-4 [1, C, H, W] or [1, H, W, C], "
                    + "or tokens [1, extra + H·W, C]) between '" + model.inputName() + "' and '"
                    + model.outputName() + "'");
        }
        Layer last = layers.get(layers.size() - 1);
        if (last.layout() != Layout.TOKENS || model.gradientUnsupported().isPresent()) {
            return last;
        }
        synchronized (TRANSFORMER_DEFAULTS) {
            return TRANSFORMER_DEFAULTS.computeIfAbsent(model, m -> lastWithGridGradient(m, layers));
        }
    }

    /** Per model: the probe costs one gradient graph, built once. */
    private static final Map<DifferentiableModel, Layer> TRANSFORMER_DEFAULTS = new WeakHashMap<>();

    private static Layer lastWithGridGradient(DifferentiableModel model, List<Layer> layers) {
        List<Layer> tokens = layers.stream().filter(l -> l.layout() == Layout.TOKENS).toList();
        float[] input = new float[model.itemSize()];
        Random noise = new Random(0);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) noise.nextGaussian();
        }
        float[] seed = new float[model.classes()];
        seed[0] = 1;
        GradientResult r;
        try (GradientSession.Lease session = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(),
                tokens.stream().map(Layer::name).toList(), 1, false)) {
            r = session.run(input, seed, 1);
        }
        for (int i = tokens.size() - 1; i >= 0; i--) {
            Layer l = tokens.get(i);
            float[] grid = l.channelsFirst(r.inner().get(l.name()).gradient());
            for (float g : grid) {
                if (g != 0) {
                    return l;
                }
            }
        }
        return layers.get(layers.size() - 1);
    }

    /** The named layer, or a clear error listing the valid names. */
    public static Layer named(DifferentiableModel model, String name) {
        List<Layer> layers = find(model);
        for (Layer l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        List<String> names = layers.stream().map(Layer::name).toList();
        throw new IllegalArgumentException("'" + name + "' is not a spatial layer of the model; spatial layers: "
                + (names.size() > 12 ? names.subList(names.size() - 12, names.size()) + " (last 12 of " + names.size() + ")" : names));
    }
}
