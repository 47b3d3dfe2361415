package dev.salient.engine;

/** Value and gradient of an inner tensor for a whole batch; {@code shape} includes the batch axis. */
public record InnerTensor(long[] shape, float[] value, float[] gradient) {
    /** Elements per batch item. */
    public int itemSize() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return Math.toIntExact(n);
    }
}
