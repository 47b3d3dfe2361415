package dev.salient.engine;

import ai.onnxruntime.*;
import dev.salient.autodiff.GradientGraphBuilder;
import dev.salient.autodiff.GradientGraphSpec;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ONNX Runtime session over one gradient graph (fixed batch size, head, rules and inner tensors).
 * Built once and reused; {@link #run} accepts fewer items than the batch and pads with zeros.
 * Runs are serialised: ONNX Runtime already uses every core inside one run.
 */
public final class GradientSession implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final GradientGraphSpec spec;
    private final long[] inputShape;
    private final int classes;
    private final Map<String, long[]> innerShapes;

    GradientSession(OrtEnvironment env, OrtSession session, GradientGraphSpec spec, long[] inputShape, int classes,
                    Map<String, long[]> innerShapes) {
        this.env = env;
        this.session = session;
        this.spec = spec;
        this.inputShape = inputShape;
        this.classes = classes;
        this.innerShapes = innerShapes;
    }

    public GradientGraphSpec spec() {
        return spec;
    }

    public int batchSize() {
        return spec.batch();
    }

    public int classes() {
        return classes;
    }

    /** Input elements per batch item. */
    public int itemSize() {
        long n = 1;
        for (int i = 1; i < inputShape.length; i++) {
            n *= inputShape[i];
        }
        return Math.toIntExact(n);
    }

    /**
     * @param inputs items × itemSize() values in the model's input layout; items ≤ batchSize()
     * @param seeds  items × classes() target weights (a one-hot row selects one class)
     */
    public synchronized GradientResult run(float[] inputs, float[] seeds, int items) {
        int batch = spec.batch();
        if (items < 1 || items > batch) {
            throw new IllegalArgumentException("items must be in 1.." + batch + ": " + items);
        }
        int itemSize = itemSize();
        if (inputs.length != items * itemSize || seeds.length != items * classes) {
            throw new IllegalArgumentException("expected " + items * itemSize + " input values and "
                    + items * classes + " seed values, got " + inputs.length + " and " + seeds.length);
        }
        float[] x = inputs.length == batch * itemSize ? inputs : java.util.Arrays.copyOf(inputs, batch * itemSize);
        float[] s = seeds.length == batch * classes ? seeds : java.util.Arrays.copyOf(seeds, batch * classes);
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put(spec.input(), OnnxTensor.createTensor(env, FloatBuffer.wrap(x), inputShape));
            feeds.put(GradientGraphBuilder.SEED, OnnxTensor.createTensor(env, FloatBuffer.wrap(s),
                    new long[]{batch, classes}));
            try (OrtSession.Result r = session.run(feeds)) {
                float[] scores = head(r, GradientGraphBuilder.SCORES, items * classes);
                float[] target = head(r, GradientGraphBuilder.TARGET, items);
                float[] grad = spec.inputGradient() ? head(r, GradientGraphBuilder.INPUT_GRADIENT, items * itemSize) : null;
                Map<String, InnerTensor> inner = new LinkedHashMap<>();
                for (Map.Entry<String, long[]> e : innerShapes.entrySet()) {
                    long[] shape = e.getValue().clone();
                    int per = Math.toIntExact(java.util.Arrays.stream(shape).skip(1).reduce(1, Math::multiplyExact));
                    shape[0] = items;
                    inner.put(e.getKey(), new InnerTensor(shape,
                            head(r, GradientGraphBuilder.valueOutput(e.getKey()), items * per),
                            head(r, GradientGraphBuilder.gradientOutput(e.getKey()), items * per)));
                }
                return new GradientResult(items, classes, scores, target, grad, inner);
            }
        } catch (OrtException e) {
            throw new EngineException("ONNX Runtime failed to run the gradient graph: " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] head(OrtSession.Result r, String name, int count) throws OrtException {
        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
        FloatBuffer buf = t.getFloatBuffer();
        float[] out = new float[count];
        buf.get(out);
        return out;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new EngineException("cannot close session: " + e.getMessage(), e);
        }
    }
}
