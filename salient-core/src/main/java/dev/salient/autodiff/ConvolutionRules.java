package dev.salient.autodiff;

import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;
import dev.salient.graph.TensorShapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Convolution and pooling: every input gradient is a transposed convolution over the same windows. */
final class ConvolutionRules {
    private ConvolutionRules() {}

    static void register(Map<String, GradientRule> table) {
        table.put("Conv", ConvolutionRules::conv);
        table.put("MaxPool", ConvolutionRules::maxPool);
        table.put("AveragePool", ConvolutionRules::averagePool);
        table.put("GlobalAveragePool", ConvolutionRules::globalAveragePool);
    }

    /**
     * dX = ConvTranspose(dY, W) with the forward strides, pads, dilations and groups. With stride 1 the same
     * is a plain convolution of dY with the spatially flipped, in/out-swapped weights ("full" correlation),
     * which ONNX Runtime runs several times faster than ConvTranspose, depthwise layers above all; the weight
     * rearrangement is constant-folded when the session is built.
     */
    private static void conv(BackwardContext ctx) {
        if (ctx.needsGradient(1)) {
            throw ctx.unsupported("its weights depend on the input (only constant weights are supported)");
        }
        long[] w = ctx.shape(ctx.input(1));
        long group = ctx.intAttr("group", 1);
        WindowGeometry geo = WindowGeometry.of(ctx, Arrays.copyOfRange(w, 2, w.length));
        GraphBuilder g = ctx.graph();
        String dx = flippedConvolution(g, geo, ctx.dy(), ctx.input(1), w, group);
        if (dx == null && group == w[0] && w[1] == 1) {
            dx = zeroInsertedDepthwise(g, geo, ctx.dy(), ctx.input(1), w, group);
        }
        ctx.addGradient(0, dx != null ? dx : geo.scatterBack(g, ctx.dy(), ctx.input(1), group));
    }

    /**
     * Strided depthwise convolution: dY with zeros inserted between its elements (a 1×1 transposed convolution
     * with the strides, {@link WindowGeometry#scatterBack}) is what a stride-1 convolution over the same input
     * would have received, so dX is then the flipped stride-1 convolution. ONNX Runtime runs this pair about twice
     * as fast as its grouped 3×3 ConvTranspose, whose per-channel GEMM and col2im dominate (MobileNetV2's stride-2
     * layers, batch 1: 4.0 → ~2 ms). Null, with nothing emitted, when the flipped convolution does not fit.
     */
    private static String zeroInsertedDepthwise(GraphBuilder g, WindowGeometry geo, String dy, String weight,
                                                long[] w, long group) {
        int n = geo.spatialRank();
        long[] inserted = new long[n];
        long[] ones = new long[n];
        for (int i = 0; i < n; i++) {
            inserted[i] = (geo.outputSize()[i] - 1) * geo.strides()[i] + 1;
            ones[i] = 1;
        }
        WindowGeometry unstrided = new WindowGeometry(geo.inputSize(), inserted, geo.kernel(), ones,
                geo.dilations(), geo.padsBegin(), geo.padsEnd());
        if (flippedPads(g, unstrided) == null) {
            return null;
        }
        long[] unitShape = new long[n + 2];
        Arrays.fill(unitShape, 1);
        unitShape[0] = group;
        float[] unit = new float[Math.toIntExact(group)];
        Arrays.fill(unit, 1f);
        WindowGeometry spreading = new WindowGeometry(inserted, geo.outputSize(), ones, geo.strides(), ones,
                new long[n], new long[n]);
        String spread = spreading.scatterBack(g, dy, g.constFloats(unit, unitShape), group);
        return flippedConvolution(g, unstrided, spread, weight, w, group);
    }

    /**
     * Pads of the stride-1 correlation with the flipped kernel that gives dX: (k−1)·d − pb before and
     * (k−1)·d − pe after; null when a stride is not 1, a pad would be negative, or the opset cannot flip a kernel.
     */
    private static long[] flippedPads(GraphBuilder g, WindowGeometry geo) {
        if (g.opset() < 10) {
            return null; // flipping the kernel needs Slice with step −1
        }
        int n = geo.spatialRank();
        long[] pads = new long[2 * n];
        for (int i = 0; i < n; i++) {
            long extent = (geo.kernel()[i] - 1) * geo.dilations()[i];
            pads[i] = extent - geo.padsBegin()[i];
            pads[i + n] = geo.inputSize()[i] - geo.outputSize()[i] + geo.padsBegin()[i];
            // output length of the backward conv must equal the input length
            if (geo.strides()[i] != 1 || pads[i] < 0 || pads[i + n] < 0
                    || geo.outputSize()[i] + pads[i] + pads[i + n] - extent != geo.inputSize()[i]) {
                return null;
            }
        }
        return pads;
    }

    /** For stride 1: dx[h] = Σ_i dy[h + pb − i·d]·w[i], a correlation of dy with flip(w); null when it does not fit. */
    private static String flippedConvolution(GraphBuilder g, WindowGeometry geo, String dy, String weight,
                                             long[] w, long group) {
        long[] pads = flippedPads(g, geo);
        if (pads == null) {
            return null;
        }
        int n = geo.spatialRank();
        long out = w[0];
        long inPerGroup = w[1];
        long outPerGroup = out / group;
        long[] grouped = new long[w.length + 1];
        grouped[0] = group;
        grouped[1] = outPerGroup;
        grouped[2] = inPerGroup;
        System.arraycopy(w, 2, grouped, 3, n);
        long[] swap = new long[grouped.length];
        swap[0] = 0;
        swap[1] = 2;
        swap[2] = 1;
        for (int i = 3; i < swap.length; i++) {
            swap[i] = i;
        }
        long[] swapped = w.clone();
        swapped[0] = group * inPerGroup;
        swapped[1] = outPerGroup;
        String rearranged = g.reshape(g.transpose(g.reshape(weight, grouped), swap), swapped);
        long[] starts = new long[n];
        long[] ends = new long[n];
        long[] axes = new long[n];
        long[] steps = new long[n];
        for (int i = 0; i < n; i++) {
            starts[i] = -1;
            ends[i] = Long.MIN_VALUE;
            axes[i] = 2 + i;
            steps[i] = -1;
        }
        String flipped = g.slice(rearranged, starts, ends, axes, steps);
        return g.op("Conv", List.of(dy, flipped), Attributes.ofInts("dilations", geo.dilations()),
                Attributes.ofInts("pads", pads), Attributes.ofInts("kernel_shape", geo.kernel()),
                Attributes.ofInt("group", group));
    }

    /**
     * Each output's gradient is divided by the number of elements its window averaged (ONNX Runtime's
     * divisor: padded positions count with count_include_pad, windows are clipped at the padded border),
     * then spread over the window by a transposed convolution with a ones kernel per channel.
     */
    private static void averagePool(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        long[] kernel = ctx.intsAttr("kernel_shape");
        WindowGeometry geo = WindowGeometry.of(ctx, kernel);
        if (Arrays.equals(kernel, geo.inputSize()) && Arrays.stream(geo.outputSize()).allMatch(o -> o == 1)
                && Arrays.stream(geo.padsBegin()).allMatch(p -> p == 0)) {
            globalAveragePool(ctx); // one window over everything (MobileNet's 7×7 head): a broadcast, no scatter
            return;
        }
        boolean includePad = ctx.intAttr("count_include_pad", 0) != 0;
        // ONNX Runtime's undilated (MLAS) kernel divides by the whole kernel size when padding counts, even for
        // ceil_mode windows that run past the padded border; its dilated kernel clips them at that border.
        boolean wholeKernel = includePad && Arrays.stream(geo.dilations()).allMatch(d -> d == 1);
        int n = geo.spatialRank();
        long[] outSize = geo.outputSize();
        int cells = (int) TensorShapes.elementCount(outSize);
        float[] inverseCount = new float[cells];
        for (int cell = 0; cell < cells; cell++) {
            long count = 1;
            int rest = cell;
            for (int axis = n - 1; axis >= 0; axis--) {
                long o = rest % outSize[axis];
                rest /= outSize[axis];
                long lo = includePad ? -geo.padsBegin()[axis] : 0;
                long hi = geo.inputSize()[axis] + (includePad ? geo.padsEnd()[axis] : 0);
                long inWindow = 0;
                for (long k = 0; k < kernel[axis]; k++) {
                    long p = o * geo.strides()[axis] - geo.padsBegin()[axis] + k * geo.dilations()[axis];
                    if (p >= lo && p < hi) {
                        inWindow++;
                    }
                }
                count *= inWindow;
            }
            if (wholeKernel) {
                count = TensorShapes.elementCount(kernel);
            }
            inverseCount[cell] = count == 0 ? 0f : 1f / count;
        }
        long[] countShape = new long[n + 2];
        countShape[0] = 1;
        countShape[1] = 1;
        System.arraycopy(outSize, 0, countShape, 2, n);
        String scaled = g.op("Mul", ctx.dy(), g.constFloats(inverseCount, countShape));
        long channels = ctx.shape(ctx.input(0))[1];
        ctx.addGradient(0, geo.scatterBack(g, scaled, onesKernel(g, channels, kernel), channels));
    }

    private static String onesKernel(GraphBuilder g, long channels, long[] kernel) {
        long per = TensorShapes.elementCount(kernel);
        float[] ones = new float[Math.toIntExact(channels * per)];
        Arrays.fill(ones, 1f);
        long[] dims = new long[kernel.length + 2];
        dims[0] = channels;
        dims[1] = 1;
        System.arraycopy(kernel, 0, dims, 2, kernel.length);
        return g.constFloats(ones, dims);
    }

    /** dX = dY broadcast over the spatial axes, divided by their size. */
    private static void globalAveragePool(BackwardContext ctx) {
        long[] x = ctx.shape(ctx.input(0));
        long[] spread = x.clone();
        spread[0] = 1;
        spread[1] = 1;
        long cells = TensorShapes.elementCount(spread);
        float[] values = new float[Math.toIntExact(cells)];
        Arrays.fill(values, 1f / cells);
        GraphBuilder g = ctx.graph();
        ctx.addGradient(0, g.op("Mul", ctx.dy(), g.constFloats(values, spread)));
    }

    /**
     * MaxPool routes each output's gradient to the element its window chose. For every kernel offset the rule
     * takes the strided slice of the (−∞-padded) input that the offset sees; the first offset whose value equals
     * the window's maximum wins, as in PyTorch. Only equal values tie: a relative slack of 2e-7 once let a value
     * 1.74e-7 below the maximum win on resnet18 (input gradient 2.8e-3 from PyTorch's). On SqueezeNet the two rules
     * differ in one window of 660 352 (the first pool, cat image, channel 49), whose two candidates lie 1.1e-8
     * apart in float64, below float32 resolution: float32 convolutions, ONNX Runtime's and PyTorch's alike, order
     * them the other way, so the error against the float64 gradient (1.9e-3) is PyTorch's own float32 error there
     * (1.86e-3). Exact ties (155 windows there) still go to the first offset. The per-offset gradients are stacked
     * as channels and folded back with a transposed convolution whose one-hot kernels put each offset's gradient
     * in place; overlapping windows add up.
     */
    private static void maxPool(BackwardContext ctx) {
        long[] x = ctx.shape(ctx.input(0));
        if (x.length != 4) {
            throw ctx.unsupported("only 2-D max pooling is supported (input rank " + x.length + ")");
        }
        GraphBuilder g = ctx.graph();
        long[] kernel = ctx.intsAttr("kernel_shape");
        WindowGeometry geo = WindowGeometry.of(ctx, kernel);
        long n = x[0], c = x[1];
        long oh = geo.outputSize()[0], ow = geo.outputSize()[1];
        long[] pads = new long[8];
        for (int axis = 0; axis < 2; axis++) {
            long full = geo.strides()[axis] * (geo.outputSize()[axis] - 1)
                    + (kernel[axis] - 1) * geo.dilations()[axis] + 1;
            pads[2 + axis] = geo.padsBegin()[axis];
            pads[6 + axis] = Math.max(0, full - geo.padsBegin()[axis] - geo.inputSize()[axis]);
        }
        String padded = g.opset() >= 11
                ? g.op("Pad", List.of(ctx.input(0), g.constInt64s(pads), g.constScalar(-Float.MAX_VALUE)))
                : g.op("Pad", List.of(ctx.input(0)), Attributes.ofInts("pads", pads),
                        Attributes.ofFloat("value", -Float.MAX_VALUE));
        String y = ctx.output(0);
        int kk = (int) (kernel[0] * kernel[1]);
        List<String> stacked = new ArrayList<>();
        String taken = null;
        for (int i = 0; i < kernel[0]; i++) {
            for (int j = 0; j < kernel[1]; j++) {
                long h0 = i * geo.dilations()[0];
                long w0 = j * geo.dilations()[1];
                long[] ends = {h0 + (oh - 1) * geo.strides()[0] + 1, w0 + (ow - 1) * geo.strides()[1] + 1};
                String seen = g.opset() >= 10
                        ? g.slice(padded, new long[]{h0, w0}, ends, new long[]{2, 3}, geo.strides())
                        // Slice has no steps before opset 10: a 1×1 max pool with the strides subsamples exactly
                        : g.op("MaxPool", g.slice(padded, new long[]{h0, w0}, ends, new long[]{2, 3}, new long[]{1, 1}),
                                Attributes.ofInts("kernel_shape", 1, 1), Attributes.ofInts("strides", geo.strides()));
                String reaches = g.op("Not", g.op("Less", seen, y)); // seen ≥ max: seen == max
                String chosen = taken == null ? reaches : g.op("And", reaches, g.op("Not", taken));
                taken = taken == null ? chosen : g.op("Or", taken, chosen);
                String routed = ActivationRules.masked(g, chosen, ctx.dy());
                stacked.add(g.unsqueeze(routed, 2));
            }
        }
        float[] oneHot = new float[(int) (c * kk * kk)];
        for (int ch = 0; ch < c; ch++) {
            for (int k = 0; k < kk; k++) {
                oneHot[(ch * kk + k) * kk + k] = 1f;
            }
        }
        String perOffset = g.reshape(g.op("Concat", stacked, Attributes.ofInt("axis", 2)), n, c * kk, oh, ow);
        String kernelWeights = g.constFloats(oneHot, c * kk, 1, kernel[0], kernel[1]);
        ctx.addGradient(0, geo.scatterBack(g, perOffset, kernelWeights, c));
    }
}
