package dev.salient.engine;

import java.util.Map;

/**
 * One run of a gradient graph over a batch.
 *
 * @param batch         number of items (padding items removed)
 * @param classes       number of class scores per item
 * @param scores        class scores (logits), batch × classes
 * @param target        the differentiated value per item
 * @param inputGradient d target / d input, in the model's input layout, batch × input size; null for a graph built
 *                      without it (inner-tensor gradients only)
 * @param inner         value and gradient of each requested inner tensor
 */
public record GradientResult(int batch, int classes, float[] scores, float[] target, float[] inputGradient,
                             Map<String, InnerTensor> inner) {
}
