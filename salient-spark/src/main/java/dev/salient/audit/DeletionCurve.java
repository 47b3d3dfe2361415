package dev.salient.audit;

import dev.salient.attribution.AttributionRequest;
import dev.salient.image.Preprocessing;
import dev.salient.model.ImageClassifier;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The deletion metric (Petsiuk et al. 2018, "RISE"): pixels are turned black in order of decreasing relevance, in
 * {@value #STEPS} equal steps, and the probability of the explained class is read after each; the area under that
 * curve over the deleted fraction [0, 1] (trapezoid rule) is low when the map found what the class depends on.
 * AUC = (1/S) Σ<sub>k=1..S</sub> (p<sub>k−1</sub> + p<sub>k</sub>) / 2, all S perturbed copies in one forward batch.
 */
public final class DeletionCurve {
    /** Deletion steps; each is one more image in the forward batch. */
    public static final int STEPS = 16;

    private DeletionCurve() {}

    /**
     * @param request   the explained input, class and black value
     * @param relevance one non-negative value per input pixel (H·W, row-major)
     * @param start     the class probability of the unperturbed input (p<sub>0</sub>)
     */
    static double auc(ImageClassifier classifier, AttributionRequest request, float[] relevance, double start) {
        Preprocessing p = classifier.preprocessing();
        int h = p.height();
        int w = p.width();
        if (relevance.length != h * w) {
            throw new IllegalArgumentException("relevance has " + relevance.length + " values for a " + w + "x" + h
                    + " input");
        }
        Integer[] order = IntStream.range(0, relevance.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -relevance[i])); // stable: ties by position
        float[] input = request.input();
        float[] batch = new float[STEPS * input.length];
        float[] current = input.clone();
        int deleted = 0;
        for (int k = 1; k <= STEPS; k++) {
            int upTo = (int) Math.round((double) k * order.length / STEPS);
            for (; deleted < upTo; deleted++) {
                int pixel = order[deleted];
                for (int c = 0; c < Preprocessing.CHANNELS; c++) {
                    current[p.layout().index(c, pixel / w, pixel % w, Preprocessing.CHANNELS, h, w)] = request.black(c);
                }
            }
            System.arraycopy(current, 0, batch, (k - 1) * input.length, input.length);
        }
        float[] logits = classifier.engine().forward(batch, STEPS);
        int classes = classifier.classes();
        double area = 0;
        double previous = start;
        for (int k = 0; k < STEPS; k++) {
            double probability = probability(classifier, Arrays.copyOfRange(logits, k * classes, (k + 1) * classes),
                    request.targetClass());
            area += (previous + probability) / 2;
            previous = probability;
        }
        return area / STEPS;
    }


    /** Softmax probability of one class, through the classifier's own softmax. */
    static double probability(ImageClassifier classifier, float[] logits, int index) {
        return classifier.classification(logits, logits.length).top().stream().filter(s -> s.index() == index)
                .findFirst().orElseThrow().probability();
    }
}
