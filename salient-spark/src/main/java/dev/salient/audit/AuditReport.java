package dev.salient.audit;

import dev.salient.attribution.MethodTraits;
import dev.salient.render.DisplaySettings;

import dev.salient.image.ImageDecoder;
import dev.salient.image.Preprocessing;
import dev.salient.image.Preprocessor;
import dev.salient.image.Resampler;
import dev.salient.render.AttributionMap;
import dev.salient.render.ColorMap;
import dev.salient.render.Overlay;
import dev.salient.render.PngWriter;
import dev.salient.render.RenderOptions;
import dev.salient.render.Renderer;
import dev.salient.render.Scaling;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code report.html}: one self-contained page (pictures inline) that shows a person the model's strategies at a
 * glance. Per class, the images whose attribution lies most outside the centre (highest border share: watermarks,
 * frames, background); and SpRAy clusters ({@link Spray}) of the maps, over all images and per class, each shown as
 * its mean map and its most typical members.
 */
public final class AuditReport {
    /** Images shown per list (outside-the-centre ranking, cluster exemplars). */
    static final int SHOWN = 6;
    /** Classes with their own section, most frequent first. */
    static final int CLASSES = 20;
    /** Explained images a class needs before it gets its own clustering. */
    static final int CLUSTER_MINIMUM = 12;
    /** Errors listed; the table has them all. */
    static final int ERRORS = 200;
    private static final int THUMBNAIL = 160;

    /** Reads an image by its row path (a local file, or a Hadoop file from the Spark driver). */
    @FunctionalInterface
    public interface ImageSource {
        byte[] read(String relativePath) throws IOException;
    }

    private final Preprocessing preprocessing;
    private final ImageSource images;
    private final Map<String, String> thumbnails = new HashMap<>();

    private AuditReport(Preprocessing preprocessing, ImageSource images) {
        this.preprocessing = preprocessing;
        this.images = images;
    }

    /** The report page for the rows of one audit. */
    public static String html(List<AuditRow> rows, AuditSettings settings, String model, Preprocessing preprocessing,
                              ImageSource images) {
        return new AuditReport(preprocessing, images).page(rows, settings, model);
    }

    private String page(List<AuditRow> rows, AuditSettings settings, String model) {
        List<AuditRow> explained = rows.stream().filter(r -> r.error() == null && r.borderShare() != null)
                .sorted(Comparator.comparing(AuditRow::path)).toList();
        List<AuditRow> failed = rows.stream().filter(r -> r.error() != null)
                .sorted(Comparator.comparing(AuditRow::path)).toList();
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Salient audit</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}figure{display:inline-block;")
                .append("margin:0 .6em .8em 0;vertical-align:top;width:").append(THUMBNAIL).append("px}")
                .append("figcaption{font-size:.75em;word-break:break-all}img{display:block;max-width:100%}")
                .append(".cluster{border-top:1px solid #ddd;padding-top:.5em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ddd;padding:.2em .5em;font-size:.85em;text-align:left}")
                .append("</style></head><body>\n<h1>Salient audit</h1>\n<p>Model <b>").append(esc(model))
                .append("</b>, method <b>").append(esc(settings.method())).append("</b> ")
                .append(esc(settings.methodParams().toString())).append(", head ")
                .append(esc(AuditSettings.headName(settings.head())))
                .append(", class ").append(esc(settings.target())).append(". ").append(rows.size())
                .append(" images, ").append(explained.size()).append(" explained, ").append(failed.size())
                .append(" errors. Maps are |attribution| on a ").append(MapStatistics.GRID).append("×")
                .append(MapStatistics.GRID).append(" grid; the border is its outer ").append(MapStatistics.BORDER)
                .append(" cells, the centre its middle ").append(MapStatistics.CENTRE).append("×")
                .append(MapStatistics.CENTRE).append(" cells.</p>\n");

        h.append("<h2>Strategies over all images (SpRAy)</h2>\n");
        clusters(h, explained);

        Map<Integer, List<AuditRow>> byClass = explained.stream().collect(Collectors.groupingBy(AuditRow::targetClass,
                LinkedHashMap::new, Collectors.toList()));
        List<Map.Entry<Integer, List<AuditRow>>> classes = byClass.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<Integer, List<AuditRow>> e) -> -e.getValue().size())
                        .thenComparing(Map.Entry::getKey))
                .limit(CLASSES).toList();
        h.append("<h2>Per class</h2>\n");
        for (Map.Entry<Integer, List<AuditRow>> e : classes) {
            List<AuditRow> members = e.getValue();
            h.append("<section><h3>").append(esc(members.get(0).targetLabel())).append(" (class ").append(e.getKey())
                    .append(") — ").append(members.size()).append(" images</h3>\n")
                    .append("<h4>Most attribution outside the centre</h4>\n");
            members.stream().sorted(Comparator.comparingDouble((AuditRow r) -> -r.borderShare())
                    .thenComparing(AuditRow::path)).limit(SHOWN).forEach(r -> figure(h, r,
                    String.format(Locale.ROOT, "border %.2f · centre %.2f · p %.2f", r.borderShare(), r.centreShare(),
                            r.targetProbability())));
            if (members.size() >= CLUSTER_MINIMUM) {
                h.append("<h4>Strategies (SpRAy)</h4>\n");
                clusters(h, members);
            }
            h.append("</section>\n");
        }

        if (!failed.isEmpty()) {
            h.append("<h2>Errors</h2>\n<table><tr><th>image</th><th>error</th></tr>\n");
            failed.stream().limit(ERRORS).forEach(r -> h.append("<tr><td>").append(esc(r.path())).append("</td><td>")
                    .append(esc(r.error())).append("</td></tr>\n"));
            h.append("</table>\n");
            if (failed.size() > ERRORS) {
                h.append("<p>… and ").append(failed.size() - ERRORS).append(" more (column <code>error</code>).</p>\n");
            }
        }
        return h.append("</body></html>\n").toString();
    }

    private void clusters(StringBuilder h, List<AuditRow> rows) {
        if (rows.size() < 3) {
            h.append("<p>Too few explained images to cluster.</p>\n");
            return;
        }
        List<float[]> maps = rows.stream().map(AuditRow::map).toList();
        Spray.Clustering c = Spray.cluster(maps);
        h.append("<p>").append(c.clusters()).append(" clusters (largest eigengap among the Laplacian's smallest ")
                .append("eigenvalues: ").append(java.util.Arrays.stream(c.eigenvalues())
                        .mapToObj(v -> String.format(Locale.ROOT, "%.3f", v)).collect(Collectors.joining(", ")))
                .append(").</p>\n");
        for (int k = 0; k < c.clusters(); k++) {
            List<Integer> members = c.members(k, maps);
            MapStatistics.Summary s = MapStatistics.summarise(c.means()[k]);
            h.append("<div class=\"cluster\"><figure><img alt=\"mean map\" src=\"").append(meanMap(c.means()[k]))
                    .append("\"><figcaption>cluster ").append(k + 1).append(": ").append(members.size())
                    .append(" images, mean map").append(s == null ? "" : String.format(Locale.ROOT,
                            " (border %.2f · centre %.2f)", s.borderShare(), s.centreShare()))
                    .append("</figcaption></figure>\n");
            members.stream().limit(SHOWN).forEach(i -> figure(h, rows.get(i), rows.get(i).targetLabel()));
            h.append("</div>\n");
        }
    }

    private void figure(StringBuilder h, AuditRow r, String caption) {
        h.append("<figure><img alt=\"").append(esc(r.path())).append("\" src=\"").append(thumbnail(r))
                .append("\"><figcaption>").append(esc(r.path())).append("<br>").append(esc(caption))
                .append("</figcaption></figure>\n");
    }

    /** The photo, shrunk, with its grid map laid over it as the CLI draws coarse maps. */
    private String thumbnail(AuditRow r) {
        return thumbnails.computeIfAbsent(r.path(), path -> {
            try {
                BufferedImage photo = ImageDecoder.decode(images.read(path), ImageAuditor.LIMITS);
                double scale = (double) THUMBNAIL / Math.max(photo.getWidth(), photo.getHeight());
                BufferedImage small = Resampler.resize(photo, Math.max(1, (int) Math.round(photo.getWidth() * scale)),
                        Math.max(1, (int) Math.round(photo.getHeight() * scale)));
                RenderOptions options = new RenderOptions(ImageAuditor.AGGREGATION, new Scaling.Percentile(100),
                        DisplaySettings.defaultColorMap(MethodTraits.MapKind.LAYER), Overlay.ALPHA, 0.5);
                BufferedImage drawn = Renderer.render(small, Preprocessor.sourceRegion(small.getWidth(),
                        small.getHeight(), preprocessing), new AttributionMap(MapStatistics.GRID, MapStatistics.GRID,
                        r.map()), options);
                return dataUri(drawn);
            } catch (IOException | RuntimeException e) {
                return ""; // the image moved or cannot be read now: the caption still names it
            }
        });
    }

    /** A cluster's mean map, scaled to its maximum, in the heat-map colours. */
    static String meanMap(float[] mean) {
        int g = MapStatistics.GRID;
        float max = 0;
        for (float v : mean) {
            max = Math.max(max, v);
        }
        BufferedImage cells = new BufferedImage(g, g, BufferedImage.TYPE_INT_RGB);
        ColorMap colors = DisplaySettings.defaultColorMap(MethodTraits.MapKind.LAYER);
        for (int i = 0; i < mean.length; i++) {
            cells.setRGB(i % g, i / g, colors.rgb(max > 0 ? mean[i] / max : 0));
        }
        return dataUri(Resampler.resize(cells, THUMBNAIL, THUMBNAIL));
    }

    private static String dataUri(BufferedImage image) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(PngWriter.toPng(image));
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
