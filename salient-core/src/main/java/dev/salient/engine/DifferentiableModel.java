package dev.salient.engine;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.*;
import dev.salient.autodiff.GradientGraphBuilder;
import dev.salient.autodiff.GradientGraphSpec;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.autodiff.UnsupportedOperatorException;
import dev.salient.graph.ElementTypes;
import dev.salient.graph.ModelFormatException;
import dev.salient.graph.OnnxModel;
import dev.salient.graph.TensorShapes;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model ready for the engine: its tensor shapes learned once, a forward-only ONNX Runtime session, and
 * a cache of gradient sessions (one per batch size, head, rule table and inner-tensor set), so a session
 * is built once and reused for every image.
 *
 * <p>Native sessions are never closed under a user. Gradient sessions are handed out as
 * {@link GradientSession.Lease leases}: one evicted from the cache (at most {@link EngineOptions#maxCachedGraphs}
 * are kept) is closed when its last lease is closed. {@link #close} likewise frees the model only when every
 * {@link Lease} on it is closed; a forward pass holds the forward session for its run.
 *
 * <p>With a {@link EngineOptions#cacheFolder cache folder}, what is slow to make and depends only on the model's
 * content is kept on disk ({@link DiskCache}) under a key naming that content: the probed tensor shapes, gradient
 * graphs of the standard rule table and measured chunk sizes. A command-line run then skips the shape probe (a run
 * of the whole model with every tensor as an output) and the graph construction.
 */
public final class DifferentiableModel implements AutoCloseable {
    private final OrtEnvironment env;
    private final OnnxModel model;
    private final String input;
    private final String output;
    private final ElementTypes types;
    private final TensorShapes shapes;
    private final Optional<UnsupportedOperatorException> gradientUnsupported;
    private final EngineOptions options;
    /**
     * Forward sessions by lane ({@link #forward(float[], int, int)}): 0 on the shared pool, the others single-threaded;
     * each made on first use, all closed together.
     */
    private final Map<Integer, OrtSession> forwardSessions = new HashMap<>();
    private final Leases forwardLeases;
    private final Leases modelLeases = new Leases("the model", this::free);
    private final Map<Key, GradientSession> sessions;
    private final DiskCache diskCache;
    /** ONNX Runtime's optimised graphs kept in {@link #diskCache}; null without one. */
    private final OptimisedGraphs optimisedGraphs;
    /** Names the model's content, input, output and input shape and this build of Salient; null without a disk cache. */
    private final String contentKey;
    private final Map<ChunkKind, ChunkTimings> measuredChunks = new ConcurrentHashMap<>();
    private boolean freed;

    /** The model whose {@link #prepare} runs on this thread, if any. */
    private static final ThreadLocal<DifferentiableModel> PREPARING = new ThreadLocal<>();

    /** Ends a {@link #prepare}d piece of work at its first session. */
    private static final class Prepared extends RuntimeException {
        Prepared() {
            super(null, null, false, false);
        }
    }

    /** Rule tables compare by value (their rules by identity), never by a name a caller may forget to change. */
    private record Key(TargetHead head, RuleTable rules, List<String> inner, int batch, boolean inputGradient,
                       int lane) {
        boolean isOf(ChunkKind kind) {
            return kind.equals(new ChunkKind(head, rules, inner, inputGradient));
        }
    }

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

    private DifferentiableModel(OnnxModel model, String contentDigest, String input, String output, long[] inputShape,
                                EngineOptions options) {
        this.env = SharedRuntime.environment(options.threads());
        this.model = model;
        this.input = input;
        this.output = output;
        this.options = options;
        this.types = ElementTypes.of(model);
        this.diskCache = options.cacheFolder() == null ? null : DiskCache.at(options.cacheFolder());
        this.optimisedGraphs = diskCache == null ? null : new OptimisedGraphs(diskCache, env.getVersion());
        // a model named by its digest is serialised only when its optimised graph is not kept (14 MB, the default model)
        byte[] forwardBytes = diskCache != null && contentDigest != null ? null : forwardModel().toByteArray();
        this.contentKey = diskCache == null ? null
                : (contentDigest != null ? contentDigest : "onnx-sha256:" + DiskCache.sha256(forwardBytes)) + "|" + input
                + "|" + output + "|" + Arrays.toString(inputShape) + "|" + DiskCache.codeVersion();
        this.shapes = shapes(model, types, input, inputShape);
        this.gradientUnsupported = gradientProblem(model, input, output);
        if (forwardBytes != null) {
            // the bytes are at hand (hashed above, or nothing is kept): made now rather than serialised again later.
            // A digest-named model's session waits for its first forward pass instead: a command-line explain then
            // builds its gradient session meanwhile (ExplainCommand), and shapes read from the disk cache mean this
            // content was probed, so loaded by ONNX Runtime, before.
            forwardSessions.put(0, createSession(() -> forwardBytes, forwardKey(), false));
        }
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
        return new DifferentiableModel(model, null, input, output, inputShape, options);
    }

    /**
     * As {@link #open(OnnxModel, String, String, long[], EngineOptions)}, for a model whose content the caller can
     * name more cheaply than by hashing the whole graph (a file's remembered digest, see {@link DiskCache#fileDigest}).
     *
     * @param contentDigest names the model's content: two models with the same digest must be the same graph
     */
    public static DifferentiableModel open(OnnxModel model, String contentDigest, String input, String output,
                                           long[] inputShape, EngineOptions options) {
        return new DifferentiableModel(model, Objects.requireNonNull(contentDigest, "contentDigest"), input, output,
                inputShape, options);
    }

    /**
     * What the first gradient would fail on, found on load by building (and dropping) the batch-1 gradient graph:
     * the model still classifies, only gradient requests throw (naming the op).
     */
    private Optional<UnsupportedOperatorException> gradientProblem(OnnxModel model, String input, String output) {
        // a model that passed is remembered on disk: the check builds the whole graph (0.1–0.2 s on the default model)
        String passed = diskCache == null ? null : "gradient-check|" + contentKey;
        if (passed != null && diskCache.readText(passed).filter("passed"::equals).isPresent()) {
            return Optional.empty();
        }
        try {
            GradientGraphBuilder.check(model, types, shapes,
                    new GradientGraphSpec(input, output, TargetHead.LOGIT, List.of(), RuleTable.standard(), 1));
        } catch (UnsupportedOperatorException e) {
            return Optional.of(e);
        }
        if (passed != null) {
            diskCache.writeText(passed, "passed");
        }
        return Optional.empty();
    }

    /**
     * Why gradients of this model cannot be computed with the standard rules (an op without a backward rule, ...),
     * or empty when they can; forward passes work either way.
     */
    public Optional<UnsupportedOperatorException> gradientUnsupported() {
        return gradientUnsupported;
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

    /**
     * A session over {@code graph}, optimised by ONNX Runtime at its highest level. With a disk cache and a key naming
     * the graph, the graph as ONNX Runtime optimised it is kept and later loaded without optimising again
     * ({@link OptimisedGraphs}).
     *
     * @param graph    the graph's bytes, asked for only when no optimised graph is kept
     * @param graphKey names the graph's content, or null to keep nothing
     * @param lane     a single-threaded session ({@link SharedRuntime#laneSessionOptions}) instead of one on the pool
     */
    private OrtSession createSession(java.util.function.Supplier<byte[]> graph, String graphKey, boolean lane) {
        String key = optimisedKey(graphKey);
        Optional<OrtSession> kept = optimisedSession(key, lane);
        if (kept.isPresent()) {
            return kept.get();
        }
        Path written = null;
        try (OrtSession.SessionOptions so = sessionOptions(lane)) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (key != null) {
                written = optimisedGraphs.writeInto(so);
            }
            OrtSession session = env.createSession(graph.get(), so);
            if (written != null) {
                optimisedGraphs.keep(key, written);
                written = null;
            }
            return session;
        } catch (OrtException e) {
            throw new ModelFormatException("ONNX Runtime cannot load the model: " + e.getMessage());
        } finally {
            if (written != null) {
                OptimisedGraphs.discard(written);
            }
        }
    }

    /** The key the optimised form of the graph {@code graphKey} names is kept under; null when none is kept. */
    private String optimisedKey(String graphKey) {
        return optimisedGraphs == null ? null : optimisedGraphs.key(graphKey);
    }

    /** A session over the kept optimised graph {@code key} names, made without optimising again; empty when none. */
    private Optional<OrtSession> optimisedSession(String key, boolean lane) {
        if (key == null) {
            return Optional.empty();
        }
        try (OrtSession.SessionOptions so = sessionOptions(lane)) {
            return optimisedGraphs.session(env, key, so);
        }
    }

    /** The tensor shapes: from the disk cache, else probed through ONNX Runtime (and then kept). */
    private TensorShapes shapes(OnnxModel model, ElementTypes types, String input, long[] inputShape) {
        String key = diskCache == null ? null : "shapes|" + contentKey;
        if (key != null) {
            Optional<byte[]> cached = diskCache.read(key);
            if (cached.isPresent()) {
                try {
                    return TensorShapes.readFrom(new DataInputStream(new ByteArrayInputStream(cached.get())), env,
                            model, types);
                } catch (IOException e) {
                    diskCache.remove(key); // verified bytes of another format: probe again
                }
            }
        }
        TensorShapes probed;
        try (OrtSession.SessionOptions so = sessionOptions(false)) {
            probed = TensorShapes.probe(env, so, model, types, Map.of(input, inputShape));
        }
        if (key != null) {
            try {
                diskCache.write(key, DiskCache.bytesOf(probed::writeTo));
            } catch (java.io.UncheckedIOException e) {
                // a tensor name too long for the format: probe again next time
            }
        }
        return probed;
    }

    private OrtSession.SessionOptions sessionOptions(boolean lane) {
        try {
            return lane ? SharedRuntime.laneSessionOptions() : SharedRuntime.sessionOptions();
        } catch (OrtException e) {
            throw new EngineException("cannot configure an ONNX Runtime session: " + e.getMessage(), e);
        }
    }

    /** The options this model's sessions were made with (threads, cache size), for a model derived from it. */
    public EngineOptions options() {
        return options;
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
        return Math.toIntExact(TensorShapes.elementCount(s));
    }

    public int classes() {
        long[] s = shapes.at(output, 1);
        return Math.toIntExact(TensorShapes.elementCount(s));
    }

    /**
     * Class scores for {@code items} inputs: forward passes of the plain model, {@link #maxBatch} items at a time.
     *
     * @throws IllegalStateException when the model has been closed
     */
    public float[] forward(float[] inputs, int items) {
        return forward(inputs, items, 0);
    }

    /**
     * @param lane 0 for the forward session on the shared pool; 1 to {@link #lanes} for one of the single-threaded
     *             forward sessions a many-sample run uses side by side (made on first use)
     */
    public float[] forward(float[] inputs, int items, int lane) {
        checkLane(lane);
        int itemSize = itemSize();
        if (inputs.length != items * itemSize) {
            throw new IllegalArgumentException("expected " + items * itemSize + " input values, got " + inputs.length);
        }
        int classes = classes();
        float[] out = new float[items * classes];
        forwardLeases.acquire();
        try {
            OrtSession session = forwardSession(lane);
            if (PREPARING.get() == this) {
                throw new Prepared(); // the lease is let go below
            }
            for (int first = 0; first < items; first += maxBatch()) {
                int chunk = Math.min(maxBatch(), items - first);
                long[] shape = inputShape(1).clone();
                shape[0] = chunk;
                FloatBuffer in = FloatBuffer.wrap(inputs, first * itemSize, chunk * itemSize).slice();
                try (OnnxTensor x = OnnxTensor.createTensor(env, in, shape);
                     OrtSession.Result r = session.run(Map.of(input, x))) {
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
    public GradientSession.Lease gradientSession(TargetHead head, RuleTable rules, List<String> inner, int batch,
                                                 boolean inputGradient) {
        return gradientSession(head, rules, inner, batch, inputGradient, 0);
    }

    /**
     * How many chunks of a many-sample run go at once, each on its own single-threaded session
     * ({@link SharedRuntime#laneSessionOptions}): {@link EngineOptions#lanes}, by default one per thread of the pool.
     */
    public int lanes() {
        return SharedRuntime.lanes(options.lanes());
    }

    /**
     * @param lane 0 for the session on the shared pool; 1 to {@link #lanes} for one of the single-threaded sessions
     *             a many-sample run uses side by side, each its own (a session runs one call at a time)
     */
    public synchronized GradientSession.Lease gradientSession(TargetHead head, RuleTable rules, List<String> inner,
                                                              int batch, boolean inputGradient, int lane) {
        if (freed) {
            throw new IllegalStateException("the model is closed");
        }
        checkLane(lane);
        Key key = new Key(head, rules, List.copyOf(inner), batch, inputGradient, lane);
        GradientSession cached = sessions.get(key);
        if (cached != null) {
            return preparedOr(cached.lease());
        }
        GradientGraphSpec spec = new GradientGraphSpec(input, output, head, inner, rules, batch, inputGradient,
                !SharedRuntime.blockedLayout());
        OrtSession session = gradientGraphSession(spec, lane > 0);
        Map<String, long[]> innerShapes = new LinkedHashMap<>(); // known: the graph was built over these tensors
        for (String t : inner) {
            innerShapes.put(t, shapes.at(t, batch));
        }
        GradientSession s = new GradientSession(env, session, spec, inputShape(batch), classes(), innerShapes);
        GradientSession.Lease lease = s.lease(); // before put: the put may evict, never the newest entry
        sessions.put(key, s);
        return preparedOr(lease);
    }

    /**
     * Makes the session {@code work} asks for first and stops it there, before any pass runs: the session stays
     * cached for whoever runs the same work next. For a caller with an idle core and work it knows it will do: the
     * command line's explain builds the method's session while it classifies the photo. Running the method once on
     * the side instead (a map for class 0, thrown away) cost its first pass twice: explain took 1.06 s median against
     * 0.99 s this way (default model, interleaved runs). Whatever else {@code work} throws first is thrown.
     */
    public void prepare(Runnable work) {
        PREPARING.set(this);
        try {
            work.run();
        } catch (Prepared e) {
            // the first session is made
        } finally {
            PREPARING.remove();
        }
    }

    private static void checkLane(int lane) {
        if (lane < 0) {
            throw new IllegalArgumentException("lane must be 0 (the pool) or more: " + lane);
        }
    }

    /** {@code lease}, or, under {@link #prepare}, the lease let go and the work stopped. */
    private GradientSession.Lease preparedOr(GradientSession.Lease lease) {
        if (PREPARING.get() == this) {
            lease.close();
            throw new Prepared();
        }
        return lease;
    }

    /**
     * Lets go of the cached gradient sessions of {@code kind} at every batch size but {@code kept}: each is closed now,
     * or when the method running it closes its last lease. A chunk-size probe builds a session per size it measures,
     * each holding its own arena; the sizes it did not choose would otherwise stay until evicted.
     */
    public synchronized void retireSessionsExcept(ChunkKind kind, Set<Integer> kept) {
        sessions.entrySet().removeIf(e -> {
            boolean retired = e.getKey().isOf(kind) && !kept.contains(e.getKey().batch());
            if (retired) {
                e.getValue().retire();
            }
            return retired;
        });
    }

    /** The batch sizes of the cached gradient sessions of {@code kind}, smallest first. */
    public synchronized SortedSet<Integer> cachedBatchSizes(ChunkKind kind) {
        SortedSet<Integer> sizes = new TreeSet<>();
        sessions.keySet().stream().filter(k -> k.isOf(kind)).forEach(k -> sizes.add(k.batch()));
        return Collections.unmodifiableSortedSet(sizes);
    }

    /**
     * A session over the gradient graph for {@code spec}: the graph read from the disk cache when it holds it, else
     * built (and then kept, for the standard rule table, whose graphs mean the same in every process).
     */
    private OrtSession gradientGraphSession(GradientGraphSpec spec, boolean lane) {
        String key = diskCache == null || !spec.rules().equals(RuleTable.standard()) ? null
                : "gradient-graph|" + contentKey + "|" + spec.head() + "|" + spec.innerTensors() + "|" + spec.batch()
                + "|" + spec.inputGradient() + "|" + spec.portable();
        if (key != null) {
            Optional<OrtSession> kept = optimisedSession(optimisedKey(key), lane); // skips reading the plain graph
            if (kept.isPresent()) {
                return kept.get();
            }
            Optional<byte[]> cached = diskCache.read(key);
            if (cached.isPresent()) {
                try {
                    return createSession(cached::get, key, lane);
                } catch (ModelFormatException e) {
                    diskCache.remove(key); // verified, yet not a graph ONNX Runtime takes: build it again
                }
            }
        }
        byte[] graph = GradientGraphBuilder.build(model, types, shapes, spec).toByteArray();
        if (key != null) {
            diskCache.write(key, graph);
        }
        return createSession(() -> graph, key, lane);
    }

    /**
     * Chunk sizes measured for {@code kind} on this model ({@code attribution.Batching} measures them): remembered
     * for the process, and read from the disk cache when this process has not measured them yet.
     */
    public Optional<ChunkTimings> chunkTimings(ChunkKind kind) {
        ChunkTimings known = measuredChunks.get(kind);
        if (known == null && diskCache != null && kind.persistentName() != null) {
            try {
                known = diskCache.readText(chunkTimingsKey(kind)).map(ChunkTimings::decode).orElse(null);
            } catch (IllegalArgumentException e) {
                known = null; // verified text of another format: measure again
            }
            if (known != null) {
                measuredChunks.putIfAbsent(kind, known);
            }
        }
        return Optional.ofNullable(known);
    }

    /**
     * Forgets the chunk timings of {@code kind}, in the process and on disk: the next run of that kind measures again.
     */
    public void forgetChunkTimings(ChunkKind kind) {
        measuredChunks.remove(kind);
        if (diskCache != null && kind.persistentName() != null) {
            diskCache.remove(chunkTimingsKey(kind));
        }
    }

    /** Adds measured chunk timings for {@code kind} to what is remembered (and kept on disk when it can be). */
    public void rememberChunkTimings(ChunkKind kind, ChunkTimings measured) {
        ChunkTimings merged = measuredChunks.merge(kind, measured, ChunkTimings::merge);
        if (diskCache != null && kind.persistentName() != null) {
            diskCache.writeText(chunkTimingsKey(kind), merged.encode());
        }
    }

    /** Measured chunk sizes depend on the machine, the pool and the lanes as well as on the model. */
    private String chunkTimingsKey(ChunkKind kind) {
        return "chunk-timings|" + contentKey + "|" + kind.persistentName() + "|lanes " + lanes()
                + "|threads " + SharedRuntime.poolSize()
                + " of " + Runtime.getRuntime().availableProcessors() + "|" + System.getProperty("os.arch");
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

    /** The forward session of {@code lane}, made on first use (under a forward lease). */
    private OrtSession forwardSession(int lane) {
        synchronized (forwardSessions) {
            return forwardSessions.computeIfAbsent(lane, l -> createSession(forwardModel()::toByteArray, forwardKey(),
                    l > 0));
        }
    }

    private String forwardKey() {
        return contentKey == null ? null : "forward|" + contentKey;
    }

    private void closeForward() {
        try {
            synchronized (forwardSessions) {
                for (OrtSession session : forwardSessions.values()) {
                    session.close();
                }
                forwardSessions.clear();
            }
        } catch (OrtException e) {
            throw new EngineException("cannot close session: " + e.getMessage(), e);
        }
    }
}
