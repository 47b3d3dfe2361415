package dev.salient.engine;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Kept optimised graphs: the weights in an entry of their own that ONNX Runtime maps as external data, the session
 * from them computing what the optimising one did; a kept graph that names any other file, or whose weights are gone
 * or damaged, is refused and removed (then made again by the caller).
 */
class OptimisedGraphsTest {
    private static final float[] X = TestNets.gaussian(3 * 16 * 16, 7);
    private final OrtEnvironment env = SharedRuntime.environment();
    @TempDir
    Path folder;
    @TempDir
    Path outside;
    private DiskCache cache;
    private OptimisedGraphs graphs;
    private String key;
    private float[] optimisedScores;

    @BeforeEach
    void keepTheLinearNet() throws OrtException {
        assumeTrue(DiskCache.machine() != null, "a CPU this cache can name");
        cache = DiskCache.at(folder);
        graphs = new OptimisedGraphs(cache, env.getVersion());
        key = graphs.key("test|linear");
        try (OrtSession.SessionOptions so = SharedRuntime.sessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            Path written = graphs.writeInto(so);
            try (OrtSession session = env.createSession(TestNets.linear().proto().toByteArray(), so)) {
                optimisedScores = scores(session);
            }
            graphs.keep(key, written);
            assertThat(written).as("the temporary folder").doesNotExist();
        }
    }

    @Test
    void theWeightsLiveApartAndTheKeptSessionComputesTheSame() throws Exception {
        byte[] graph = cache.read(key).orElseThrow();
        Path weights = folder.resolve(cache.fileName(OptimisedGraphs.weightsKey(key)));
        assertThat(Files.size(weights)).as("the Gemm's 4 × 768 floats").isGreaterThan(4 * 768 * 4);
        assertThat(graph.length).as("the graph without them").isLessThan(4 * 768 * 4);
        OnnxMl.TensorProto gemm = OnnxMl.ModelProto.parseFrom(graph).getGraph().getInitializerList().stream()
                .filter(t -> t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL).findFirst().orElseThrow();
        long offset = gemm.getExternalDataList().stream().filter(e -> e.getKey().equals("offset"))
                .mapToLong(e -> Long.parseLong(e.getValue())).findFirst().orElseThrow();
        assertThat(offset % 4096).as("the weights start on a page of the entry's file").isZero();

        for (int run = 0; run < 2; run++) {
            try (OrtSession.SessionOptions so = SharedRuntime.sessionOptions();
                 OrtSession kept = graphs.session(env, key, so).orElseThrow()) {
                assertThat(scores(kept)).containsExactly(optimisedScores);
            }
        }
    }

    @Test
    void aGraphNamingAnotherFileIsRefusedAndRemoved() throws Exception {
        // a whole copy of the weights outside the cache folder, which the graph is then made to name (ONNX Runtime 1.24
        // refuses such a path too; the check before it is Salient's own)
        Files.copy(folder.resolve(cache.fileName(OptimisedGraphs.weightsKey(key))), outside.resolve("outside.bin"));
        OnnxMl.ModelProto.Builder graph = OnnxMl.ModelProto.parseFrom(cache.read(key).orElseThrow()).toBuilder();
        for (OnnxMl.TensorProto.Builder t : graph.getGraphBuilder().getInitializerBuilderList()) {
            for (OnnxMl.StringStringEntryProto.Builder e : t.getExternalDataBuilderList()) {
                if (e.getKey().equals("location")) {
                    e.setValue(folder.relativize(outside.resolve("outside.bin")).toString());
                }
            }
        }
        cache.write(key, graph.build().toByteArray());
        assertRefusedAndRemoved();
    }

    @Test
    void aGraphWhoseWeightsAreGoneOrDamagedIsRefusedAndRemoved() throws Exception {
        Path weights = folder.resolve(cache.fileName(OptimisedGraphs.weightsKey(key)));
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length / 2] ^= 1;
        Files.write(weights, bytes);
        assertRefusedAndRemoved();
        assertThat(weights).doesNotExist();

        keepTheLinearNet();
        Files.delete(weights);
        assertRefusedAndRemoved();
    }

    private void assertRefusedAndRemoved() throws OrtException {
        try (OrtSession.SessionOptions so = SharedRuntime.sessionOptions()) {
            assertThat(graphs.session(env, key, so)).isEmpty();
        }
        assertThat(cache.read(key)).as("removed, to be made again").isEmpty();
    }

    private float[] scores(OrtSession session) throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(X), new long[]{1, 3, 16, 16});
             OrtSession.Result r = session.run(Map.of(TestNets.INPUT, x))) {
            float[] out = new float[4];
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
            return out;
        }
    }
}
