package dev.salient.engine;

import ai.onnxruntime.*;
import dev.salient.autodiff.GradientGraphBuilder;
import dev.salient.autodiff.GradientGraphSpec;
import dev.salient.graph.TensorShapes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ONNX Runtime session over one gradient graph (fixed batch size, head, rules and inner tensors).
 * Built once and reused; {@link #run} accepts fewer items than the batch and pads with zeros.
 * Runs are serialised: ONNX Runtime already uses every core inside one run.
 *
 * <p>The model's cache owns the session and hands out {@link Lease}s ({@link DifferentiableModel#gradientSession});
 * the native session is closed only when the cache has let go of it (evicted, or the model closed) and every
 * lease is closed, so a method can run it chunk after chunk while other threads fill the cache.
 */
public final class GradientSession {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final GradientGraphSpec spec;
    private final long[] inputShape;
    private final int classes;
    private final Map<String, long[]> innerShapes;
    private final Leases leases = new Leases("the gradient session", this::closeNative);
    /** The graph's inputs, reused by every run (runs are serialised). */
    private FloatBuffer inputBuffer;
    private FloatBuffer seedBuffer;
    private boolean closed;

    /** The right to run the session until {@link #close}: it is not closed under a lease holder. */
    public final class Lease implements AutoCloseable {
        private boolean released;

        private Lease() {}

        public GradientSession session() {
            return GradientSession.this;
        }

        /** {@link GradientSession#run}. */
        public GradientResult run(float[] inputs, float[] seeds, int items) {
            return GradientSession.this.run(inputs, seeds, items);
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                leases.release();
            }
        }
    }

    GradientSession(OrtEnvironment env, OrtSession session, GradientGraphSpec spec, long[] inputShape, int classes,
                    Map<String, long[]> innerShapes) {
        this.env = env;
        this.session = session;
        this.spec = spec;
        this.inputShape = inputShape;
        this.classes = classes;
        this.innerShapes = innerShapes;
    }

    Lease lease() {
        leases.acquire();
        return new Lease();
    }

    /** The cache lets go of the session: closed now, or when its last lease is closed. */
    void retire() {
        leases.retire();
    }

    synchronized boolean isClosed() {
        return closed;
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
     * @throws IllegalStateException when the session has been closed (run it through a {@link Lease})
     */
    public synchronized GradientResult run(float[] inputs, float[] seeds, int items) {
        if (closed) {
            throw new IllegalStateException("the gradient session is closed");
        }
        int batch = spec.batch();
        if (items < 1 || items > batch) {
            throw new IllegalArgumentException("items must be in 1.." + batch + ": " + items);
        }
        int itemSize = itemSize();
        if (inputs.length != items * itemSize || seeds.length != items * classes) {
            throw new IllegalArgumentException("expected " + items * itemSize + " input values and "
                    + items * classes + " seed values, got " + inputs.length + " and " + seeds.length);
        }
        if (inputBuffer == null) {
            inputBuffer = directFloats(batch * itemSize);
            seedBuffer = directFloats(batch * classes);
        }
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put(spec.input(), OnnxTensor.createTensor(env, padded(inputBuffer, inputs), inputShape));
            feeds.put(GradientGraphBuilder.SEED, OnnxTensor.createTensor(env, padded(seedBuffer, seeds),
                    new long[]{batch, classes}));
            try (OrtSession.Result r = session.run(feeds)) {
                float[] scores = head(r, GradientGraphBuilder.SCORES, items * classes);
                float[] target = head(r, GradientGraphBuilder.TARGET, items);
                float[] grad = spec.inputGradient() ? head(r, GradientGraphBuilder.INPUT_GRADIENT, items * itemSize) : null;
                Map<String, InnerTensor> inner = new LinkedHashMap<>();
                for (Map.Entry<String, long[]> e : innerShapes.entrySet()) {
                    long[] shape = e.getValue().clone();
                    // per item: total / batch, not prod(shape[1:]): torchvision's attention is [N·heads, T, T]
                    int per = Math.toIntExact(TensorShapes.elementCount(shape) / batch);
                    shape[0] = shape[0] / batch * items;
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

    /**
     * A native-order direct buffer, which ONNX Runtime reads in place: a heap array is copied into a new direct buffer
     * on every run instead (MobileNetV2: 600 kB allocated and zeroed per image).
     */
    private static FloatBuffer directFloats(int count) {
        return ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** {@code buffer} holding {@code values} then zeros to its end, ready to read. */
    private static FloatBuffer padded(FloatBuffer buffer, float[] values) {
        buffer.clear();
        buffer.put(values);
        while (buffer.hasRemaining()) {
            buffer.put(0f);
        }
        return buffer.flip();
    }

    private static float[] head(OrtSession.Result r, String name, int count) throws OrtException {
        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
        FloatBuffer buf = t.getFloatBuffer();
        float[] out = new float[count];
        buf.get(out);
        return out;
    }

    /** Runs once no lease is left; the lock keeps it from freeing the session under a run. */
    private synchronized void closeNative() {
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            throw new EngineException("cannot close session: " + e.getMessage(), e);
        }
    }
}
