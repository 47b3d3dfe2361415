package dev.salient.audit;

import dev.salient.attribution.MethodTraits;
import dev.salient.render.DisplaySettings;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethod;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ProgressListener;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Preprocessing;
import dev.salient.image.Resampler;
import dev.salient.model.ClassScore;
import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import dev.salient.render.AttributionMap;
import dev.salient.render.AttributionRenderer;
import dev.salient.render.ChannelAggregation;
import dev.salient.render.Overlay;
import dev.salient.render.RenderOptions;
import dev.salient.render.Scaling;

import java.awt.image.BufferedImage;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Turns images into audit rows with one classifier: the work both modes share. {@link #prepare} (hash, decode,
 * preprocess) is pure and runs on any thread; {@link #explain} classifies a whole batch in one forward pass, then
 * explains each image exactly as {@code salient explain} does (same input, class, method and head), and reduces the
 * map to the table's grid and statistics. A bad image becomes a row with an error, never an exception.
 */
public final class ImageAuditor {
    /** Largest file read and decoded, and the pixel limit against decompression bombs: the CLI's and web app's. */
    public static final ImageLimits LIMITS = ImageLimits.DEFAULT;

    private final ImageClassifier classifier;
    private final AuditSettings settings;
    private final AttributionMethod method;

    public ImageAuditor(ImageClassifier classifier, AuditSettings settings) {
        this.classifier = classifier;
        this.settings = settings;
        this.method = settings.createMethod();
    }

    /**
     * One file as it arrives.
     *
     * @param path  relative path (the row's key)
     * @param size  file size in bytes
     * @param bytes the file's content, or null when it was not read ({@code unread} says why)
     */
    public record Input(String path, long size, byte[] bytes, String unread) {
        /** A file too large to read ({@link #LIMITS}): its row says so without its bytes ever being loaded. */
        public static Input tooLarge(String path, long size) {
            return new Input(path, size, null, String.format(Locale.ROOT,
                    "file is %.1f MB, above the limit of %d MB per image", size / 1e6, LIMITS.maxBytes() / 1_000_000));
        }

        public static boolean readable(long size) {
            return size <= LIMITS.maxBytes();
        }
    }

    /**
     * An image decoded and preprocessed, or the reason it could not be.
     *
     * @param photo the decoded photo, kept only when map pictures are drawn (a batch of 12-megapixel photos is
     *              hundreds of MB)
     */
    public record Prepared(Input input, String sha256, Integer width, Integer height, BufferedImage photo,
                           float[] tensor, String error) {}

    /** A row, and the full-resolution map picture when the settings ask for maps. */
    public record Audited(AuditRow row, BufferedImage picture) {}

    /**
     * The row of an empty file, made without a model: Spark's file sources skip zero-length files, so the Spark mode
     * adds these rows itself. Its error is the decoder's, as in local mode.
     */
    public static AuditRow emptyFile(String path, AuditSettings settings) {
        byte[] nothing = new byte[0];
        String error;
        try {
            ImageDecoder.decode(nothing, LIMITS);
            throw new IllegalStateException("an empty file decoded");
        } catch (RuntimeException e) {
            error = message(e);
        }
        return AuditRow.failed(path, sha256(nothing), 0, null, null, settings, error);
    }

    /** The row of a file that was listed but was gone when its turn came. */
    public static AuditRow vanished(String path, AuditSettings settings) {
        return AuditRow.failed(path, null, 0, null, null, settings, "the file disappeared while the audit ran");
    }

    /** Hash, decode and preprocess one file; thread-safe. */
    public Prepared prepare(Input input) {
        if (input.bytes() == null) {
            return new Prepared(input, null, null, null, null, null, input.unread());
        }
        String hash = sha256(input.bytes());
        try {
            BufferedImage photo = ImageDecoder.decode(input.bytes(), LIMITS);
            return new Prepared(input, hash, photo.getWidth(), photo.getHeight(), settings.maps() ? photo : null,
                    classifier.toInput(photo), null);
        } catch (RuntimeException e) {
            return new Prepared(input, hash, null, null, null, null, message(e));
        }
    }

    /** Classifies the batch in one forward pass and explains each image; one result per input, in order. */
    public List<Audited> explain(List<Prepared> batch) {
        List<Prepared> decoded = batch.stream().filter(p -> p.error() == null).toList();
        List<float[]> logits = logits(decoded);
        List<Audited> out = new ArrayList<>(batch.size());
        int next = 0;
        for (Prepared p : batch) {
            if (p.error() != null) {
                out.add(new Audited(failed(p, p.error()), null));
                continue;
            }
            float[] scores = logits.get(next++);
            try {
                out.add(explainOne(p, scores));
            } catch (RuntimeException e) {
                out.add(new Audited(failed(p, message(e)), null));
            }
        }
        return out;
    }

    /** One forward pass for the batch; if it fails, image by image, so one bad input fails only its own row. */
    private List<float[]> logits(List<Prepared> decoded) {
        int classes = classifier.classes();
        List<float[]> out = new ArrayList<>(decoded.size());
        if (decoded.isEmpty()) {
            return out;
        }
        int itemSize = decoded.get(0).tensor().length;
        float[] inputs = new float[decoded.size() * itemSize];
        for (int i = 0; i < decoded.size(); i++) {
            System.arraycopy(decoded.get(i).tensor(), 0, inputs, i * itemSize, itemSize);
        }
        float[] all = classifier.engine().forward(inputs, decoded.size());
        for (int i = 0; i < decoded.size(); i++) {
            out.add(java.util.Arrays.copyOfRange(all, i * classes, (i + 1) * classes));
        }
        return out;
    }

    private Audited explainOne(Prepared p, float[] logits) {
        Classification classification = classifier.classification(logits, settings.top());
        int target = classifier.resolveTarget(settings.target(), classification);
        ClassScore score = classifier.classification(logits, classifier.classes()).top().stream()
                .filter(s -> s.index() == target).findFirst().orElseThrow();
        AttributionRequest request = AttributionRequest.of(classifier, p.tensor(), target, settings.head());
        Attribution attribution = method.attribute(request, ProgressListener.NONE);
        AttributionMap map = AttributionRenderer.map(classifier.preprocessing(), attribution, AGGREGATION);
        float[] grid = MapStatistics.grid(map);
        MapStatistics.Summary s = MapStatistics.summarise(grid);
        Double deletion = settings.deletion()
                ? DeletionCurve.auc(classifier, request, relevanceAtInput(map), score.probability()) : null;
        List<ClassScore> top = classification.top();
        AuditRow row = new AuditRow(p.input().path(), p.sha256(), p.input().size(), p.width(), p.height(),
                top.stream().map(ClassScore::index).toList(), top.stream().map(ClassScore::label).toList(),
                top.stream().map(ClassScore::probability).toList(),
                target, score.label(), score.probability(), settings.method(), settings.methodParams(),
                AuditSettings.headName(settings.head()), grid,
                s == null ? null : s.peakX(), s == null ? null : s.peakY(), s == null ? null : s.centreShare(),
                s == null ? null : s.borderShare(), s == null ? null : s.entropy(), deletion, null);
        BufferedImage picture = settings.maps() ? AttributionRenderer.render(p.photo(), classifier.preprocessing(),
                attribution, pictureOptions(!attribution.inputShaped())) : null;
        return new Audited(row, picture);
    }

    /**
     * Channels combine as in {@code salient explain}'s default (the demo's signed mean, whose magnitude the map
     * keeps).
     */
    static final ChannelAggregation AGGREGATION = ChannelAggregation.SIGNED_MEAN;

    /** |map| at the model input's resolution (coarse maps upsampled) for the deletion order. */
    private float[] relevanceAtInput(AttributionMap map) {
        Preprocessing p = classifier.preprocessing();
        float[] magnitude = map.values();
        for (int i = 0; i < magnitude.length; i++) {
            magnitude[i] = Math.abs(magnitude[i]);
        }
        if (map.width() == p.width() && map.height() == p.height()) {
            return magnitude;
        }
        return Resampler.resize(magnitude, map.width(), map.height(), 1, p.width(), p.height());
    }

    /**
     * Map pictures: the colour map and overlay of the shared default rule, each image scaled to its own 99th
     * percentile (what {@code salient explain} does for every method but the plain gradient).
     */
    static RenderOptions pictureOptions(boolean coarse) {
        Overlay overlay = DisplaySettings.defaultOverlay(coarse ? MethodTraits.MapKind.LAYER : MethodTraits.MapKind.PIXEL);
        return new RenderOptions(AGGREGATION, new Scaling.Percentile(99), DisplaySettings.defaultColorMap(coarse ? MethodTraits.MapKind.LAYER : MethodTraits.MapKind.PIXEL),
                overlay, 0.5);
    }

    private AuditRow failed(Prepared p, String error) {
        return AuditRow.failed(p.input().path(), p.sha256(), p.input().size(), p.width(), p.height(), settings,
                error);
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m).replaceAll("\\s*\\R\\s*", " ");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
