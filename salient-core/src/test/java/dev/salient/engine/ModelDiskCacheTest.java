package dev.salient.engine;

import ai.onnx.proto.OnnxMl;
import dev.salient.autodiff.ModifiedRules;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.graph.OnnxModel;
import dev.salient.testing.SharedData;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A model with a cache folder keeps its probed shapes and standard gradient graphs on disk, keyed by its content: a
 * second process reads them back and computes the same gradient; damaged entries are rebuilt; a model with other
 * weights never gets another model's graph; graphs of other rule tables are never written.
 */
class ModelDiskCacheTest {
    private static final long[] MOBILENET_INPUT = {1, 3, 224, 224};

    private static float[] gradient(DifferentiableModel model, RuleTable rules, int classes) {
        float[] x = new float[model.itemSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 97) / 96f;
        }
        float[] seed = new float[classes];
        seed[1] = 1;
        try (GradientSession.Lease session = model.gradientSession(TargetHead.LOGIT, rules, List.of(), 1)) {
            return session.run(x, seed, 1).inputGradient();
        }
    }

    private static List<Path> entries(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".entry")).toList();
        }
    }

    @Test
    void aSecondOpeningReadsShapesAndGraphAndComputesTheSameGradient(@TempDir Path cacheFolder) throws IOException {
        OnnxModel onnx = OnnxModel.load(SharedData.mobileNetV2());
        EngineOptions cached = EngineOptions.DEFAULT.withCacheFolder(cacheFolder);
        float[] uncachedGradient;
        try (DifferentiableModel plain = DifferentiableModel.open(onnx, "input", "logits", MOBILENET_INPUT,
                EngineOptions.DEFAULT)) {
            uncachedGradient = gradient(plain, RuleTable.standard(), 1001);
        }
        float[] built;
        try (DifferentiableModel model = DifferentiableModel.open(onnx, "input", "logits", MOBILENET_INPUT, cached)) {
            built = gradient(model, RuleTable.standard(), 1001);
        }
        // shapes, the passed gradient check, the gradient graph, and the forward and gradient graphs as ONNX Runtime
        // optimised them for this CPU, each with its weights apart (OptimisedGraphs)
        boolean optimisedKept = DiskCache.machine() != null;
        assertThat(entries(cacheFolder)).hasSize(optimisedKept ? 7 : 3);
        long hitsBefore = DiskCache.at(cacheFolder).hits();
        try (DifferentiableModel model = DifferentiableModel.open(onnx, "input", "logits", MOBILENET_INPUT, cached)) {
            assertThat(Arrays.equals(gradient(model, RuleTable.standard(), 1001), built)).isTrue();
            assertThat(model.forward(new float[model.itemSize()], 1)).as("the kept optimised forward graph")
                    .containsExactly(plainForward(onnx));
        }
        // read back: shapes and check, then the optimised graphs and their weights (the plain gradient graph is not
        // read then)
        assertThat(DiskCache.at(cacheFolder).hits() - hitsBefore).isEqualTo(optimisedKept ? 6 : 3);
        assertThat(Arrays.equals(built, uncachedGradient)).as("the cached graph is the one built without a cache")
                .isTrue();

        for (Path entry : entries(cacheFolder)) { // truncated by a crash or a full disk
            byte[] bytes = Files.readAllBytes(entry);
            Files.write(entry, Arrays.copyOf(bytes, bytes.length - 100));
        }
        try (DifferentiableModel model = DifferentiableModel.open(onnx, "input", "logits", MOBILENET_INPUT, cached)) {
            assertThat(Arrays.equals(gradient(model, RuleTable.standard(), 1001), built)).isTrue();
        }
        hitsBefore = DiskCache.at(cacheFolder).hits();
        try (DifferentiableModel model = DifferentiableModel.open(onnx, "input", "logits", MOBILENET_INPUT, cached)) {
            gradient(model, RuleTable.standard(), 1001);
        }
        assertThat(DiskCache.at(cacheFolder).hits() - hitsBefore).as("rebuilt and written whole again")
                .isEqualTo(optimisedKept ? 6 : 3);
    }

    private static float[] plainForward(OnnxModel onnx) {
        try (DifferentiableModel plain = DifferentiableModel.open(onnx, "input", "logits", MOBILENET_INPUT,
                EngineOptions.DEFAULT)) {
            return plain.forward(new float[plain.itemSize()], 1);
        }
    }

    @Test
    void anotherModelWithTheSameTensorsGetsItsOwnGraph(@TempDir Path cacheFolder) throws IOException {
        OnnxModel tiny = TestNets.tiny();
        OnnxMl.ModelProto.Builder changed = tiny.proto().toBuilder();
        OnnxMl.TensorProto.Builder weights = changed.getGraphBuilder().getInitializerBuilder(0);
        weights.setRawData(com.google.protobuf.ByteString.copyFrom(reversed(weights.getRawData().toByteArray())));
        OnnxModel other = new OnnxModel(changed.build());
        EngineOptions cached = EngineOptions.DEFAULT.withCacheFolder(cacheFolder);
        long[] shape = {1, 1, 6, 6};
        float[] tinyGradient;
        float[] otherUncached;
        try (DifferentiableModel a = DifferentiableModel.open(tiny, TestNets.INPUT, TestNets.OUTPUT, shape, cached);
             DifferentiableModel b = DifferentiableModel.open(other, TestNets.INPUT, TestNets.OUTPUT, shape,
                     EngineOptions.DEFAULT)) {
            tinyGradient = gradient(a, RuleTable.standard(), 3);
            otherUncached = gradient(b, RuleTable.standard(), 3);
        }
        assertThat(Arrays.equals(tinyGradient, otherUncached)).isFalse();
        try (DifferentiableModel b = DifferentiableModel.open(other, TestNets.INPUT, TestNets.OUTPUT, shape, cached)) {
            assertThat(gradient(b, RuleTable.standard(), 3)).containsExactly(otherUncached);
        }
        // a caller-named digest is trusted: the same name is the same model
        try (DifferentiableModel named = DifferentiableModel.open(tiny, "tiny v1", TestNets.INPUT, TestNets.OUTPUT,
                shape, cached)) {
            assertThat(gradient(named, RuleTable.standard(), 3)).containsExactly(tinyGradient);
        }
    }

    @Test
    void graphsOfOtherRuleTablesStayInTheProcess(@TempDir Path cacheFolder) throws IOException {
        try (DifferentiableModel model = DifferentiableModel.open(TestNets.tiny(), TestNets.INPUT, TestNets.OUTPUT,
                new long[]{1, 1, 6, 6}, EngineOptions.DEFAULT.withCacheFolder(cacheFolder))) {
            int before = entries(cacheFolder).size();
            gradient(model, ModifiedRules.guided(), 3);
            assertThat(entries(cacheFolder)).hasSize(before);
            gradient(model, RuleTable.standard(), 3);
            assertThat(entries(cacheFolder)).as("the graph, and as optimised for this CPU with its weights apart")
                    .hasSize(before + (DiskCache.machine() != null ? 3 : 1));
        }
    }

    private static byte[] reversed(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i += 4) { // whole floats, in reverse order
            System.arraycopy(bytes, bytes.length - 4 - i, out, i, 4);
        }
        return out;
    }
}
