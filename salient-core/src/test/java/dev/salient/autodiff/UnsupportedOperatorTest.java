package dev.salient.autodiff;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.OnnxModel;
import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.salient.autodiff.TinyGraphs.X;
import static dev.salient.autodiff.TinyGraphs.i;
import static dev.salient.autodiff.TinyGraphs.is;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A model with ops that have no backward rule loads and classifies; only gradients refuse it, with one short
 * message naming each missing op type once (how many nodes, the first one).
 */
class UnsupportedOperatorTest {
    static final long[] IMAGE = {1, 3, 8, 8};

    /** x → 12 × (Atan, Conv) → Softsign → GlobalAveragePool → Flatten → Gemm: two op types without a rule. */
    static OnnxModel classifierWithoutRules() {
        TinyGraphs g = new TinyGraphs(13, 3);
        String h = X;
        for (int k = 0; k < 12; k++) {
            h = g.op("Conv", List.of(g.op("Atan", h), g.convWeights(3, 3, 3, 3)), is("pads", 1, 1, 1, 1));
        }
        String features = g.op("Flatten", g.op("GlobalAveragePool", g.op("Softsign", h)), i("axis", 1));
        return g.build(g.op("Gemm", List.of(features, g.weights(1f, 3, 5), g.weights(1f, 5))), IMAGE);
    }

    @Test
    void forwardWorksAndGradientsNameEachMissingOpOnce() {
        OnnxModel model = classifierWithoutRules();
        String output = model.graph().getOutput(0).getName();
        try (DifferentiableModel dm = DifferentiableModel.open(model, X, output, IMAGE, EngineOptions.DEFAULT)) {
            float[] scores = dm.forward(new float[2 * dm.itemSize()], 2);
            assertThat(scores).hasSize(2 * 5);

            assertThat(dm.gradientUnsupported()).isPresent();
            assertThat(dm.gradientUnsupported().get().missingRules()).containsExactly(
                    new UnsupportedOperatorException.MissingRule("Atan", 12, "Atan_node_0"),
                    new UnsupportedOperatorException.MissingRule("Softsign", 1, "Softsign_node_" + 36));
            assertThatThrownBy(() -> dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1))
                    .isInstanceOf(UnsupportedOperatorException.class)
                    .hasMessage("cannot differentiate the model: no gradient rule for "
                            + "Atan (12 nodes, the first 'Atan_node_0'), Softsign (node 'Softsign_node_36')");
        }
    }

    @Test
    void aRuleThatRefusesItsNodeIsFoundOnLoad() {
        TinyGraphs g = new TinyGraphs(13, 4);
        String weights = g.op("Slice", List.of(X, g.ints(0), g.ints(1), g.ints(0))); // [1,3,8,8] from item 0
        String convolved = g.op("Conv", List.of(X, weights));
        OnnxModel model = g.build(convolved, IMAGE);
        try (DifferentiableModel dm = DifferentiableModel.open(model, X, convolved, IMAGE, EngineOptions.DEFAULT)) {
            assertThat(dm.gradientUnsupported()).get().extracting(Throwable::getMessage).asString()
                    .contains("Conv node 'Conv_node_4'", "weights depend on the input");
            assertThatThrownBy(() -> dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1))
                    .isInstanceOf(UnsupportedOperatorException.class)
                    .hasMessageContaining("weights depend on the input");
        }
    }

    @Test
    void powWithAnExponentThatDependsOnTheInputIsRefused() {
        TinyGraphs g = new TinyGraphs(13, 6);
        String out = g.op("Pow", g.op("Sigmoid", X), g.op("Tanh", X));
        try (DifferentiableModel dm = DifferentiableModel.open(g.build(out, IMAGE), X, out, IMAGE,
                EngineOptions.DEFAULT)) {
            assertThat(dm.forward(new float[dm.itemSize()], 1)).hasSize(dm.classes());
            assertThatThrownBy(() -> dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1))
                    .isInstanceOf(UnsupportedOperatorException.class)
                    .hasMessage("cannot differentiate Pow node 'Pow_node_2': its exponent depends on the input "
                            + "(only constant exponents are supported)");
        }
    }

    @Test
    void aSupportedModelHasNoGradientProblem() {
        TinyGraphs g = new TinyGraphs(13, 5);
        String out = g.op("Erf", g.op("Pow", X, g.scalar(2f)));
        try (DifferentiableModel dm = DifferentiableModel.open(g.build(out, IMAGE), X, out, IMAGE,
                EngineOptions.DEFAULT)) {
            assertThat(dm.gradientUnsupported()).isEmpty();
        }
    }

    /** Through the classifier facade: classify and occlusion (forward passes) work, gradient methods throw. */
    @Test
    void classifierClassifiesAndOccludesButRefusesGradients(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("no_rules.onnx");
        Files.write(file, classifierWithoutRules().toBytes());
        try (ImageClassifier classifier = ImageClassifier.load(file)) {
            float[] input = new float[classifier.engine().itemSize()];
            for (int k = 0; k < input.length; k++) {
                input[k] = (k % 7) / 7f;
            }
            Classification top = classifier.classifyInput(input, 3);
            assertThat(top.best()).isNotNull();
            AttributionRequest request = AttributionRequest.of(classifier, input, top.best().index(), TargetHead.LOGIT);
            var occlusion = AttributionMethods.create("occlusion", Map.of("window", "4", "stride", "4"))
                    .attribute(request);
            assertThat(occlusion.values()).isNotEmpty();
            assertThatThrownBy(() -> AttributionMethods.create("gradient").attribute(request))
                    .isInstanceOf(UnsupportedOperatorException.class)
                    .hasMessageContaining("no gradient rule for Atan (12 nodes");
        }
    }
}
