package dev.salient.model;

import java.util.List;

/**
 * The model's verdict on one photo: the top classes, most probable first, and all scores.
 *
 * @param top    the k most probable classes
 * @param logits every class score, as the model output it (pre-softmax)
 */
public record Classification(List<ClassScore> top, float[] logits) {
    public ClassScore best() {
        return top.get(0);
    }
}
