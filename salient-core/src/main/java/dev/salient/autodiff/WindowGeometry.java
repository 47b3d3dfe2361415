package dev.salient.autodiff;

import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;

import java.util.Arrays;
import java.util.List;

/**
 * Sliding-window geometry shared by Conv, MaxPool and AveragePool: kernel, strides, dilations and the
 * padding actually applied at the start of each spatial axis (explicit pads or auto_pad). Output sizes come
 * from the static shapes, so ceil_mode needs no separate treatment.
 */
record WindowGeometry(long[] inputSize, long[] outputSize, long[] kernel, long[] strides, long[] dilations,
                      long[] padsBegin, long[] padsEnd) {

    static WindowGeometry of(BackwardContext ctx, long[] kernel) {
        long[] x = ctx.shape(ctx.input(0));
        long[] y = ctx.shape(ctx.output(0));
        int spatial = x.length - 2;
        long[] in = Arrays.copyOfRange(x, 2, x.length);
        long[] out = Arrays.copyOfRange(y, 2, y.length);
        long[] strides = orOnes(ctx.intsAttr("strides"), spatial);
        long[] dilations = orOnes(ctx.intsAttr("dilations"), spatial);
        long[] begin = new long[spatial];
        long[] end = new long[spatial];
        String autoPad = ctx.stringAttr("auto_pad", "NOTSET");
        long[] pads = ctx.intsAttr("pads");
        for (int i = 0; i < spatial; i++) {
            long total = Math.max(0, (out[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in[i]);
            switch (autoPad) {
                case "SAME_UPPER" -> {
                    begin[i] = total / 2;
                    end[i] = total - begin[i];
                }
                case "SAME_LOWER" -> {
                    end[i] = total / 2;
                    begin[i] = total - end[i];
                }
                case "VALID" -> { }
                default -> {
                    if (pads != null) {
                        begin[i] = pads[i];
                        end[i] = pads[i + spatial];
                    }
                }
            }
        }
        return new WindowGeometry(in, out, kernel, strides, dilations, begin, end);
    }

    private static long[] orOnes(long[] values, int n) {
        if (values != null && values.length > 0) {
            return values;
        }
        long[] ones = new long[n];
        Arrays.fill(ones, 1);
        return ones;
    }

    int spatialRank() {
        return inputSize.length;
    }

    /**
     * Scatters window gradients back onto the input: ConvTranspose of {@code dy} with {@code weight}, same
     * strides, dilations and groups, cropped or zero-extended so the result has exactly the input's size
     * (a window grid that stops short of the input's end would otherwise come back too small).
     */
    String scatterBack(GraphBuilder g, String dy, String weight, long group) {
        int n = spatialRank();
        long[] pads = new long[2 * n];
        long[] extra = new long[2 * n + 4];
        boolean needsExtension = false;
        for (int i = 0; i < n; i++) {
            long full = strides[i] * (outputSize[i] - 1) + (kernel[i] - 1) * dilations[i] + 1;
            long endCrop = full - padsBegin[i] - inputSize[i];
            pads[i] = padsBegin[i];
            pads[i + n] = Math.max(endCrop, 0);
            if (endCrop < 0) {
                extra[(n + 2) + 2 + i] = -endCrop; // zeros for input rows no window reached
                needsExtension = true;
            }
        }
        String dx = g.op("ConvTranspose", List.of(dy, weight),
                Attributes.ofInts("strides", strides), Attributes.ofInts("dilations", dilations),
                Attributes.ofInts("pads", pads), Attributes.ofInts("kernel_shape", kernel),
                Attributes.ofInt("group", group));
        return needsExtension ? g.pad(dx, extra) : dx;
    }
}
