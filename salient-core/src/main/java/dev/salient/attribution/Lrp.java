package dev.salient.attribution;

import dev.salient.autodiff.LrpRules;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.GradientResult;

import java.util.List;
import java.util.Map;

/**
 * Layer-wise relevance propagation (Bach et al. 2015; Montavon et al. 2019): the class's logit, as relevance at the
 * output, redistributed layer by layer down to the input by the composite's rules ({@link LrpRules}).
 * R_out = F_c(x)·e_c; R_in = Σ_j x'_ij W'_ij / (z'_j + ε·sign z'_j) · R_j per layer, Σ R_in ≈ F_c(x) minus what biases absorb.
 *
 * <p>One pass: the rules are the engine's backward rules, so the relevance comes out of one gradient session run with
 * the one-hot seed and is then scaled by the logit (every rule is linear in the relevance it receives). LRP explains
 * the logit, whatever head the request names. The z^B rule's box is the model-space value of a black and a white pixel
 * when the request knows them ({@link AttributionRequest#of}), otherwise the input's own range. BatchNormalization is
 * first merged into the convolution before it ({@link dev.salient.graph.BatchNormFolding}), as Zennit's canonizer does.
 *
 * <p>Cost against one gradient (MobileNetV2, batch 1): the z⁺ and γ rules need their own forward convolution(s) z'
 * and a division per layer besides the transposed convolution a gradient has, so LRP cannot cost one gradient; see
 * {@link LrpRules.ZPlus} and {@link LrpRules.Gamma} for the cheaper forms that brought EpsilonPlusFlat from 3.5× to
 * about 1.9× and EpsilonGammaBox from 6.4× to about 4.4× (medians of interleaved pairs on the loaded 2-core machine).
 */
public final class Lrp extends GradientMethod {
    static final ParameterDescription<LrpRules.Composite> COMPOSITE = ParameterDescription.choice("composite",
            "Composite", LrpRules.Composite.class, LrpRules.Composite.EPSILON_PLUS_FLAT,
            "rules by layer, as Zennit's composites: first layer, convolutions, dense layers");
    static final ParameterDescription<Double> EPSILON = ParameterDescription.positive("epsilon", "ε", 1e-6, 10, "",
            "stabiliser of the ε rule: larger values keep only the strongest, most consistent relevance");
    static final ParameterDescription<Double> GAMMA = ParameterDescription.number("gamma", "γ", 0.25, 0, 10, "",
            "how much the γ rule favours positive contributions (epsilon-gamma-box)");

    public static final MethodDescription DESCRIPTION = new MethodDescription("lrp", "LRP",
            "the logit redistributed layer by layer, R_in = Σ x'W' R / z' per layer (ε, z⁺, γ, flat, z^B rules)",
            List.of(COMPOSITE, EPSILON, GAMMA),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    MethodTraits.Cost.ONE_GRADIENT),
            values -> new Lrp(values.get(COMPOSITE), values.get(EPSILON), values.get(GAMMA)));

    private final LrpRules.Composite composite;
    private final float epsilon;
    private final float gamma;

    public Lrp(LrpRules.Composite composite, double epsilon, double gamma) {
        this.composite = composite;
        this.epsilon = (float) epsilon;
        this.gamma = (float) gamma;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    /** The rule table this method runs for {@code request} (the z^B box depends on its pixel range). */
    public RuleTable rules(AttributionRequest request) {
        float[][] box = box(request);
        return LrpRules.composite(composite, epsilon, gamma, box[0], box[1]);
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ProgressListener.check(progress, name());
        GradientResult r = single(request.withHead(TargetHead.LOGIT), rules(request), List.of());
        float logit = r.target()[0];
        float[] relevance = r.inputGradient();
        double sum = 0;
        for (int i = 0; i < relevance.length; i++) {
            relevance[i] *= logit;
            sum += relevance[i];
        }
        progress.progress(1, 1);
        return new Attribution(relevance, request.inputShape(), true,
                Map.of("targetScore", (double) logit, "relevanceSum", sum));
    }

    /** Per-channel lowest and highest model-space input: black and white when known, else the input's range. */
    private static float[][] box(AttributionRequest request) {
        if (request.black() == null || request.white() == null) {
            float[] range = Tensors.range(request.input());
            return new float[][]{{range[0]}, {range[1]}};
        }
        int channels = request.black().length;
        float[] low = new float[channels];
        float[] high = new float[channels];
        for (int c = 0; c < channels; c++) {
            low[c] = Math.min(request.black()[c], request.white()[c]);
            high[c] = Math.max(request.black()[c], request.white()[c]);
        }
        return new float[][]{low, high};
    }
}
