package dev.salient.attribution;

import boofcv.abst.segmentation.ImageSuperpixels;
import boofcv.alg.filter.blur.GBlurImageOps;
import boofcv.factory.segmentation.ConfigFh04;
import boofcv.factory.segmentation.ConfigSlic;
import boofcv.factory.segmentation.FactoryImageSegmentation;
import boofcv.struct.ConnectRule;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayS32;
import boofcv.struct.image.ImageType;
import boofcv.struct.image.Planar;

/**
 * A partition of the request's image into superpixels, by BoofCV's SLIC (Achanta et al. 2012) or Felzenszwalb and
 * Huttenlocher's graph segmentation (2004). Both see the photo as 0–255 values per channel: the model-space black
 * and white of the request when both are known, else the input's own range.
 *
 * @param labels  segment of each pixel, row-major [h·w], in 0 … count−1
 * @param count   number of segments
 * @param height  rows
 * @param width   columns
 */
record Superpixels(int[] labels, int count, int height, int width) {
    Superpixels {
        if (labels.length != height * width) {
            throw new IllegalArgumentException(labels.length + " labels for " + height + "×" + width + " pixels");
        }
    }

    /**
     * SLIC superpixels.
     *
     * @param regions     about how many superpixels; at most BoofCV's limit (h − 4)(w − 4), one seed per grid cell
     *                    of its interior
     * @param compactness BoofCV's spatial weight: larger gives squarer, more regular superpixels
     * @throws NotApplicableException for an image under 5 pixels a side, which BoofCV's SLIC cannot seed
     */
    static Superpixels slic(AttributionRequest request, int regions, double compactness) {
        ImageGeometry geo = request.geometry();
        long seeds = (long) (geo.height() - 4) * (geo.width() - 4);
        if (geo.height() < 5 || geo.width() < 5) {
            throw new NotApplicableException("SLIC superpixels need an image of at least 5×5 pixels; the input is "
                    + geo.width() + "×" + geo.height());
        }
        ConfigSlic config = new ConfigSlic((int) Math.min(regions, seeds), (float) compactness);
        config.connectRule = ConnectRule.EIGHT;
        return segment(request, FactoryImageSegmentation.slic(config, imageType(request)), 0);
    }

    /**
     * Felzenszwalb–Huttenlocher segments after a Gaussian blur of σ {@code sigma} pixels, 8-connected.
     *
     * @param k       the threshold constant k of τ(C) = k/|C| on 0–255 colour distances: larger, larger segments
     * @param minSize segments smaller than this many pixels are merged into a neighbour
     */
    static Superpixels felzenszwalb(AttributionRequest request, double k, int minSize, double sigma) {
        ConfigFh04 config = new ConfigFh04((float) k, minSize);
        config.connectRule = ConnectRule.EIGHT;
        return segment(request, FactoryImageSegmentation.fh04(config, imageType(request)), sigma);
    }

    /** Pixels of each segment, as row-major indices. */
    int[][] members() {
        int[] sizes = new int[count];
        for (int l : labels) {
            sizes[l]++;
        }
        int[][] members = new int[count][];
        for (int s = 0; s < count; s++) {
            members[s] = new int[sizes[s]];
        }
        int[] filled = new int[count];
        for (int i = 0; i < labels.length; i++) {
            members[labels[i]][filled[labels[i]]++] = i;
        }
        return members;
    }

    /** An input-shaped map with {@code values[labels[p]]} at pixel p in every channel. */
    float[] paint(double[] values, ImageGeometry geo) {
        float[] map = new float[geo.size()];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                float v = (float) values[labels[y * width + x]];
                for (int c = 0; c < geo.channels(); c++) {
                    map[geo.index(c, y, x)] = v;
                }
            }
        }
        return map;
    }

    private static ImageType<Planar<GrayF32>> imageType(AttributionRequest request) {
        return ImageType.pl(request.geometry().channels(), GrayF32.class);
    }

    private static Superpixels segment(AttributionRequest request, ImageSuperpixels<Planar<GrayF32>> algorithm,
                                       double sigma) {
        ImageGeometry geo = request.geometry();
        Planar<GrayF32> image = photo(request);
        if (sigma > 0) {
            image = GBlurImageOps.gaussian(image, null, sigma, -1, null);
        }
        GrayS32 out = new GrayS32(geo.width(), geo.height());
        algorithm.segment(image, out);
        int[] labels = new int[geo.height() * geo.width()];
        for (int y = 0; y < geo.height(); y++) {
            for (int x = 0; x < geo.width(); x++) {
                labels[y * geo.width() + x] = out.get(x, y);
            }
        }
        return new Superpixels(labels, algorithm.getTotalSuperpixels(), geo.height(), geo.width());
    }

    /** The request's image as 0–255 values per channel. */
    private static Planar<GrayF32> photo(AttributionRequest request) {
        ImageGeometry geo = request.geometry();
        float[] x = request.input();
        float[] range = Tensors.range(x);
        Planar<GrayF32> image = new Planar<>(GrayF32.class, geo.width(), geo.height(), geo.channels());
        for (int c = 0; c < geo.channels(); c++) {
            boolean known = request.black() != null && request.white() != null
                    && request.white()[c] != request.black()[c];
            float low = known ? request.black()[c] : range[0];
            float span = known ? request.white()[c] - low : Math.max(range[1] - range[0], Float.MIN_NORMAL);
            GrayF32 band = image.getBand(c);
            for (int y = 0; y < geo.height(); y++) {
                for (int xx = 0; xx < geo.width(); xx++) {
                    band.set(xx, y, 255f * (x[geo.index(c, y, xx)] - low) / span);
                }
            }
        }
        return image;
    }
}
