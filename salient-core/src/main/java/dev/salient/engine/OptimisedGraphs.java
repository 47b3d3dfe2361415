package dev.salient.engine;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.InvalidProtocolBufferException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Graphs as ONNX Runtime optimised them, kept in the {@link DiskCache} so that a later session is made without
 * optimising again (MobileNetV2's forward pass: 250 ms to create at the highest level, 5 ms from the kept graph,
 * running as fast). Layout rewrites fit this CPU only, so a key also names the CPU ({@link DiskCache#machine}) and
 * ONNX Runtime's version.
 *
 * <p>A graph's weights are kept apart from it, in an entry of their own that ONNX Runtime reads as the graph's
 * external data, mapping the file into memory instead of parsing and copying the weights. The first session of a
 * command-line run over the default model's gradient graph (28 MB) took 214–242 ms from the whole graph, 41–42 ms from
 * the graph (150 KB) and its mapped weights. The weights start on a page boundary of the entry's file, so each keeps
 * the alignment ONNX Runtime gave it. A kept graph names its weights' entry by that entry's file name in the cache
 * folder, and nothing else: one that names any other file is refused, and made again.
 */
final class OptimisedGraphs {
    /** Weights of at least this many bytes go to the weights entry; smaller ones stay in the graph. */
    static final int EXTERNAL_FROM_BYTES = 1024;
    private static final int PAGE = 4096;
    private static final String GRAPH_FILE = "graph.onnx";
    private static final String WEIGHTS_FILE = "weights";

    private final DiskCache cache;
    private final String runtimeVersion;

    OptimisedGraphs(DiskCache cache, String runtimeVersion) {
        this.cache = cache;
        this.runtimeVersion = runtimeVersion;
    }

    /**
     * The key the optimised form of the graph {@code graphKey} names is kept under; null when none is kept (no name, or
     * a CPU that cannot be named).
     */
    String key(String graphKey) {
        String machine = DiskCache.machine();
        return graphKey == null || machine == null ? null
                : "ort-optimised|" + graphKey + "|onnxruntime " + runtimeVersion + "|" + machine;
    }

    /**
     * A session over the graph kept under {@code key}, made with {@code options} without optimising again; empty when
     * none is kept, or what is kept is damaged or not taken by this ONNX Runtime (then removed, to be made again).
     */
    Optional<OrtSession> session(OrtEnvironment env, String key, OrtSession.SessionOptions options) {
        Optional<ByteBuffer> graph = cache.map(key);
        if (graph.isEmpty()) {
            return Optional.empty();
        }
        String weightsKey = weightsKey(key);
        try {
            if (namesWeights(graph.get(), cache.fileName(weightsKey)) && cache.map(weightsKey).isEmpty()) {
                cache.remove(key); // its weights were evicted or damaged
                return Optional.empty();
            }
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            options.addConfigEntry("session.model_external_initializers_file_folder_path", cache.folder().toString());
            return Optional.of(env.createSession(graph.get(), options));
        } catch (InvalidProtocolBufferException | IllegalArgumentException | OrtException e) {
            cache.remove(key);
            cache.remove(weightsKey);
            return Optional.empty();
        }
    }

    /**
     * Has ONNX Runtime write the graph it optimises while making a session with {@code options} into a new temporary
     * folder, its weights apart; {@link #keep} then stores them. Null when no folder can be made (nothing is kept).
     */
    Path writeInto(OrtSession.SessionOptions options) {
        Path folder;
        try {
            folder = Files.createTempDirectory("salient-optimised-");
        } catch (IOException | SecurityException e) {
            return null;
        }
        try {
            options.setOptimizedModelFilePath(folder.resolve(GRAPH_FILE).toString());
            options.addConfigEntry("session.optimized_model_external_initializers_file_name", WEIGHTS_FILE);
            options.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes",
                    Integer.toString(EXTERNAL_FROM_BYTES));
            return folder;
        } catch (OrtException e) {
            discard(folder);
            return null;
        }
    }

    /**
     * Stores what ONNX Runtime wrote into {@code folder} under {@code key}, the weights first, and deletes the folder.
     * Failing to keep is not an error: the graph is optimised again next time.
     */
    void keep(String key, Path folder) {
        try {
            byte[] graph = Files.readAllBytes(folder.resolve(GRAPH_FILE));
            Path weightsFile = folder.resolve(WEIGHTS_FILE);
            if (Files.isRegularFile(weightsFile)) {
                String weightsKey = weightsKey(key);
                long start = DiskCache.payloadOffset(weightsKey);
                int padding = (int) ((PAGE - start % PAGE) % PAGE);
                byte[] weights = Files.readAllBytes(weightsFile);
                byte[] payload = new byte[padding + weights.length];
                System.arraycopy(weights, 0, payload, padding, weights.length);
                cache.write(weightsKey, payload);
                graph = pointedAt(graph, cache.fileName(weightsKey), start + padding);
            }
            cache.write(key, graph);
        } catch (IOException | UncheckedIOException e) {
            // not kept
        } finally {
            discard(folder);
        }
    }

    /** The key of the weights of the graph kept under {@code key}. */
    static String weightsKey(String key) {
        return key + "|weights";
    }

    /** The graph with its external weights named as {@code file}, each offset moved by {@code shift}. */
    private static byte[] pointedAt(byte[] graph, String file, long shift) throws IOException {
        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.parseFrom(graph).toBuilder();
        pointAt(model.getGraphBuilder(), file, shift);
        return model.build().toByteArray();
    }

    private static void pointAt(OnnxMl.GraphProto.Builder graph, String file, long shift) {
        for (OnnxMl.TensorProto.Builder tensor : graph.getInitializerBuilderList()) {
            if (tensor.getDataLocation() != OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                continue;
            }
            boolean offset = false;
            for (OnnxMl.StringStringEntryProto.Builder entry : tensor.getExternalDataBuilderList()) {
                switch (entry.getKey()) {
                    case "location" -> entry.setValue(file);
                    case "offset" -> {
                        entry.setValue(Long.toString(Long.parseLong(entry.getValue()) + shift));
                        offset = true;
                    }
                    default -> { } // length, checksum
                }
            }
            if (!offset) { // no offset: the start of the file
                tensor.addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("offset")
                        .setValue(Long.toString(shift)));
            }
        }
        for (OnnxMl.NodeProto.Builder node : graph.getNodeBuilderList()) {
            for (OnnxMl.AttributeProto.Builder attribute : node.getAttributeBuilderList()) {
                if (attribute.hasG()) {
                    pointAt(attribute.getGBuilder(), file, shift);
                }
                for (OnnxMl.GraphProto.Builder subgraph : attribute.getGraphsBuilderList()) {
                    pointAt(subgraph, file, shift);
                }
            }
        }
    }

    /**
     * Whether the graph has external weights; all of them must be in {@code file}.
     *
     * @throws IllegalArgumentException when a tensor names another file, which a graph kept by {@link #keep} never does
     */
    private static boolean namesWeights(ByteBuffer graph, String file) throws InvalidProtocolBufferException {
        return namesWeights(OnnxMl.ModelProto.parseFrom(graph.duplicate()).getGraph(), file);
    }

    private static boolean namesWeights(OnnxMl.GraphProto graph, String file) {
        boolean external = false;
        for (OnnxMl.TensorProto tensor : graph.getInitializerList()) {
            external |= isExternalIn(tensor, file);
        }
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            for (OnnxMl.AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasT()) {
                    external |= isExternalIn(attribute.getT(), file);
                }
                for (OnnxMl.TensorProto tensor : attribute.getTensorsList()) {
                    external |= isExternalIn(tensor, file);
                }
                if (attribute.hasG()) {
                    external |= namesWeights(attribute.getG(), file);
                }
                for (OnnxMl.GraphProto subgraph : attribute.getGraphsList()) {
                    external |= namesWeights(subgraph, file);
                }
            }
        }
        return external;
    }

    private static boolean isExternalIn(OnnxMl.TensorProto tensor, String file) {
        for (OnnxMl.StringStringEntryProto entry : tensor.getExternalDataList()) {
            if (entry.getKey().equals("location") && !entry.getValue().equals(file)) {
                throw new IllegalArgumentException("a kept graph names " + entry.getValue() + " for its weights");
            }
        }
        return tensor.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL;
    }

    /** Deletes a folder {@link #writeInto} made: the graph, the weights, the folder. */
    static void discard(Path folder) {
        for (Path file : List.of(folder.resolve(GRAPH_FILE), folder.resolve(WEIGHTS_FILE), folder)) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temporary file left behind costs disk space only
            }
        }
    }
}
