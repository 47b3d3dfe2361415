package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The descriptions: their limits and refusals, and that each method's traits say what its results are. */
class MethodDescriptionTest {
    /**
     * Small values of the parameters that multiply a method's cost, for whichever method has them, so that every
     * method (a new one too) runs in a second or two; occlusion's 7×7 windows include some that raise the score.
     */
    private static final Map<String, String> SMALL = Map.of("samples", "2", "steps", "2", "window", "48",
            "stride", "24", "masks", "16", "top-channels", "8",
            "coalitions", "20");

    @Test
    void everyMethodsResultsHaveTheShapeAndSignItsTraitsSay() {
        DifferentiableModel model = Fixtures.mobileNetV2();
        float[] bird = Fixtures.image("bird.bmp");
        int target = Fixtures.top1(model.forward(bird, 1));
        AttributionRequest request = new AttributionRequest(model, bird, target, TargetHead.LOGIT);
        float[] tokens = TestNets.gaussian(TestNets.TOKENS * TestNets.WIDTH, 3);
        try (DifferentiableModel transformer = DifferentiableModel.open(TestNets.transformer(), TestNets.INPUT,
                TestNets.OUTPUT, new long[]{1, TestNets.TOKENS, TestNets.WIDTH}, EngineOptions.DEFAULT)) {
            for (MethodDescription d : AttributionMethods.all()) {
                Map<String, String> small = new java.util.HashMap<>(SMALL);
                small.keySet().retainAll(d.parameterNames());
                AttributionMethod method = d.create(small);
                assertThat(method.name()).isEqualTo(d.name());
                Attribution a;
                if (d.traits().needs() == MethodTraits.Needs.ATTENTION) {
                    assertThatThrownBy(() -> method.attribute(request)).as(d.name() + " on a CNN")
                            .isInstanceOf(NotApplicableException.class);
                    a = method.attribute(new AttributionRequest(transformer, tokens, 1, TargetHead.LOGIT, null));
                } else {
                    a = method.attribute(request);
                }
                assertThat(a.inputShaped()).as(d.name() + " map").isEqualTo(d.traits().map() == MethodTraits.MapKind.PIXEL);
                float min = Float.MAX_VALUE;
                for (float v : a.values()) {
                    min = Math.min(min, v);
                }
                // XRAI's values are region means of the channel-wise largest IG value: negative only where a whole
                // region's is, which bird.bmp has none of (the sign is the photo's, not the method's)
                if (d.traits().signed() && !d.name().equals(Xrai.DESCRIPTION.name())) {
                    assertThat(min).as(d.name() + " is signed: some value is negative").isNegative();
                } else {
                    assertThat(min).as(d.name() + " is unsigned").isGreaterThanOrEqualTo(0f);
                }
            }
        }
    }

    @Test
    void theLimitIsInTheDescriptionAndEveryCallerMeetsIt() {
        MethodDescription smooth = AttributionMethods.describe("smoothgrad");
        assertThat(smooth.parse(Map.of("samples", "1000")).get(SmoothGrad.SAMPLES)).isEqualTo(1000);
        assertThatThrownBy(() -> smooth.parse(Map.of("samples", "1000000000")))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessage("parameter 'samples' of method 'smoothgrad' must be a whole number from 1 to 1000, "
                        + "got '1000000000'");
        assertThatThrownBy(() -> AttributionMethods.create("integrated-gradients", Map.of("steps", "1001")))
                .hasMessageContaining("'steps'").hasMessageContaining("1 to 1000");
        assertThatThrownBy(() -> AttributionMethods.create("integrated-gradients", Map.of("blur-sigma", "0")))
                .hasMessageContaining("a positive number up to 100");
        assertThatThrownBy(() -> AttributionMethods.create("smoothgrad", Map.of("noise", "NaN")))
                .hasMessageContaining("'noise'").hasMessageContaining("NaN");
        assertThatThrownBy(() -> AttributionMethods.create("occlusion", Map.of("baseline", "grey")))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessage("parameter 'baseline' of method 'occlusion' must be black or a finite number, got 'grey'");
        assertThat(((Occlusion) AttributionMethods.create("occlusion", Map.of("baseline", "-1"))).params()
                .baselineValue()).isEqualTo(-1f);
    }

    @Test
    void unknownParametersAreRefusedByName() {
        InvalidParameterException e = (InvalidParameterException) org.assertj.core.api.Assertions.catchThrowable(
                () -> AttributionMethods.describe("smoothgrad").parse(Map.of("bogus", "1")));
        assertThat(e.parameter()).isEqualTo("bogus");
        assertThat(e.getMessage()).contains("'bogus'").contains("samples, noise, seed, batch, memory-mb");
        assertThatThrownBy(() -> AttributionMethods.describe("magic"))
                .isInstanceOf(InvalidParameterException.class).hasMessageContaining("'magic'")
                .hasMessageContaining("gradcam++");
    }

    @Test
    void aRequestCannotSetWhatOnlyTheOperatorSets() {
        MethodDescription ig = AttributionMethods.describe("integrated-gradients");
        Set<ParameterDescription.Access> request = Set.of(ParameterDescription.Access.REQUEST);
        assertThatThrownBy(() -> ig.parse(Map.of("batch", "64"), request))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("'batch'").hasMessageContaining("not by a request");
        assertThat(ig.parse(Map.of("steps", "8"), request).values()).containsEntry("batch", Batching.DEFAULT_BATCH)
                .containsEntry("memory-mb", (int) (Batching.DEFAULT_MEMORY_BUDGET >> 20));
        assertThat(ig.parse(Map.of("batch", "64")).values()).containsEntry("batch", 64);
    }

    @Test
    void everyChunkedMethodHasTheOneBatchParameterMeasuredByDefault() {
        List<String> chunked = AttributionMethods.all().stream().filter(d -> d.parameter("batch").isPresent())
                .map(MethodDescription::name).toList();
        assertThat(chunked).contains("smoothgrad", "integrated-gradients", "occlusion", "scorecam", "ablationcam",
                "rise", "gradient-shap");
        for (String name : chunked) {
            MethodDescription d = AttributionMethods.describe(name);
            assertThat(d.parameter("batch")).as(name).containsSame(ChunkParameters.BATCH);
            assertThat(d.defaults().values()).as(name).containsEntry("batch", Batching.AUTO);
            assertThat(d.parse(Map.of("batch", "0")).values()).as(name).containsEntry("batch", 0);
            assertThatThrownBy(() -> d.parse(Map.of("batch", "-1"))).as(name)
                    .isInstanceOf(InvalidParameterException.class);
        }
    }

    @Test
    void typedValuesReachTheMethod() {
        IntegratedGradients ig = (IntegratedGradients) AttributionMethods.create("integrated-gradients",
                Map.of("rule", "MIDPOINT", "baseline", "noise", "noise-seed", "5", "memory-mb", "64"));
        assertThat(ig.params().rule()).isEqualTo(IntegratedGradients.Rule.MIDPOINT);
        assertThat(ig.params().baseline()).isEqualTo(new IntegratedGradients.Baseline.UniformNoise(5));
        assertThat(ig.params().memoryBudget()).isEqualTo(64L << 20);
        assertThat(AttributionMethods.describe("integrated-gradients").defaults().toString())
                .isEqualTo("baseline=black batch=0 blur-sigma=8 memory-mb=512 noise-seed=0 rule=gauss-legendre "
                        + "steps=32");
    }

    @Test
    void theExporterWritesTheMethodsWhoseTraitsSaySo() {
        assertThat(ExplainerExporter.METHODS).isEqualTo(AttributionMethods.exportable())
                .containsExactly("gradient", "gradient-x-input", "gradcam");
    }

    @Test
    void costsReadAsPasses() {
        assertThat(AttributionMethods.describe("gradient").traits().cost()).hasToString("1 forward + 1 backward passes");
        assertThat(AttributionMethods.describe("integrated-gradients").traits().cost())
                .hasToString("2 forward + steps × (1 forward + 1 backward) passes");
        assertThat(AttributionMethods.describe("occlusion").traits().cost())
                .hasToString("1 forward + window positions × 1 forward passes");
        assertThatThrownBy(() -> new MethodTraits.Cost(1, 0, 1, 0, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDescriptionRefusesADefaultOutsideItsOwnLimitsAndTwoParametersOfOneName() {
        assertThatThrownBy(() -> ParameterDescription.integer("samples", "Samples", 5000, 1, 1000, "", ""))
                .hasMessageContaining("outside its own limits");
        ParameterDescription<Integer> n = ParameterDescription.integer("n", "N", 1, 1, 2, "", "");
        assertThatThrownBy(() -> new MethodDescription("m", "M", "", List.of(n, n), AttributionMethods
                .describe("gradient").traits(), v -> new VanillaGradient())).hasMessageContaining("twice");
    }

    @Test
    void parsesEachKindOfValue() {
        assertThat(AttributionRequest.HEAD.parse("Log_Probability")).isEqualTo(TargetHead.LOG_PROBABILITY);
        assertThat(AttributionRequest.HEAD.parse(null)).isEqualTo(TargetHead.LOG_PROBABILITY);
        assertThat(AttributionRequest.HEAD.choices()).containsExactly("logit", "probability", "log-probability");
        assertThatThrownBy(() -> AttributionRequest.HEAD.parse("softmax", "--head"))
                .hasMessage("--head must be one of logit, probability, log-probability, got 'softmax'");
        ParameterDescription<Boolean> flag = ParameterDescription.flag("blend", "Blend", "");
        assertThat(flag.parse("on")).isTrue();
        assertThat(flag.parse("0")).isFalse();
        assertThatThrownBy(() -> flag.parse("maybe")).hasMessageContaining("true or false");
        assertThat(SmoothGrad.SAMPLES.range()).isEqualTo("1..1000");
        assertThat(IntegratedGradients.BLUR_SIGMA.range()).isEqualTo("(0, 100]");
        assertThat(IntegratedGradients.RULE.range()).isEqualTo("trapezoid|midpoint|gauss-legendre");
    }
}
