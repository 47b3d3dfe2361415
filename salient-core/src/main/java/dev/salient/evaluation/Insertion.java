package dev.salient.evaluation;

import dev.salient.attribution.Batching;

import java.util.List;

/**
 * Insertion (Petsiuk, Das &amp; Saenko 2018, RISE): starting from the substrate, pixels of the photo are revealed
 * most relevant first and the class probability rises; a faithful map makes it rise fast. With x^(i) the
 * substrate showing the photo's ⌊i·HW/k⌋ most relevant pixels, AUC = ∫₀¹ p_c(x^(t)) dt (trapezoids over
 * i = 0…k); <b>higher is better</b>. Defaults: k = 50, the photo blurred with σ = 5 px as substrate.
 */
public final class Insertion extends PixelCurve {
    public static final Params DEFAULTS = new Params(50, Substrate.BLUR, 5.0, Batching.DEFAULT_BATCH, 0, 1);

    public Insertion(Params params) {
        super(params);
    }

    public Insertion() {
        this(DEFAULTS);
    }

    @Override
    public String name() {
        return "insertion";
    }

    @Override
    boolean deleting() {
        return false;
    }

    @Override
    public List<Score> scores() {
        return List.of(new Score("auc", true, "area under the probability curve as pixels are inserted"));
    }
}
