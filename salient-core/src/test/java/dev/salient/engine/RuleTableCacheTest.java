package dev.salient.engine;

import dev.salient.autodiff.GradientRule;
import dev.salient.autodiff.ModifiedRules;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gradient sessions are cached by the rule table's value, not its name: a table derived with {@link RuleTable#with}
 * keeps the standard table's name, and before this fix it silently ran the standard graph.
 */
class RuleTableCacheTest {
    private static final GradientRule BLOCK_RELU = ctx -> ctx.addGradient(0,
            ctx.graph().op("Mul", ctx.dy(), ctx.graph().constScalar(0f)));

    @Test
    void aTableWithAReplacedRuleGetsItsOwnSession() {
        float[] x = TestNets.gaussian(36, 3);
        float[] seed = new float[]{1, 0, 0};
        RuleTable blocked = RuleTable.standard().with("Relu", BLOCK_RELU);
        assertThat(blocked.name()).isEqualTo(RuleTable.standard().name());
        try (DifferentiableModel model = open(EngineOptions.DEFAULT);
             GradientSession.Lease standard = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1);
             GradientSession.Lease modified = model.gradientSession(TargetHead.LOGIT, blocked, List.of(), 1)) {
            float[] exact = standard.run(x, seed, 1).inputGradient();
            float[] zero = modified.run(x, seed, 1).inputGradient();
            assertThat(modified.session()).isNotSameAs(standard.session());
            assertThat(maxAbs(exact)).isGreaterThan(1e-3f);
            assertThat(maxAbs(zero)).as("the Relu rule blocks every path to the input").isZero();
        }
    }

    @Test
    void equalTablesShareASessionWhateverTheirNames() {
        RuleTable a = RuleTable.standard().with("Relu", BLOCK_RELU);
        RuleTable b = RuleTable.standard().with("Relu", BLOCK_RELU).named("another name");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(RuleTable.standard());
        assertThat(ModifiedRules.guided()).isNotEqualTo(ModifiedRules.deconvnet());
        try (DifferentiableModel model = open(EngineOptions.DEFAULT);
             GradientSession.Lease first = model.gradientSession(TargetHead.LOGIT, a, List.of(), 1);
             GradientSession.Lease second = model.gradientSession(TargetHead.LOGIT, b, List.of(), 1)) {
            assertThat(second.session()).isSameAs(first.session());
        }
    }

    private static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** {@link TestNets#tiny}: x [N, 1, 6, 6] → 3 scores. */
    private static DifferentiableModel open(EngineOptions options) {
        return DifferentiableModel.open(TestNets.tiny(), TestNets.INPUT, TestNets.OUTPUT, new long[]{1, 1, 6, 6},
                options);
    }
}
