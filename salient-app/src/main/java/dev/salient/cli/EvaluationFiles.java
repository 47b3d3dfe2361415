package dev.salient.cli;

import dev.salient.attribution.MethodTraits;
import dev.salient.render.DisplaySettings;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.evaluation.EvaluationCase;
import dev.salient.evaluation.EvaluationReport;
import dev.salient.evaluation.Metric;
import dev.salient.evaluation.MetricResult;
import dev.salient.evaluation.ReportJson;
import dev.salient.evaluation.Score;
import dev.salient.image.Resampler;
import dev.salient.model.ImageClassifier;
import dev.salient.render.AttributionRenderer;
import dev.salient.render.PngWriter;
import dev.salient.render.RenderOptions;
import dev.salient.render.Scaling;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * The files of {@code salient evaluate}: results.json ({@link ReportJson#report}), results.csv (one row per photo,
 * method, metric and score), the curve plots ({@link CurvePlots}), each map drawn in maps/, and report.html with the
 * table, the plots and the maps side by side.
 */
final class EvaluationFiles {
    /** Height of the map thumbnails in the report. */
    private static final int THUMBNAIL_HEIGHT = 150;

    private EvaluationFiles() {}

    static void write(EvaluationReport report, Map<String, BufferedImage> photos, ImageClassifier classifier, Path out)
            throws IOException {
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("results.json").toFile(),
                ReportJson.report(report));
        Files.writeString(out.resolve("results.csv"), csv(report), StandardCharsets.UTF_8);
        List<CurvePlots.Family> plots = CurvePlots.write(report, out, report.photos().size());
        Path maps = Files.createDirectories(out.resolve("maps"));
        Map<EvaluationCase, String> thumbnails = new HashMap<>();
        for (EvaluationCase c : report.cases()) {
            BufferedImage photo = photos.get(c.photo());
            MethodTraits.MapKind kind = c.attribution().inputShaped() ? MethodTraits.MapKind.PIXEL
                    : MethodTraits.MapKind.LAYER;
            RenderOptions options = new RenderOptions(c.aggregation(), new Scaling.Percentile(99),
                    DisplaySettings.defaultColorMap(kind), DisplaySettings.defaultOverlay(kind), 0.5);
            BufferedImage drawn = AttributionRenderer.render(photo, classifier.preprocessing(), c.attribution(), options);
            int w = Math.max(1, drawn.getWidth() * THUMBNAIL_HEIGHT / drawn.getHeight());
            String file = safe(stem(c.photo()) + "-" + c.methodName()) + ".png";
            PngWriter.write(Resampler.resize(drawn, w, THUMBNAIL_HEIGHT), maps.resolve(file));
            thumbnails.put(c, "maps/" + file);
        }
        Files.writeString(out.resolve("report.html"), html(report, plots, thumbnails), StandardCharsets.UTF_8);
    }

    static String csv(EvaluationReport report) {
        StringBuilder s = new StringBuilder("photo,method,class,metric,score,value\n");
        for (int i = 0; i < report.cases().size(); i++) {
            EvaluationCase c = report.cases().get(i);
            for (Map.Entry<String, List<MetricResult>> e : report.results().entrySet()) {
                for (Map.Entry<String, Double> score : e.getValue().get(i).scores().entrySet()) {
                    s.append(csvField(c.photo())).append(',').append(csvField(c.methodName())).append(',')
                            .append(c.request().targetClass()).append(',').append(e.getKey()).append(',')
                            .append(score.getKey()).append(',').append(number(score.getValue())).append('\n');
                }
            }
        }
        return s.toString();
    }

    private static String csvField(String v) {
        return v.contains(",") || v.contains("\"") || v.contains("\n") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "";
    }

    static String html(EvaluationReport report, List<CurvePlots.Family> plots, Map<EvaluationCase, String> thumbnails) {
        StringBuilder h = new StringBuilder("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>Salient: how faithful are these maps?</title>
                <style>body{font:15px/1.45 system-ui,sans-serif;margin:1.2rem;color:#1b1b1f}
                table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ddd;padding:.3rem .5rem;text-align:right}
                th:first-child,td:first-child{text-align:left}.best{font-weight:700;background:#eef3ff}
                .fail{color:#8a1010}figure{display:inline-block;margin:.3rem;text-align:center;font-size:.8rem}
                .plots img{max-width:48%}.maps td{text-align:center;vertical-align:top}</style></head><body>
                <h1>How faithful are these maps?</h1>
                """);
        h.append("<p>").append(report.photos().size()).append(" photos, ").append(report.methods().size())
                .append(" maps each. Means over the photos; the best value of each column is highlighted; ↑ higher is "
                        + "better, ↓ lower is better.</p>\n<table><thead><tr><th>method</th>");
        List<Metric> metrics = report.metrics();
        for (Metric m : metrics) {
            for (Score s : m.scores()) {
                h.append("<th title=\"").append(esc(s.meaning())).append("\">").append(esc(m.name())).append("<br>")
                        .append(esc(s.name())).append(s.higherIsBetter() ? " ↑" : " ↓").append("</th>");
            }
        }
        h.append("<th>sanity check</th></tr></thead><tbody>\n");
        for (String method : report.methods()) {
            h.append("<tr><td>").append(esc(method)).append("</td>");
            for (Metric m : metrics) {
                for (Score s : m.scores()) {
                    double v = report.mean(method, m.name(), s.name());
                    boolean best = !Double.isNaN(v) && report.methods().stream().mapToDouble(o -> report.mean(o, m.name(),
                            s.name())).filter(o -> !Double.isNaN(o)).map(o -> s.higherIsBetter() ? o : -o).max()
                            .orElse(Double.NaN) == (s.higherIsBetter() ? v : -v);
                    h.append(best ? "<td class=\"best\">" : "<td>").append(Double.isNaN(v) ? "–"
                            : String.format(Locale.ROOT, "%.3f", v)).append("</td>");
                }
            }
            h.append(report.failsSanityCheck(method) ? "<td class=\"fail\">fails</td>" : "<td>passes</td>").append("</tr>\n");
        }
        h.append("</tbody></table>\n");
        for (String method : report.methods()) {
            if (report.failsSanityCheck(method)) {
                h.append("<p class=\"fail\">").append(esc(method)).append(" fails the model-randomisation sanity check: "
                        + "its maps stay similar to the original when every layer's weights are random, so they show "
                        + "the photo rather than what this model uses.</p>\n");
            }
        }
        h.append("<h2>Curves</h2><div class=\"plots\">\n");
        for (CurvePlots.Family f : plots) {
            h.append("<img src=\"").append(esc(f.fileName())).append("\" alt=\"").append(esc(f.curve()))
                    .append(" curves\">\n");
        }
        h.append("</div>\n<h2>Maps</h2><table class=\"maps\"><thead><tr><th>photo</th>");
        report.methods().forEach(m -> h.append("<th>").append(esc(m)).append("</th>"));
        h.append("</tr></thead><tbody>\n");
        for (String photo : report.photos()) {
            h.append("<tr><td>").append(esc(photo)).append("</td>");
            for (String method : report.methods()) {
                EvaluationCase c = report.cases().stream().filter(x -> x.photo().equals(photo)
                        && x.methodName().equals(method)).findFirst().orElse(null);
                h.append("<td>");
                if (c != null) {
                    h.append("<img src=\"").append(esc(thumbnails.get(c))).append("\" alt=\"").append(esc(method))
                            .append(" on ").append(esc(photo)).append("\"><br>").append(caption(report, photo, method));
                }
                h.append("</td>");
            }
            h.append("</tr>\n");
        }
        return h.append("</tbody></table></body></html>\n").toString();
    }

    /** The deletion and insertion AUC of one map, where measured. */
    private static String caption(EvaluationReport report, String photo, String method) {
        List<String> parts = new ArrayList<>();
        for (String metric : List.of("deletion", "insertion")) {
            MetricResult r = report.result(metric, photo, method);
            if (r != null && r.scores().containsKey("auc")) {
                parts.add(String.format(Locale.ROOT, "%s %.3f", metric.substring(0, 3), r.score("auc")));
            }
        }
        return esc(String.join(" · ", parts));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String stem(String fileName) {
        return ExplainCommand.stem(Path.of(fileName));
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
