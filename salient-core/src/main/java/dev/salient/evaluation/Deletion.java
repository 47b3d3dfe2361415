package dev.salient.evaluation;

import java.util.List;

/**
 * Deletion (Petsiuk, Das &amp; Saenko 2018, "RISE: Randomized Input Sampling for Explanation of Black-box Models"):
 * pixels are removed most relevant first and the class probability falls; a faithful map makes it fall fast.
 * With x^(i) the photo whose ⌊i·HW/k⌋ most relevant pixels are the substrate, AUC = ∫₀¹ p_c(x^(t)) dt by the
 * trapezoidal rule over i = 0…k; <b>lower is better</b>. Defaults: k = 50, black substrate.
 */
public final class Deletion extends PixelCurve {
    public static final Params DEFAULTS = new Params(50, Substrate.BLACK, 5.0, 16, 0, 1);

    public Deletion(Params params) {
        super(params);
    }

    public Deletion() {
        this(DEFAULTS);
    }

    @Override
    public String name() {
        return "deletion";
    }

    @Override
    boolean deleting() {
        return true;
    }

    @Override
    public List<Score> scores() {
        return List.of(new Score("auc", false, "area under the probability curve as pixels are deleted"));
    }
}
