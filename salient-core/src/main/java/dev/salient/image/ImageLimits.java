package dev.salient.image;

/**
 * How much an untrusted image may cost before it is decoded: the encoded size in bytes and the decoded size in
 * pixels (width × height, read from the header before any pixel is decoded).
 *
 * <p>Units are decimal: 1 MB = 10<sup>6</sup> bytes and 1 megapixel = 10<sup>6</sup> pixels, so that the numbers in
 * error messages are the ones a person would compute.
 *
 * @param maxBytes  largest accepted encoded file, in bytes (&gt; 0)
 * @param maxPixels largest accepted width × height (&gt; 0)
 */
public record ImageLimits(long maxBytes, long maxPixels) {

    /** 20 MB upload, 50 megapixels decoded (a 50 MP RGB image is 200 MB as {@code int[]}: the most we will hold). */
    public static final ImageLimits DEFAULT = new ImageLimits(20_000_000L, 50_000_000L);

    public ImageLimits {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, was " + maxPixels);
        }
    }
}
