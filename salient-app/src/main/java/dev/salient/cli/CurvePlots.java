package dev.salient.cli;

import dev.salient.evaluation.Curve;
import dev.salient.evaluation.EvaluationReport;
import dev.salient.evaluation.Metric;
import dev.salient.evaluation.MetricResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.*;

/**
 * One PNG per curve family of a report (deletion, insertion, ROAD's MoRF and LeRF, the sanity check's correlations
 * against depth), each method's curve averaged over the photos, drawn by XChart.
 */
final class CurvePlots {
    private CurvePlots() {}

    /** A family's mean curve per method. */
    record Family(String metric, String curve, String xLabel, String yLabel, Map<String, double[][]> byMethod) {
        String fileName() {
            return (curve.startsWith(metric) ? curve : metric + "-" + curve) + ".png";
        }
    }

    static List<Family> families(EvaluationReport report) {
        List<Family> out = new ArrayList<>();
        for (Metric m : report.metrics()) {
            List<MetricResult> results = report.results().get(m.name());
            Set<String> names = new LinkedHashSet<>();
            results.forEach(r -> r.curves().forEach(c -> names.add(c.name())));
            for (String name : names) {
                Map<String, double[][]> byMethod = new LinkedHashMap<>();
                String xLabel = "";
                String yLabel = "";
                for (String method : report.methods()) {
                    List<Curve> curves = new ArrayList<>();
                    for (int i = 0; i < results.size(); i++) {
                        if (report.cases().get(i).methodName().equals(method)) {
                            results.get(i).curves().stream().filter(c -> c.name().equals(name)).forEach(curves::add);
                        }
                    }
                    double[][] mean = mean(curves);
                    if (mean != null) {
                        byMethod.put(method, mean);
                        xLabel = curves.get(0).xLabel();
                        yLabel = curves.get(0).yLabel();
                    }
                }
                if (!byMethod.isEmpty()) {
                    out.add(new Family(m.name(), name, xLabel, yLabel, byMethod));
                }
            }
        }
        return out;
    }

    /** {x, mean y} of curves with the same abscissae (the first's, over those that share them), or null. */
    private static double[][] mean(List<Curve> curves) {
        if (curves.isEmpty()) {
            return null;
        }
        double[] x = curves.get(0).x();
        double[] y = new double[x.length];
        int n = 0;
        for (Curve c : curves) {
            if (Arrays.equals(c.x(), x)) {
                double[] cy = c.y();
                for (int i = 0; i < y.length; i++) {
                    y[i] += cy[i];
                }
                n++;
            }
        }
        for (int i = 0; i < y.length; i++) {
            y[i] /= n;
        }
        return new double[][]{x, y};
    }

    /** Writes each family's plot into {@code folder}; returns the families in order. */
    static List<Family> write(EvaluationReport report, Path folder, int photos) throws IOException {
        List<Family> families = families(report);
        for (Family f : families) {
            XYChart chart = new XYChartBuilder().width(720).height(440)
                    .title(f.curve() + " (mean over " + photos + (photos == 1 ? " photo)" : " photos)"))
                    .xAxisTitle(f.xLabel()).yAxisTitle(f.yLabel()).build();
            chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
            chart.getStyler().setMarkerSize(4);
            // without a pattern, XChart labels ticks with every digit of a double (0.339983258928571)
            chart.getStyler().setXAxisDecimalPattern("0.##");
            chart.getStyler().setYAxisDecimalPattern("0.##");
            for (Map.Entry<String, double[][]> e : f.byMethod().entrySet()) {
                var series = chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
                if (e.getKey().equals("random") || e.getKey().equals("centre")) {
                    series.setMarker(SeriesMarkers.NONE);
                    series.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT,
                            java.awt.BasicStroke.JOIN_MITER, 10, new float[]{6, 4}, 0));
                }
            }
            BitmapEncoder.saveBitmap(chart, folder.resolve(f.fileName()).toString(), BitmapEncoder.BitmapFormat.PNG);
        }
        return families;
    }
}
