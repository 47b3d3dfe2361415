package dev.salient.attribution;

import dev.salient.autodiff.DeepLiftRules;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.GradientResult;
import dev.salient.engine.GradientSession;

import java.util.List;
import java.util.Map;

/**
 * DeepLIFT with the rescale rule (Shrikumar et al. 2017), as Captum computes it: A = (x − x′) ⊙ m, where m is the
 * backward pass with every nonlinearity's derivative replaced by Δy/Δx between the input and the baseline x′
 * ({@link DeepLiftRules}). Summation to delta: Σ A = F_c(x) − F_c(x′) (measured to 1e-6 relative on cnn_small and
 * resnet_small); with MaxPool left to its gradient ({@link MaxPoolRule#GRADIENT}, what Captum 0.6.0 returned) it
 * does not hold.
 *
 * <p>One pass of batch 2 (the input and its baseline side by side, as the rules expect). Like LRP, DeepLIFT explains
 * the logit, whatever head the request names: the rules pair activations, and the head's softmax is not one of them.
 */
public final class DeepLift extends GradientMethod {
    /** How MaxPool passes multipliers back. */
    public enum MaxPoolRule {
        /** Captum's maxpool rule: sums to the delta ({@link DeepLiftRules#rescale()}). */
        RESCALE,
        /** The gradient, as Captum 0.6.0's result on torch 1.13 ({@link DeepLiftRules#rescaleActivationsOnly()}). */
        GRADIENT
    }

    static final ParameterDescription<MaxPoolRule> MAX_POOL = ParameterDescription.choice("maxpool", "MaxPool rule",
            MaxPoolRule.class, MaxPoolRule.RESCALE, "rescale (sums to the delta) or the plain gradient (as Captum "
                    + "0.6.0 computed it)");

    public static final MethodDescription DESCRIPTION = new MethodDescription("deeplift", "DeepLIFT",
            "(x − x′) ⊙ m, m the backward pass with each nonlinearity's derivative replaced by Δy/Δx from the baseline x′",
            java.util.stream.Stream.concat(IntegratedGradients.BASELINE_PARAMETERS.stream(), java.util.stream.Stream.of(
                    MAX_POOL)).toList(),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    new MethodTraits.Cost(2, 2, 0, 0, null)),
            values -> new DeepLift(IntegratedGradients.baseline(values), values.get(MAX_POOL)));

    private final IntegratedGradients.Baseline baseline;
    private final MaxPoolRule maxPool;

    public DeepLift(IntegratedGradients.Baseline baseline, MaxPoolRule maxPool) {
        this.baseline = baseline;
        this.maxPool = maxPool;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ProgressListener.check(progress, name());
        float[] x = request.input();
        float[] reference = baseline.of(request);
        float[] pair = new float[2 * x.length];
        System.arraycopy(x, 0, pair, 0, x.length);
        System.arraycopy(reference, 0, pair, x.length, x.length);
        int classes = request.model().classes();
        float[] seeds = new float[2 * classes];
        seeds[request.targetClass()] = 1;
        seeds[classes + request.targetClass()] = 1;
        GradientResult r;
        try (GradientSession.Lease session = request.model().gradientSession(TargetHead.LOGIT,
                maxPool == MaxPoolRule.RESCALE ? DeepLiftRules.rescale() : DeepLiftRules.rescaleActivationsOnly(),
                List.of(), 2)) {
            r = session.run(pair, seeds, 2);
        }
        float[] m = r.inputGradient();
        float[] a = new float[x.length];
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            a[i] = (x[i] - reference[i]) * m[i];
            sum += a[i];
        }
        progress.progress(1, 1);
        Map<String, Double> diagnostics = Map.of("targetScore", (double) r.target()[0],
                "baselineScore", (double) r.target()[1], "attributionSum", sum,
                "deltaGap", sum - (r.target()[0] - r.target()[1]));
        return new Attribution(a, request.inputShape(), true, diagnostics);
    }
}
