package dev.salient.render;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.MethodTraits;
import dev.salient.image.Preprocessing;
import dev.salient.image.Preprocessor;

import java.awt.image.BufferedImage;

/**
 * Draws any method's {@link Attribution} over the photo it explains: per-pixel attributions are aggregated
 * over colour channels first; coarse maps (Grad-CAM's layer grid) are already one value per cell. Either is
 * upsampled smoothly onto the part of the photo the model saw.
 */
public final class AttributionRenderer {
    private AttributionRenderer() {}

    public static BufferedImage render(BufferedImage photo, Preprocessing preprocessing, Attribution attribution,
                                       RenderOptions options) {
        var region = Preprocessor.sourceRegion(photo.getWidth(), photo.getHeight(), preprocessing);
        return Renderer.render(photo, region, map(preprocessing, attribution, options.aggregation()), options);
    }

    /**
     * Draws a method's attribution as the user asked, the rest by the rule the command line and the web app share
     * ({@link DisplaySettings#options}).
     */
    public static BufferedImage render(BufferedImage photo, Preprocessing preprocessing, Attribution attribution,
                                       MethodTraits traits, DisplaySettings display) {
        var region = Preprocessor.sourceRegion(photo.getWidth(), photo.getHeight(), preprocessing);
        AttributionMap map = map(preprocessing, attribution, display.aggregation());
        return Renderer.render(photo, region, map, display.options(traits, map));
    }

    /** The per-pixel map (channels aggregated) or the coarse map as it is. */
    public static AttributionMap map(Preprocessing preprocessing, Attribution attribution, ChannelAggregation aggregation) {
        if (attribution.inputShaped()) {
            return aggregation.aggregate(attribution.values(), Preprocessing.CHANNELS, preprocessing.height(),
                    preprocessing.width(), preprocessing.layout());
        }
        long[] shape = attribution.shape();
        return new AttributionMap((int) shape[shape.length - 1], (int) shape[shape.length - 2], attribution.values());
    }
}
