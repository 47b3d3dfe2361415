package dev.salient.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.*;

import java.util.*;

/**
 * Static shape of every tensor of a graph at a chosen batch size. ONNX Runtime is asked for every inner
 * tensor at batch 1 and batch 2; each dimension is linear in the batch size (batch-major layouts, flattening,
 * reshapes), so the two runs determine the shapes at any batch. This is done once per model. With the shapes
 * static, shape arithmetic is constant too: {@link #constants(int)}.
 */
public final class TensorShapes {
    private final Map<String, long[]> atOne;
    private final Map<String, long[]> atTwo;
    private final ConstantFolding folding;

    private TensorShapes(Map<String, long[]> atOne, Map<String, long[]> atTwo, OrtEnvironment env, OnnxModel model,
                         ElementTypes types) {
        this.atOne = atOne;
        this.atTwo = atTwo;
        this.folding = new ConstantFolding(env, model, types, this);
    }

    private TensorShapes(Map<String, long[]> atOne, Map<String, long[]> atTwo, ConstantFolding folding) {
        this.atOne = atOne;
        this.atTwo = atTwo;
        this.folding = folding;
    }

    /**
     * The shapes of a model derived from this one by merging nodes ({@link BatchNormFolding}): every tensor it keeps
     * has its shape here, and so does every computed constant; {@code added} are its new initializers.
     */
    TensorShapes withInitializers(Collection<OnnxMl.TensorProto> added) {
        Map<String, long[]> one = new HashMap<>(atOne);
        Map<String, long[]> two = atTwo == null ? null : new HashMap<>(atTwo);
        for (OnnxMl.TensorProto init : added) {
            long[] dims = init.getDimsList().stream().mapToLong(Long::longValue).toArray();
            one.put(init.getName(), dims);
            if (two != null) {
                two.put(init.getName(), dims);
            }
        }
        return new TensorShapes(one, two, folding);
    }

    /**
     * @param options     options for the probing session (its optimisation level is set to none)
     * @param inputShapes shape of each runtime input with its batch dimension (axis 0) set to 1
     */
    public static TensorShapes probe(OrtEnvironment env, OrtSession.SessionOptions options, OnnxModel model,
                                     ElementTypes types, Map<String, long[]> inputShapes) {
        OnnxMl.GraphProto.Builder g = model.graph().toBuilder();
        Set<String> declared = new HashSet<>();
        g.getOutputList().forEach(o -> declared.add(o.getName()));
        for (OnnxMl.NodeProto node : model.graph().getNodeList()) {
            for (String out : node.getOutputList()) {
                if (!out.isEmpty() && declared.add(out)) {
                    g.addOutput(valueInfo(out, types.of(out)));
                }
            }
        }
        // a model exported with a fixed batch of 1 is probed with a free batch dimension
        for (int i = 0; i < g.getInputCount(); i++) {
            if (inputShapes.containsKey(g.getInput(i).getName())) {
                OnnxMl.TensorShapeProto.Builder shape = g.getInputBuilder(i).getTypeBuilder().getTensorTypeBuilder()
                        .getShapeBuilder();
                if (shape.getDimCount() > 0) {
                    shape.getDimBuilder(0).clear().setDimParam("batch");
                }
            }
        }
        byte[] probeModel = model.proto().toBuilder().setGraph(g).build().toByteArray();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = env.createSession(probeModel, options)) {
                Map<String, long[]> one = run(env, session, inputShapes, 1);
                Map<String, long[]> two;
                try {
                    two = run(env, session, inputShapes, 2);
                } catch (OrtException e) {
                    two = null; // the graph hard-codes batch 1 somewhere (e.g. a Reshape to [1, -1])
                }
                for (OnnxMl.TensorProto init : model.graph().getInitializerList()) {
                    long[] dims = init.getDimsList().stream().mapToLong(Long::longValue).toArray();
                    one.put(init.getName(), dims);
                    if (two != null) {
                        two.put(init.getName(), dims);
                    }
                }
                return new TensorShapes(one, two, env, model, types);
            }
        } catch (OrtException e) {
            throw new ModelFormatException("ONNX Runtime cannot run the model: " + e.getMessage());
        }
    }

    private static Map<String, long[]> run(OrtEnvironment env, OrtSession session, Map<String, long[]> inputShapes,
                                           int batch) throws OrtException {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (Map.Entry<String, long[]> e : inputShapes.entrySet()) {
                long[] shape = e.getValue().clone();
                shape[0] = batch;
                int size = Math.toIntExact(elementCount(shape));
                // zeros: the shapes of an image classifier never depend on pixel values
                feeds.put(e.getKey(), OnnxTensor.createTensor(env, java.nio.FloatBuffer.allocate(size), shape));
            }
            Map<String, long[]> shapes = new HashMap<>();
            for (Map.Entry<String, long[]> e : inputShapes.entrySet()) {
                long[] shape = e.getValue().clone();
                shape[0] = batch;
                shapes.put(e.getKey(), shape);
            }
            try (OrtSession.Result result = session.run(feeds)) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    if (e.getValue() instanceof OnnxTensor t) {
                        shapes.put(e.getKey(), t.getInfo().getShape());
                    }
                }
            }
            return shapes;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    static OnnxMl.ValueInfoProto valueInfo(String name, int elemType) {
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType)))
                .build();
    }

    /** Largest batch the graph accepts: 1 when it hard-codes the batch size, else unbounded. */
    public int maxBatch() {
        return atTwo == null ? 1 : Integer.MAX_VALUE;
    }

    public boolean knows(String tensor) {
        return atOne.containsKey(tensor);
    }

    /** Shape of a tensor when the model runs on {@code batch} images. */
    public long[] at(String tensor, int batch) {
        if (atTwo == null && batch != 1) {
            throw new ModelFormatException("the model only runs with batch size 1 (its graph fixes the batch), "
                    + "asked for " + batch);
        }
        long[] one = atOne.get(tensor);
        long[] two = atTwo == null ? one : atTwo.get(tensor);
        if (one == null || two == null) {
            throw new IllegalArgumentException("no shape known for tensor '" + tensor + "'");
        }
        if (one.length != two.length) {
            throw new ModelFormatException("tensor '" + tensor + "' changes rank with the batch size");
        }
        long[] s = new long[one.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = one[i] + (two[i] - one[i]) * (batch - 1L);
        }
        return s;
    }

    /**
     * Values of the tensors computed from shapes and constants alone (Shape → Gather → Div → Slice bounds, ...)
     * when the model runs on {@code batch} images, by name; initializers and Constant nodes are not repeated here.
     */
    public Map<String, OnnxMl.TensorProto> constants(int batch) {
        return folding.at(batch);
    }

    /** Names of all tensors with a known shape. */
    public Set<String> names() {
        return Collections.unmodifiableSet(atOne.keySet());
    }

    /** Writes the probed shapes, for {@link #readFrom} in a later process (the engine's disk cache). */
    public void writeTo(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeBoolean(atTwo != null);
        out.writeInt(atOne.size());
        for (Map.Entry<String, long[]> e : atOne.entrySet()) {
            out.writeUTF(e.getKey());
            writeShape(out, e.getValue());
            if (atTwo != null) {
                writeShape(out, atTwo.get(e.getKey()));
            }
        }
    }

    /**
     * The shapes {@link #writeTo} wrote for {@code model} (the constant folding is set up again from the model).
     *
     * @throws java.io.IOException when the input ends early or is not what {@link #writeTo} wrote
     */
    public static TensorShapes readFrom(java.io.DataInputStream in, OrtEnvironment env, OnnxModel model,
                                        ElementTypes types) throws java.io.IOException {
        boolean batchable = in.readBoolean();
        int count = in.readInt();
        Map<String, long[]> one = new HashMap<>();
        Map<String, long[]> two = batchable ? new HashMap<>() : null;
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            long[] atBatchOne = readShape(in);
            if (atBatchOne == null) {
                throw new java.io.IOException("no batch-1 shape for tensor '" + name + "'");
            }
            one.put(name, atBatchOne);
            long[] atBatchTwo = batchable ? readShape(in) : null;
            if (atBatchTwo != null) {
                two.put(name, atBatchTwo);
            }
        }
        return new TensorShapes(one, two, env, model, types);
    }

    /** A shape, or rank −1 for none (a tensor the batch-2 run did not report). */
    private static void writeShape(java.io.DataOutputStream out, long[] shape) throws java.io.IOException {
        if (shape == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(shape.length);
        for (long d : shape) {
            out.writeLong(d);
        }
    }

    private static long[] readShape(java.io.DataInputStream in) throws java.io.IOException {
        int rank = in.readInt();
        if (rank == -1) {
            return null;
        }
        if (rank < 0 || rank > 64) {
            throw new java.io.IOException("not a tensor rank: " + rank);
        }
        long[] shape = new long[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = in.readLong();
        }
        return shape;
    }

    /** Number of elements of a tensor of this shape: Π shape[i] (1 for a scalar), overflow-checked. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
