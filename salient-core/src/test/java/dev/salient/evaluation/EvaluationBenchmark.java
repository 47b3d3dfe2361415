package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.Batching;
import dev.salient.attribution.ProgressListener;
import dev.salient.engine.ChunkKind;
import dev.salient.engine.ChunkTimings;
import dev.salient.engine.DifferentiableModel;
import dev.salient.render.AttributionMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The cost of each metric in forward passes and wall time, and the full default evaluation (8 methods and the
 * random and centre baselines on the shared photos, MobileNetV2) behind the README's ranking. Not a test: run with
 * {@code mvn -pl salient-core test -Dtest=EvaluationBenchmark -Dsalient.bench=true} (optionally
 * {@code -Dsalient.bench.photos=N} for the first N photos, {@code -Dsalient.bench.rounds=R} rounds of the
 * deletion + insertion timing, {@code -Dsalient.bench.curvesOnly=true} for that timing alone).
 */
@EnabledIfSystemProperty(named = "salient.bench", matches = "true")
class EvaluationBenchmark {
    @Test
    void costAndRanking() {
        forwardPassCost();
        if (Boolean.getBoolean("salient.bench.curvesOnly")) {
            return;
        }
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

    /** Timed rounds of the deletion + insertion comparison. */
    private static final int ROUNDS = Integer.getInteger("salient.bench.rounds", 7);

    /**
     * Deletion + insertion (50 steps each, 102 passes) of one map against 100 single-image forward passes, the target
     * of issue 12 (at most 1.2×). Each curve pair is timed right after its own 100 single passes, in every round, so
     * both sides see the same load: per variant, each side's min / median / max, the ratio of the minimums (each side
     * without interference) and the median and range of the ratio within each pair (drift cancels). Every timed pair
     * scores a fresh copy of the photo and map, so it pays the photo's blur and the map's sort once, as a user scoring
     * one map does.
     */
    private static void forwardPassCost() {
        SharedPhotos.Photo p = SharedPhotos.photo("dog.jpg");
        DifferentiableModel model = p.request().model();
        float[] x = p.request().input();
        EvaluationCase map = SharedPhotos.explain(p, "gradcam");
        System.out.printf(Locale.ROOT, "load average at start: %s%n", loadAverage());
        long t0 = System.nanoTime();
        curves(freshCase(map), Batching.AUTO);
        System.out.printf(Locale.ROOT, "first deletion + insertion (JIT, the chunk-size probe): %.0f ms; forward chunk"
                + " timings %s; 51 inputs run in chunks of %d%n", (System.nanoTime() - t0) / 1e6,
                model.chunkTimings(ChunkKind.FORWARD).map(ChunkTimings::millisPerItem).orElse(null),
                Batching.plan(model, ChunkKind.FORWARD, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 51).next(51));
        int[] batches = {Batching.AUTO, 1, 4, 16};
        for (int warm = 0; warm < 2; warm++) {
            singles(model, x, 100);
            for (int batch : batches) {
                curves(freshCase(map), batch);
            }
        }
        double[][] reference = new double[batches.length][ROUNDS];
        double[][] curves = new double[batches.length][ROUNDS];
        double[] inputs = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            for (int b = 0; b < batches.length; b++) {
                reference[b][round] = singles(model, x, 100);
                curves[b][round] = curves(freshCase(map), batches[b]);
            }
            inputs[round] = inputsOnly(freshCase(map));
        }
        System.out.printf(Locale.ROOT, "%d rounds, each curve pair timed right after its own 100 single forward passes;"
                + " min / median / max in ms; ratio of the minimums, and the median (range) of the pairs' ratios%n",
                ROUNDS);
        System.out.printf(Locale.ROOT, "%-10s %24s %24s %8s %22s%n", "batch", "100 single passes",
                "deletion + insertion", "ratio", "pair ratio med (range)");
        for (int b = 0; b < batches.length; b++) {
            double[] ratio = new double[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                ratio[round] = curves[b][round] / reference[b][round];
            }
            double[] ref = sorted(reference[b]);
            double[] di = sorted(curves[b]);
            double[] r = sorted(ratio);
            System.out.printf(Locale.ROOT, "%-10s %8.0f %7.0f %7.0f %8.0f %7.0f %7.0f %8.2f %8.2f (%.2f-%.2f)%n",
                    batches[b] == Batching.AUTO ? "measured" : String.valueOf(batches[b]), ref[0], median(ref),
                    ref[ROUNDS - 1], di[0], median(di), di[ROUNDS - 1], di[0] / ref[0], median(r), r[0], r[ROUNDS - 1]);
        }
        double[] in = sorted(inputs);
        System.out.printf(Locale.ROOT, "of which building the 102 inputs (blur, order, every step's copy):"
                + " %.1f / %.1f / %.1f ms%nload average at end: %s%n", in[0], median(in), in[ROUNDS - 1], loadAverage());
    }

    /** Copies made by {@link #freshCase}: each nudges another pixel of the map. */
    private static int freshCases;

    /**
     * The case on a copy of its photo and a map one ulp away in one pixel, another each time: nothing derived from
     * them, the blur or the pixel order, is known yet (the order is kept per map value, so an equal copy would find
     * it), and the work is the same.
     */
    private static EvaluationCase freshCase(EvaluationCase c) {
        AttributionRequest r = c.request();
        AttributionRequest copy = new AttributionRequest(r.model(), r.input().clone(), r.targetClass(), r.head(),
                r.layout(), r.black(), r.white());
        float[] values = c.relevance().values();
        int nudged = freshCases++ % values.length;
        values[nudged] = Math.nextUp(values[nudged]);
        return new EvaluationCase(c.photo(), c.methodName(), c.method(), copy, c.attribution(), c.aggregation(),
                new AttributionMap(c.relevance().width(), c.relevance().height(), values), c.truth());
    }

    /** Milliseconds of deletion and insertion with their defaults at chunk size {@code batch}. */
    private static double curves(EvaluationCase c, int batch) {
        long t0 = System.nanoTime();
        new Deletion(Deletion.DEFAULTS.withBatch(batch)).evaluate(c, ProgressListener.NONE);
        new Insertion(Insertion.DEFAULTS.withBatch(batch)).evaluate(c, ProgressListener.NONE);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Milliseconds of {@code count} forward passes of one image each. */
    private static double singles(DifferentiableModel model, float[] x, int count) {
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            model.forward(x, 1);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Milliseconds to build deletion's and insertion's inputs, every one copied out, without running the model. */
    private static double inputsOnly(EvaluationCase c) {
        long t0 = System.nanoTime();
        for (PixelCurve metric : List.of(new Deletion(), new Insertion())) {
            PixelCurve.Steps steps = metric.steps(c);
            float[] item = new float[steps.start.length];
            for (int i = 0; i < steps.takenAt.length; i++) {
                steps.fill(i, item, 0);
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double[] sorted(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s;
    }

    private static double median(double[] sorted) {
        return sorted[sorted.length / 2];
    }

    /** The machine's load average over 1, 5 and 15 minutes (others build on it), from /proc. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
