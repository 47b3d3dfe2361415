package dev.salient.autodiff;

import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;
import dev.salient.graph.TensorShapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Ops that move, select or reduce elements: the gradient moves them back. */
final class ShapeRules {
    private ShapeRules() {}

    static void register(Map<String, GradientRule> table) {
        GradientRule reshapeBack = ctx -> ctx.addGradient(0, ctx.graph().reshape(ctx.dy(), ctx.shape(ctx.input(0))));
        for (String op : List.of("Flatten", "Reshape", "Squeeze", "Unsqueeze")) {
            table.put(op, reshapeBack);
        }
        table.put("Transpose", ShapeRules::transpose);
        table.put("Concat", ShapeRules::concat);
        table.put("Split", ShapeRules::split);
        table.put("Slice", ShapeRules::slice);
        table.put("Pad", ShapeRules::pad);
        table.put("Gather", ShapeRules::gather);
        table.put("ReduceMean", ctx -> reduce(ctx, true));
        table.put("ReduceSum", ctx -> reduce(ctx, false));
        table.put("ReduceMax", ShapeRules::reduceExtreme);
        table.put("ReduceMin", ShapeRules::reduceExtreme);
        table.put("ReduceL2", ShapeRules::reduceL2);
        table.put("Tile", ShapeRules::tile);
        table.put("ScatterND", ShapeRules::scatterNd);
    }

    /** The inverse permutation undoes the transpose. */
    private static void transpose(BackwardContext ctx) {
        int rank = ctx.shape(ctx.input(0)).length;
        long[] perm = ctx.intsAttr("perm");
        if (perm == null || perm.length == 0) {
            perm = new long[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = rank - 1 - i;
            }
        }
        long[] inverse = new long[rank];
        for (int i = 0; i < rank; i++) {
            inverse[(int) perm[i]] = i;
        }
        ctx.addGradient(0, ctx.graph().transpose(ctx.dy(), inverse));
    }

    /** Each input's gradient is its slab of the output gradient along the concatenation axis. */
    private static void concat(BackwardContext ctx) {
        long[] y = ctx.shape(ctx.output(0));
        int axis = normalizeAxis(ctx.intAttr("axis", 0), y.length);
        long offset = 0;
        for (int i = 0; i < ctx.inputCount(); i++) {
            long size = ctx.shape(ctx.input(i))[axis];
            if (ctx.needsGradient(i)) {
                ctx.addGradient(i, ctx.graph().slice(ctx.dy(), new long[]{offset}, new long[]{offset + size},
                        new long[]{axis}, new long[]{1}));
            }
            offset += size;
        }
    }

    /** The input's gradient is the outputs' gradients concatenated back (zeros for outputs no gradient reached). */
    private static void split(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        int axis = normalizeAxis(ctx.intAttr("axis", 0), ctx.shape(ctx.input(0)).length);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < ctx.node().getOutputCount(); i++) {
            String grad = ctx.outputGradient(i);
            parts.add(grad != null ? grad : zeros(g, ctx.shape(ctx.output(i))));
        }
        ctx.addGradient(0, g.op("Concat", parts, Attributes.ofInt("axis", axis)));
    }

    static String zeros(GraphBuilder g, long[] shape) {
        if (g.opset() < 8) { // no Expand yet
            return g.constFloats(new float[Math.toIntExact(TensorShapes.elementCount(shape))], shape);
        }
        return g.op("Expand", g.constScalar(0f), g.constInt64s(shape));
    }

    /**
     * The output gradient is put back where the slice took it from, one axis at a time: reversed for
     * negative steps, interleaved with zeros for steps above one, then zero-padded to the input's extent.
     */
    private static void slice(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        long[] x = ctx.shape(ctx.input(0));
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (ctx.opset() < 10) {
            starts = ctx.intsAttr("starts");
            ends = ctx.intsAttr("ends");
            axes = ctx.intsAttr("axes");
            steps = null;
        } else {
            starts = ctx.constantInts(ctx.input(1));
            ends = ctx.constantInts(ctx.input(2));
            axes = ctx.hasInput(3) ? ctx.constantInts(ctx.input(3)) : null;
            steps = ctx.hasInput(4) ? ctx.constantInts(ctx.input(4)) : null;
        }
        String grad = ctx.dy();
        long[] current = ctx.shape(ctx.output(0)).clone();
        for (int i = 0; i < starts.length; i++) {
            int axis = axes == null ? i : normalizeAxis(axes[i], x.length);
            long step = steps == null ? 1 : steps[i];
            long dim = x[axis];
            long count = current[axis];
            long first;
            if (step > 0) {
                first = clamp(starts[i] < 0 ? starts[i] + dim : starts[i], 0, dim);
            } else {
                long start = clamp(starts[i] < 0 ? starts[i] + dim : starts[i], 0, dim - 1);
                grad = g.slice(grad, new long[]{-1}, new long[]{Long.MIN_VALUE}, new long[]{axis}, new long[]{-1});
                first = start + (count - 1) * step; // lowest selected position; now ascending
                step = -step;
            }
            if (count == 0) {
                current[axis] = dim;
                grad = zeros(g, current);
                continue;
            }
            if (step > 1) {
                grad = spread(g, grad, current, axis, step);
                current[axis] = (count - 1) * step + 1;
            }
            long[] pads = new long[2 * x.length];
            pads[axis] = first;
            pads[axis + x.length] = dim - first - current[axis];
            grad = g.pad(grad, pads);
            current[axis] = dim;
        }
        ctx.addGradient(0, grad);
    }

    /** Places element k of {@code axis} at position k·step, zeros between: [c] → [(c−1)·step + 1]. */
    private static String spread(GraphBuilder g, String grad, long[] shape, int axis, long step) {
        long[] withSlot = new long[shape.length + 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            withSlot[j++] = shape[i];
            if (i == axis) {
                withSlot[j++] = 1;
            }
        }
        String slotted = g.reshape(grad, withSlot);
        long[] pads = new long[2 * withSlot.length];
        pads[axis + 1 + withSlot.length] = step - 1;
        String padded = g.pad(slotted, pads);
        long[] merged = shape.clone();
        merged[axis] = shape[axis] * step;
        String flat = g.reshape(padded, merged);
        return g.slice(flat, new long[]{0}, new long[]{(shape[axis] - 1) * step + 1}, new long[]{axis}, new long[]{1});
    }

    /**
     * Constant padding: the gradient is the un-padded window of the output gradient (cropping pads give zeros).
     * Edge, reflect and wrap padding copy input elements into the border, so each border element's gradient is
     * added back onto the element it copied, one axis at a time.
     */
    private static void pad(BackwardContext ctx) {
        String mode = ctx.stringAttr("mode", "constant");
        if (!List.of("constant", "edge", "reflect", "wrap").contains(mode)) {
            throw ctx.unsupported("Pad mode '" + mode + "' is not supported");
        }
        GraphBuilder g = ctx.graph();
        long[] x = ctx.shape(ctx.input(0));
        int rank = x.length;
        long[] pads = ctx.opset() < 11 ? ctx.intsAttr("pads") : ctx.constantInts(ctx.input(1));
        long[] full = new long[2 * rank];
        if (ctx.opset() >= 18 && ctx.hasInput(3)) {
            long[] axes = ctx.constantInts(ctx.input(3));
            for (int i = 0; i < axes.length; i++) {
                int a = normalizeAxis(axes[i], rank);
                full[a] = pads[i];
                full[a + rank] = pads[i + axes.length];
            }
        } else {
            full = pads;
        }
        if (!mode.equals("constant")) {
            ctx.addGradient(0, foldBorders(g, ctx, mode, full, x));
            return;
        }
        long[] starts = new long[rank];
        long[] ends = new long[rank];
        long[] axes = new long[rank];
        long[] steps = new long[rank];
        long[] crop = new long[2 * rank];
        boolean cropped = false;
        for (int i = 0; i < rank; i++) {
            long begin = full[i];
            long end = full[i + rank];
            starts[i] = Math.max(begin, 0);
            ends[i] = Math.min(x[i] + begin, x[i] + begin + end);
            axes[i] = i;
            steps[i] = 1;
            crop[i] = Math.max(-begin, 0);
            crop[i + rank] = Math.max(-end, 0);
            cropped |= begin < 0 || end < 0;
        }
        String window = g.slice(ctx.dy(), starts, ends, axes, steps);
        ctx.addGradient(0, cropped ? g.pad(window, crop) : window);
    }

    /** Sums each border element's gradient onto the input element that edge/reflect/wrap padding copied. */
    private static String foldBorders(GraphBuilder g, BackwardContext ctx, String mode, long[] pads, long[] x) {
        int rank = x.length;
        String grad = ctx.dy();
        long[] current = ctx.shape(ctx.output(0)).clone();
        for (int axis = 0; axis < rank; axis++) {
            long b = pads[axis];
            long e = pads[axis + rank];
            long n = x[axis];
            if (b < 0 || e < 0) {
                throw ctx.unsupported("negative pads with mode '" + mode + "'");
            }
            if (b == 0 && e == 0) {
                continue;
            }
            if (mode.equals("reflect") && (b >= n || e >= n) || mode.equals("wrap") && (b > n || e > n)) {
                throw ctx.unsupported(mode + " pads larger than the axis (" + n + ") are not supported");
            }
            long[] a = {axis};
            long[] one = {1};
            String total = g.slice(grad, new long[]{b}, new long[]{b + n}, a, one);
            current[axis] = n;
            if (b > 0) {
                String border = g.slice(grad, new long[]{0}, new long[]{b}, a, one);
                total = g.op("Add", total, placed(g, mode, border, b, n, axis, current, true));
            }
            if (e > 0) {
                String border = g.slice(grad, new long[]{b + n}, new long[]{b + n + e}, a, one);
                total = g.op("Add", total, placed(g, mode, border, e, n, axis, current, false));
            }
            grad = total;
        }
        return grad;
    }

    /**
     * A border's gradient (length {@code width} along {@code axis}) moved onto an input-sized tensor: edge sums it
     * onto the first/last element; reflect mirrors it onto elements 1..width (or n−1−width..n−2); wrap moves it
     * onto the opposite end.
     */
    private static String placed(GraphBuilder g, String mode, String border, long width, long n, int axis,
                                 long[] inputShape, boolean before) {
        int rank = inputShape.length;
        long[] padsOut = new long[2 * rank];
        String values;
        long offset;
        switch (mode) {
            case "edge" -> {
                values = g.reduceSum(border, new long[]{axis}, true);
                offset = before ? 0 : n - 1;
            }
            case "reflect" -> {
                values = g.slice(border, new long[]{-1}, new long[]{Long.MIN_VALUE}, new long[]{axis}, new long[]{-1});
                offset = before ? 1 : n - 1 - width;
            }
            default -> { // wrap
                values = border;
                offset = before ? n - width : 0;
            }
        }
        long length = mode.equals("edge") ? 1 : width;
        padsOut[axis] = offset;
        padsOut[axis + rank] = n - offset - length;
        return g.pad(values, padsOut);
    }

    /**
     * Gather with constant indices: dx = dy contracted with the one-hot matrix of the indices, so repeated
     * indices add up. Works as [pre, n, post] · onehot[n, dim] → [pre, dim, post].
     */
    private static void gather(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        long[] x = ctx.shape(ctx.input(0));
        int axis = normalizeAxis(ctx.intAttr("axis", 0), x.length);
        long[] indices = ctx.constantInts(ctx.input(1));
        long dim = x[axis];
        long pre = 1;
        long post = 1;
        for (int i = 0; i < x.length; i++) {
            if (i < axis) {
                pre *= x[i];
            } else if (i > axis) {
                post *= x[i];
            }
        }
        int n = indices.length;
        float[] oneHot = new float[Math.toIntExact(n * dim)];
        for (int k = 0; k < n; k++) {
            long idx = indices[k] < 0 ? indices[k] + dim : indices[k];
            oneHot[(int) (k * dim + idx)] = 1f;
        }
        String dy = g.reshape(ctx.dy(), pre, n, post);
        String moved = g.transpose(dy, 0, 2, 1);
        String scattered = g.op("MatMul", moved, g.constFloats(oneHot, n, dim));
        ctx.addGradient(0, g.reshape(g.transpose(scattered, 0, 2, 1), x));
    }

    /** Sum and mean: the output gradient broadcast back over the reduced axes (divided by their size for a mean). */
    private static void reduce(BackwardContext ctx, boolean mean) {
        GraphBuilder g = ctx.graph();
        long[] x = ctx.shape(ctx.input(0));
        int[] axes = reducedAxes(ctx, mean ? 18 : 13);
        if (axes == null) {
            ctx.addGradient(0, ctx.dy());
            return;
        }
        long[] spread = new long[x.length];
        Arrays.fill(spread, 1);
        long count = 1;
        for (int axis : axes) {
            spread[axis] = x[axis];
            count *= x[axis];
        }
        float[] values = new float[Math.toIntExact(TensorShapes.elementCount(spread))];
        Arrays.fill(values, mean ? 1f / count : 1f);
        String dy = g.reshape(ctx.dy(), keptShape(x, axes));
        ctx.addGradient(0, g.op("Mul", dy, g.constFloats(values, spread)));
    }

    /**
     * ReduceMax / ReduceMin: dx = dy·[x = y] / #ties over each reduced slice, the gradient going to the extreme
     * element and split evenly among ties (as PyTorch's amax/amin).
     */
    private static void reduceExtreme(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        long[] x = ctx.shape(ctx.input(0));
        int[] axes = reducedAxes(ctx, 18);
        if (axes == null) {
            ctx.addGradient(0, ctx.dy());
            return;
        }
        long[] kept = keptShape(x, axes);
        String mask = ElementwiseRules.equalMask(g, ctx.input(0), g.reshape(ctx.output(0), kept));
        String ties = g.reduceSum(mask, Arrays.stream(axes).asLongStream().toArray(), true);
        ctx.addGradient(0, g.op("Mul", mask, g.op("Div", g.reshape(ctx.dy(), kept), ties)));
    }

    /** y = √Σx²: dx = dy·x / y (0 where the whole slice is 0, the subgradient PyTorch's norm takes). */
    private static void reduceL2(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        long[] x = ctx.shape(ctx.input(0));
        int[] axes = reducedAxes(ctx, 18);
        if (axes == null) { // noop_with_empty_axes: the output is the input
            ctx.addGradient(0, ctx.dy());
            return;
        }
        long[] kept = keptShape(x, axes);
        // y is 0 only where x is all 0, so dividing by max(y, the smallest normal float) gives 0 there
        String norm = g.op("Max", List.of(g.reshape(ctx.output(0), kept), g.constScalar(Float.MIN_NORMAL)));
        ctx.addGradient(0, g.op("Mul", g.reshape(ctx.dy(), kept), g.op("Div", ctx.input(0), norm)));
    }

    /**
     * Axes a Reduce* node reduces, normalized (every axis when none are given), or null when it reduces nothing
     * (noop_with_empty_axes). Axes are an input from {@code axesAsInputFrom}, an attribute before.
     */
    static int[] reducedAxes(BackwardContext ctx, int axesAsInputFrom) {
        int rank = ctx.shape(ctx.input(0)).length;
        long[] axes = ctx.opset() >= axesAsInputFrom
                ? (ctx.hasInput(1) ? ctx.constantInts(ctx.input(1)) : new long[0])
                : ctx.intsAttr("axes");
        if (axes == null || axes.length == 0) {
            if (ctx.intAttr("noop_with_empty_axes", 0) != 0) {
                return null;
            }
            return IntStream.range(0, rank).toArray();
        }
        return Arrays.stream(axes).mapToInt(a -> normalizeAxis(a, rank)).distinct().toArray();
    }

    /** The shape with the reduced axes kept as size 1 (what keepdims=1 gives). */
    static long[] keptShape(long[] x, int[] axes) {
        long[] kept = x.clone();
        for (int axis : axes) {
            kept[axis] = 1;
        }
        return kept;
    }

    /**
     * y = x tiled r_i times along each axis: dx = dy viewed as [r₀, d₀, r₁, d₁, …] summed over the r axes.
     */
    private static void tile(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        long[] x = ctx.shape(ctx.input(0));
        long[] repeats = ctx.constantInts(ctx.input(1));
        List<Long> split = new ArrayList<>();
        List<Long> summed = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (repeats[i] != 1) {
                summed.add((long) split.size());
                split.add(repeats[i]);
            }
            split.add(x[i]);
        }
        if (summed.isEmpty()) {
            ctx.addGradient(0, ctx.dy());
            return;
        }
        String view = g.reshape(ctx.dy(), split.stream().mapToLong(Long::longValue).toArray());
        String total = g.reduceSum(view, summed.stream().mapToLong(Long::longValue).toArray(), false);
        ctx.addGradient(0, g.reshape(total, x));
    }

    /**
     * y = data with y[indices] = updates (or += with reduction "add"): the data's gradient is dy with the
     * overwritten positions zeroed (all of dy for "add"); the updates' gradient is dy gathered at the indices.
     */
    private static void scatterNd(BackwardContext ctx) {
        String reduction = ctx.stringAttr("reduction", "none");
        if (!reduction.equals("none") && !reduction.equals("add")) {
            throw ctx.unsupported("ScatterND reduction '" + reduction + "' is not supported");
        }
        GraphBuilder g = ctx.graph();
        if (ctx.needsGradient(0)) {
            ctx.addGradient(0, reduction.equals("add") ? ctx.dy() : g.op("ScatterND",
                    List.of(ctx.dy(), ctx.input(1), zeros(g, ctx.shape(ctx.input(2))))));
        }
        if (ctx.needsGradient(2)) {
            ctx.addGradient(2, g.op("GatherND", ctx.dy(), ctx.input(1)));
        }
    }

    static int normalizeAxis(long axis, int rank) {
        return (int) (axis < 0 ? axis + rank : axis);
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
