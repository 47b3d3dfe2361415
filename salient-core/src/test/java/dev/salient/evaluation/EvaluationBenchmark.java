package dev.salient.evaluation;

import dev.salient.attribution.ProgressListener;
import dev.salient.engine.DifferentiableModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cost of each metric in forward passes and wall time, and the full default evaluation (8 methods and the
 * random and centre baselines on the shared photos, MobileNetV2) behind the README's ranking. Not a test: run with
 * {@code mvn -pl salient-core test -Dtest=EvaluationBenchmark -Dsalient.bench=true} (optionally
 * {@code -Dsalient.bench.photos=N} for the first N photos).
 */
@EnabledIfSystemProperty(named = "salient.bench", matches = "true")
class EvaluationBenchmark {
    @Test
    void costAndRanking() {
        forwardPassCost();
        int count = Integer.getInteger("salient.bench.photos", SharedPhotos.ALL.size());
        List<String> photos = SharedPhotos.ALL.subList(0, count);
        List<String> methods = new ArrayList<>(SharedPhotos.METHODS);
        methods.addAll(Baselines.names());
        long t0 = System.nanoTime();
        List<EvaluationCase> cases = SharedPhotos.cases(photos, methods);
        double explainSeconds = (System.nanoTime() - t0) / 1e9;
        EvaluationReport report = EvaluationReport.run(cases, Metrics.all(), ProgressListener.NONE);
        double total = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "%n%d photos x %d maps: explaining %.1f s, all metrics %.1f s, total %.1f s%n",
                photos.size(), methods.size(), explainSeconds, total - explainSeconds, total);
        System.out.printf(Locale.ROOT, "%-14s %10s %10s %12s%n", "metric", "passes", "seconds", "ms per map");
        for (Metric m : report.metrics()) {
            double ms = report.millis().get(m.name());
            System.out.printf(Locale.ROOT, "%-14s %10d %10.1f %12.1f%n", m.name(), report.cost(m.name()), ms / 1e3,
                    ms / cases.size());
        }
        for (Metric m : report.metrics()) {
            System.out.printf(Locale.ROOT, "%n%s (%s), best first:%n", m.name(), m.scores().stream()
                    .map(s -> s.name() + (s.higherIsBetter() ? " ↑" : " ↓")).toList());
            for (String method : report.ranking(m)) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-22s", method));
                for (Score s : m.scores()) {
                    line.append(String.format(Locale.ROOT, " %s=%.3f", s.name(), report.mean(method, m.name(), s.name())));
                }
                if (m.name().equals("sanity-check") && report.failsSanityCheck(method)) {
                    line.append("  FAILS");
                }
                System.out.println(line);
            }
        }
    }

    /** Deletion + insertion (50 steps each) of one map against 100 single-image forward passes. */
    private static void forwardPassCost() {
        SharedPhotos.Photo p = SharedPhotos.photo("dog.jpg");
        DifferentiableModel model = p.request().model();
        float[] x = p.request().input();
        for (int warm = 0; warm < 20; warm++) {
            model.forward(x, 1);
        }
        for (int batch : new int[]{1, 8, 16, 32}) {
            float[] in = new float[batch * x.length];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(x, 0, in, b * x.length, x.length);
            }
            model.forward(in, batch);
            int reps = Math.max(3, 64 / batch);
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                model.forward(in, batch);
            }
            System.out.printf(Locale.ROOT, "forward at batch %d: %.2f ms per image%n", batch,
                    (System.nanoTime() - t0) / 1e6 / reps / batch);
        }
        EvaluationCase c = SharedPhotos.explain(p, "gradcam");
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                model.forward(x, 1);
            }
            double single = (System.nanoTime() - t0) / 1e6;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "100 single forward passes %.0f ms;"
                    + " deletion + insertion (50 steps each, 102 passes) at batch", single));
            for (int batch : new int[]{1, 4, 8, 16, 32}) {
                Deletion deletion = new Deletion(Deletion.DEFAULTS.withBatch(batch));
                Insertion insertion = new Insertion(Insertion.DEFAULTS.withBatch(batch));
                t0 = System.nanoTime();
                deletion.evaluate(c, ProgressListener.NONE);
                insertion.evaluate(c, ProgressListener.NONE);
                double curves = (System.nanoTime() - t0) / 1e6;
                line.append(String.format(Locale.ROOT, " %d: %.0f ms = %.2f x;", batch, curves, curves / single));
            }
            System.out.println(line);
        }
    }
}
