package dev.salient.render;

/**
 * How the coloured map is combined with the photo, per pixel, with t the (upsampled) intensity, m its colour
 * and p the photo's colour, all per channel in 0..255.
 */
public enum Overlay {
    /** out = m: the map alone. */
    MASK,
    /**
     * out = p · t (t ∈ [0, 1], the colour map is not used): the demo's "blend explanation with image". Keeps only
     * what mattered, but favours bright regions of the photo.
     */
    MULTIPLY,
    /** out = (1 − α) · p + α · m with α = the options' opacity: the heat map laid over the photo. */
    ALPHA
}
