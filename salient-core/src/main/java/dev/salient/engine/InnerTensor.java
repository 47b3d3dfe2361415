package dev.salient.engine;

/**
 * Value and gradient of an inner tensor for a whole batch of {@code items}; {@code shape} includes the batch axis,
 * which may fold another axis into it (torchvision's attention probabilities are [items·heads, T, T]).
 */
public record InnerTensor(long[] shape, float[] value, float[] gradient) {
    /** Elements per batch item, for {@code items} items. */
    public int itemSize(int items) {
        return value.length / items;
    }
}
