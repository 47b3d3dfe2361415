package dev.salient.engine;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.*;
import dev.salient.autodiff.GradientGraphBuilder;
import dev.salient.autodiff.GradientGraphSpec;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.graph.ElementTypes;
import dev.salient.graph.ModelFormatException;
import dev.salient.graph.OnnxModel;
import dev.salient.graph.TensorShapes;

import java.nio.FloatBuffer;
import java.util.*;

/**
 * A model ready for the engine: its tensor shapes learned once, a forward-only ONNX Runtime session, and
 * a cache of gradient sessions (one per batch size, head, rule table and inner-tensor set), so a session
 * is built once and reused for every image.
 *
 * <p>Native sessions are never closed under a user. Gradient sessions are handed out as
 * {@link GradientSession.Lease leases}: one evicted from the cache (at most {@link EngineOptions#maxCachedGraphs}
 * are kept) is closed when its last lease is closed. {@link #close} likewise frees the model only when every
 * {@link Lease} on it is closed; a forward pass holds the forward session for its run.
 */
public final class DifferentiableModel implements AutoCloseable {
    private final OrtEnvironment env;
    private final OnnxModel model;
    private final String input;
    private final String output;
    private final ElementTypes types;
    private final TensorShapes shapes;
    private final EngineOptions options;
    private final OrtSession forward;
    private final Leases forwardLeases;
    private final Leases modelLeases = new Leases("the model", this::free);
    private final Map<Key, GradientSession> sessions;
    private boolean freed;

    /** Rule tables compare by value (their rules by identity), never by a name a caller may forget to change. */
    private record Key(TargetHead head, RuleTable rules, List<String> inner, int batch, boolean inputGradient) {}

    /** A hold on the model: it is not freed while the lease is open, even when {@link #close} is called. */
    public final class Lease implements AutoCloseable {
        private boolean released;

        private Lease() {}

        public DifferentiableModel model() {
            return DifferentiableModel.this;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                modelLeases.release();
            }
        }
    }

    private DifferentiableModel(OnnxModel model, String input, String output, long[] inputShape, EngineOptions options) {
        this.env = SharedRuntime.environment(options.threads());
        this.model = model;
        this.input = input;
        this.output = output;
        this.options = options;
        this.types = ElementTypes.of(model);
        this.shapes = probeShapes(model, types, input, inputShape);
        // fail on load, not on the first explanation, when an op on the path has no gradient rule
        GradientGraphBuilder.check(model, types, shapes,
                new GradientGraphSpec(input, output, TargetHead.LOGIT, List.of(), RuleTable.standard(), 1));
        this.forward = createSession(forwardModel().toByteArray());
        this.forwardLeases = new Leases("the model", this::closeForward);
        this.sessions = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, GradientSession> eldest) {
                if (size() > options.maxCachedGraphs()) {
                    eldest.getValue().retire(); // closed now, or when the method running it lets go
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * @param input      the image input tensor
     * @param output     the class-score tensor (a graph output, or an inner tensor such as a final Softmax's input)
     * @param inputShape the input's shape with batch 1
     */
    public static DifferentiableModel open(OnnxModel model, String input, String output, long[] inputShape,
                                           EngineOptions options) {
        return new DifferentiableModel(model, input, output, inputShape, options);
    }

    private OnnxMl.ModelProto forwardModel() {
        OnnxMl.GraphProto.Builder g = model.graph().toBuilder().clearOutput();
        g.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(output).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(types.of(output)))));
        for (int i = 0; i < g.getInputCount(); i++) {
            if (g.getInput(i).getName().equals(input)) {
                OnnxMl.ValueInfoProto.Builder in = g.getInputBuilder(i);
                in.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).clear().setDimParam("batch");
            }
        }
        return model.proto().toBuilder().setGraph(g).build();
    }

    private OrtSession createSession(byte[] bytes) {
        try (OrtSession.SessionOptions so = sessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return env.createSession(bytes, so);
        } catch (OrtException e) {
            throw new ModelFormatException("ONNX Runtime cannot load the model: " + e.getMessage());
        }
    }

    private TensorShapes probeShapes(OnnxModel model, ElementTypes types, String input, long[] inputShape) {
        try (OrtSession.SessionOptions so = sessionOptions()) {
            return TensorShapes.probe(env, so, model, types, Map.of(input, inputShape));
        }
    }

    private OrtSession.SessionOptions sessionOptions() {
        try {
            return SharedRuntime.sessionOptions();
        } catch (OrtException e) {
            throw new EngineException("cannot configure an ONNX Runtime session: " + e.getMessage(), e);
        }
    }

    public OnnxModel model() {
        return model;
    }

    public String inputName() {
        return input;
    }

    public String outputName() {
        return output;
    }

    public TensorShapes shapes() {
        return shapes;
    }

    public ElementTypes types() {
        return types;
    }

    /** Largest batch the graph runs: 1 when it fixes the batch size (see {@link TensorShapes#maxBatch}). */
    public int maxBatch() {
        return shapes.maxBatch();
    }

    public long[] inputShape(int batch) {
        return shapes.at(input, batch);
    }

    public int itemSize() {
        long[] s = inputShape(1);
        return Math.toIntExact(Arrays.stream(s).reduce(1, Math::multiplyExact));
    }

    public int classes() {
        long[] s = shapes.at(output, 1);
        return Math.toIntExact(Arrays.stream(s).reduce(1, Math::multiplyExact));
    }

    /**
     * Class scores for {@code items} inputs: forward passes of the plain model, {@link #maxBatch} items at a time.
     *
     * @throws IllegalStateException when the model has been closed
     */
    public float[] forward(float[] inputs, int items) {
        int itemSize = itemSize();
        if (inputs.length != items * itemSize) {
            throw new IllegalArgumentException("expected " + items * itemSize + " input values, got " + inputs.length);
        }
        int classes = classes();
        float[] out = new float[items * classes];
        forwardLeases.acquire();
        try {
            for (int first = 0; first < items; first += maxBatch()) {
                int chunk = Math.min(maxBatch(), items - first);
                long[] shape = inputShape(1).clone();
                shape[0] = chunk;
                FloatBuffer in = FloatBuffer.wrap(inputs, first * itemSize, chunk * itemSize).slice();
                try (OnnxTensor x = OnnxTensor.createTensor(env, in, shape);
                     OrtSession.Result r = forward.run(Map.of(input, x))) {
                    ((OnnxTensor) r.get(0)).getFloatBuffer().get(out, first * classes, chunk * classes);
                }
            }
            return out;
        } catch (OrtException e) {
            throw new EngineException("ONNX Runtime failed to run the model: " + e.getMessage(), e);
        } finally {
            forwardLeases.release();
        }
    }

    /**
     * A lease on the gradient session for this configuration, built on first use and cached; close the lease when
     * done ({@code try (var session = model.gradientSession(...))}).
     */
    public GradientSession.Lease gradientSession(TargetHead head, RuleTable rules, List<String> inner, int batch) {
        return gradientSession(head, rules, inner, batch, true);
    }

    /**
     * @param batch         at most {@link #maxBatch}
     * @param inputGradient false to stop the backward pass at the inner tensors (their gradients only), which
     *                      costs a fraction of a full gradient when they lie deep in the network
     * @throws IllegalStateException when the model has been closed
     */
    public synchronized GradientSession.Lease gradientSession(TargetHead head, RuleTable rules, List<String> inner,
                                                              int batch, boolean inputGradient) {
        if (freed) {
            throw new IllegalStateException("the model is closed");
        }
        Key key = new Key(head, rules, List.copyOf(inner), batch, inputGradient);
        GradientSession cached = sessions.get(key);
        if (cached != null) {
            return cached.lease();
        }
        GradientGraphSpec spec = new GradientGraphSpec(input, output, head, inner, rules, batch, inputGradient,
                !SharedRuntime.blockedLayout());
        OnnxMl.ModelProto graph = GradientGraphBuilder.build(model, types, shapes, spec);
        Map<String, long[]> innerShapes = new LinkedHashMap<>();
        for (String t : inner) {
            innerShapes.put(t, shapes.at(t, batch));
        }
        GradientSession s = new GradientSession(env, createSession(graph.toByteArray()), spec, inputShape(batch),
                classes(), innerShapes);
        GradientSession.Lease lease = s.lease(); // before put: the put may evict, never the newest entry
        sessions.put(key, s);
        return lease;
    }

    /**
     * The gradient graph itself, to save as a self-contained explainer model for any ONNX runtime: built
     * {@link GradientGraphSpec#portable() portable}, so it can differ from what this model's sessions run.
     *
     * @param inputGradient false to stop the backward pass at the inner tensors, as in {@link #gradientSession}
     */
    public OnnxMl.ModelProto gradientGraph(TargetHead head, RuleTable rules, List<String> inner, int batch,
                                           boolean inputGradient) {
        return GradientGraphBuilder.build(model, types, shapes,
                new GradientGraphSpec(input, output, head, inner, rules, batch, inputGradient, true));
    }

    /**
     * A hold on the model for a whole request, so that {@link #close} from another thread waits for it.
     *
     * @throws IllegalStateException when the model has been closed
     */
    public Lease lease() {
        modelLeases.acquire();
        return new Lease();
    }

    /** Closes the model now, or when its last {@link Lease} is closed; later calls fail with an IllegalStateException. */
    @Override
    public void close() {
        modelLeases.retire();
    }

    private void free() {
        synchronized (this) {
            freed = true;
            sessions.values().forEach(GradientSession::retire);
            sessions.clear();
        }
        forwardLeases.retire();
    }

    private void closeForward() {
        try {
            forward.close();
        } catch (OrtException e) {
            throw new EngineException("cannot close session: " + e.getMessage(), e);
        }
    }
}
