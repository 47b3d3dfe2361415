package dev.salient.attribution;

import dev.salient.engine.ChunkKind;
import dev.salient.engine.ChunkTimings;
import dev.salient.engine.DifferentiableModel;
import dev.salient.graph.TensorShapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Chunk sizes for many-sample methods (SmoothGrad and its variants, Integrated Gradients, occlusion, and metrics that
 * score many inputs). A chunk is one run of one reused session; its size is at most what fits a memory budget,
 * estimated from the model's tensor shapes, and at most the model's {@link DifferentiableModel#maxBatch}.
 *
 * <p>Within that, the size is chosen by measurement ({@link #AUTO}): how well a batch pays depends on the model, the
 * CPU and the method's graph. A fixed chunk of 4, chosen on MobileNetV2 alone, cost 49–56 single gradients for 50
 * samples on every model (issue 15). The first time a model runs a {@link ChunkKind} a {@link Plan} measures it on
 * the method's own samples, so the probe costs only the sessions it builds: at sizes 1, 4 and 16 in turn a warm-up
 * chunk (two at size 1; a new session's first run plans its memory: 55–285 ms against 25–35 ms after, MobileNetV2) and
 * {@link #TIMED_RUNS} timed ones, the fastest counting, stopping at the first size that is not at least
 * {@link #WORTH_GROWING} faster per item than the best so far. A run with too few samples left for the next size
 * leaves it to a later run. The model remembers the timings
 * ({@link DifferentiableModel#rememberChunkTimings}: for the process, and on disk when the engine has a cache folder);
 * later runs take the size with the least estimated time for their sample count, chunks balanced so that the last one
 * is not mostly padding.
 *
 * <p>Runs go in {@link DifferentiableModel#lanes lanes} ({@link Rounds}): a round of chunks, one per lane, runs at
 * once, each on a single-threaded session, and a size is measured and chosen per round (its time divided by all its
 * items). On this project's 2-core machine a larger chunk never paid, on any model, while two chunks side by side did
 * (see {@code SharedRuntime.laneSessionOptions}).
 *
 * <p>Once a plan settles on a size, the model lets go of its cached sessions of that kind at every other size but 1
 * ({@link DifferentiableModel#retireSessionsExcept}): each holds its own copy of the weights and its own arena, and
 * the sizes a probe did not choose, or an earlier run's balanced size, stayed cached until evicted. Resident after one
 * SmoothGrad on MobileNetV2: 612 MB with 1 chosen and 4 kept, 405 MB without; probing 1, 4 and 16 (a 2 GB budget),
 * 4 chosen: 1.5 GB, 0.7 GB without. The peak stays: a probe holds every size it measures until it chooses.
 */
public final class Batching {
    /** Default cap on the memory one chunk may use: 512 MB. */
    public static final long DEFAULT_MEMORY_BUDGET = 512L << 20;

    /** A requested chunk size of 0: chosen by measurement within the memory budget. */
    public static final int AUTO = 0;

    /** The default of every many-sample method: {@link #AUTO}. */
    public static final int DEFAULT_BATCH = AUTO;

    /** Sizes a probe tries, in order; beyond 16 per-item time stopped falling on every model measured. */
    static final int[] PROBE_SIZES = {1, 4, 16};

    /**
     * Timed chunks per size; their fastest counts. One was not enough on this project's shared 2-core machine (load
     * ≈ 18): a single run of 4 items once took 3× the per-item time of size 1 and stopped the probe there.
     */
    static final int TIMED_RUNS = 2;

    /** How much faster per item a larger chunk must be for the probe to go on to the next size. */
    static final double WORTH_GROWING = 0.05;

    /**
     * A run whose rounds at the remembered size take less than this share of the remembered time per item shows that
     * the timings were taken on a busier machine, and they are forgotten, to be measured again by the next run. Seen
     * here: {1: 59.3, 2: 49.5} ms per item kept from a run at load 4 chose size 2 on an idle machine, where the
     * rounds took 9.1 ms per item at 2 and 14.9 at 1 (the order could as well have been the other way).
     */
    static final double STALE_BELOW = 0.67;

    /**
     * The size single-pass methods (gradient, Grad-CAM, DeepLIFT, ...) run a gradient kind at: its session stays cached
     * when a plan settles on another size, or each of them after a many-sample run would build it again.
     */
    static final int SINGLE = 1;

    private Batching() {}

    /**
     * Estimated bytes one batch item needs in a gradient run: every batch-dependent tensor of the forward pass,
     * held once as a value and once more as its gradient in the backward pass, 4 bytes each.
     */
    public static long bytesPerItem(DifferentiableModel model) {
        return Math.max(1, batchDependentElements(model).stream().mapToLong(Long::longValue).sum()) * 4L * 2L;
    }

    /**
     * Estimated bytes one batch item needs in a forward run: ONNX Runtime frees each tensor after its last use, so
     * three times the largest one (MobileNetV2: 4.8 MB largest, measured 12–13 MB more resident memory per item
     * between batch 1, 16 and 64).
     */
    public static long forwardBytesPerItem(DifferentiableModel model) {
        return Math.max(1, batchDependentElements(model).stream().mapToLong(Long::longValue).max().orElse(1)) * 4L * 3L;
    }

    private static List<Long> batchDependentElements(DifferentiableModel model) {
        boolean batchable = model.maxBatch() > 1;
        List<Long> elements = new ArrayList<>();
        for (String t : model.shapes().names()) {
            long[] one = model.shapes().at(t, 1);
            // a graph that fixes batch 1 has no batch-dependent tensors to tell apart: count them all
            if (!batchable || !Arrays.equals(one, model.shapes().at(t, 2))) {
                elements.add(TensorShapes.elementCount(one));
            }
        }
        return elements;
    }

    /** The largest chunk allowed: within the budget, the samples and the model's batch limit; at least 1. */
    private static int largest(DifferentiableModel model, long bytesPerItem, long budget, int samples) {
        long fit = Math.max(1, budget / bytesPerItem);
        return (int) Math.max(1, Math.min(fit, Math.min(Math.max(1, samples), model.maxBatch())));
    }

    /**
     * The chunk sizes for one run of {@code samples} items of {@code kind}.
     *
     * @param requested a chunk size (≥ 1), kept within the limits, or {@link #AUTO}
     * @param budget    memory budget in bytes
     */
    public static Plan plan(DifferentiableModel model, ChunkKind kind, int requested, long budget, int samples) {
        if (requested < 0) {
            throw new IllegalArgumentException("batch size must be 0 (measured) or more: " + requested);
        }
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be at least 1: " + samples);
        }
        long perItem = kind.equals(ChunkKind.FORWARD) ? forwardBytesPerItem(model) : bytesPerItem(model);
        int lanes = model.lanes();
        int largest = largest(model, perItem * lanes, budget, samples); // a round holds a chunk per lane
        if (requested != AUTO) {
            return new Plan(model, kind, lanes, Math.min(requested, largest), largest, List.of(), null);
        }
        ChunkTimings known = model.chunkTimings(kind).orElse(new ChunkTimings(new TreeMap<>(), false));
        List<Integer> toMeasure = new ArrayList<>();
        if (!known.stoppedEarly()) {
            int measuredUpTo = known.millisPerItem().isEmpty() ? 0 : known.millisPerItem().lastKey();
            for (int size : probeSizes(largest)) {
                if (size > measuredUpTo) {
                    toMeasure.add(size);
                }
            }
        }
        return new Plan(model, kind, lanes, 0, largest, toMeasure, known);
    }

    /**
     * The {@link #PROBE_SIZES} up to {@code largest}; when that leaves only 1 (a budget that fits 2 or 3 items of a
     * large model), 1 and {@code largest}, so that there is still a choice.
     */
    static List<Integer> probeSizes(int largest) {
        List<Integer> sizes = new ArrayList<>();
        for (int size : PROBE_SIZES) {
            if (size <= largest) {
                sizes.add(size);
            }
        }
        if (sizes.size() == 1 && largest > 1) {
            sizes.add(largest);
        }
        return sizes;
    }

    /**
     * Chunk sizes for one run, given out one round at a time: {@link #next} says how large a session the next round's
     * chunks run on, {@link #record} takes the round's time. A round is one chunk per {@link #lanes lane}, run at once
     * (one chunk when there is one lane). While sizes are left to measure, rounds are spent on them (a warm-up round,
     * whose memory planning makes it slower, then timed rounds); after that, every round has the size with the least
     * estimated time for the samples left.
     */
    public static final class Plan {
        private final DifferentiableModel model;
        private final ChunkKind kind;
        private final int lanes;
        private final int largest;
        private final List<Integer> toMeasure;
        private final SortedMap<Integer, Double> measured;
        private final SortedMap<Integer, Double> measuredNow = new TreeMap<>();
        private int chosen;
        /** Samples not run yet when {@link #next} was last asked. */
        private int left;
        private int warmUps;
        private int timedRuns;
        private boolean stoppedEarly;
        /** Whether a round has been compared with the remembered timings ({@link #checkRemembered}). */
        private boolean staleChecked;

        private Plan(DifferentiableModel model, ChunkKind kind, int lanes, int fixed, int largest,
                     List<Integer> toMeasure, ChunkTimings known) {
            this.model = model;
            this.kind = kind;
            this.lanes = lanes;
            this.largest = largest;
            this.chosen = fixed;
            this.toMeasure = new ArrayList<>(toMeasure);
            this.measured = known == null ? new TreeMap<>() : new TreeMap<>(known.millisPerItem());
        }

        /** Chunks per round, each on a session of its own ({@link DifferentiableModel#lanes}). */
        public int lanes() {
            return lanes;
        }

        /** The model the plan's chunks run on. */
        public DifferentiableModel model() {
            return model;
        }

        /** Whether this plan still measures chunk sizes. */
        public boolean measuring() {
            return chosen == 0 && !toMeasure.isEmpty();
        }

        /**
         * The size of the sessions the next round runs on; the round has {@code min(size × lanes, remaining)} items,
         * in chunks of {@code size} (the last one shorter).
         *
         * @param remaining samples not run yet (≥ 1)
         */
        public int next(int remaining) {
            left = remaining;
            if (measuring()) {
                int size = toMeasure.get(0);
                int runsLeft = Math.max(0, warmUpsAt(size) - warmUps) + TIMED_RUNS - timedRuns;
                if ((long) size * lanes * runsLeft <= remaining) {
                    return size;
                }
                finishMeasuring(); // too few samples left to time this size: a later run goes on from here
            }
            if (chosen == 0) {
                settle(bestFor(remaining));
            }
            return chosen;
        }

        /**
         * The time of a round just run.
         *
         * @param size  the sessions' size, as {@link #next} gave it
         * @param items samples in the round (a full round: size × lanes)
         */
        public void record(int size, int items, long nanos) {
            if (!measuring()) {
                checkRemembered(size, items, nanos);
                return;
            }
            if (size != toMeasure.get(0) || items != size * lanes) {
                return;
            }
            if (warmUps < warmUpsAt(size)) {
                warmUps++;
                return;
            }
            double millisPerItem = nanos / 1e6 / items;
            measuredNow.merge(size, millisPerItem, Math::min);
            if (++timedRuns < TIMED_RUNS) {
                return;
            }
            double bestBefore = measured.values().stream().mapToDouble(Double::doubleValue).min().orElse(Double.MAX_VALUE);
            measured.merge(size, measuredNow.get(size), Math::min);
            toMeasure.remove(0);
            warmUps = 0;
            timedRuns = 0;
            if (measuredNow.get(size) > (1 - WORTH_GROWING) * bestBefore) {
                stoppedEarly = true; // larger sizes would not pay either
                toMeasure.clear();
            }
            if (toMeasure.isEmpty()) {
                finishMeasuring();
                if (items == left) {
                    settle(bestFor(size)); // the run ends with its probe: keep the size a full chunk would take
                }
            }
        }

        /**
         * Untimed chunks before the timed ones: two at size 1, which a probe measures first, on code the process has
         * not run yet (in a bench run the first size-1 chunks after one warm-up still took 150 ms per item against 20).
         */
        private static int warmUpsAt(int size) {
            return size == 1 ? 2 : 1;
        }

        /**
         * A full round at a size chosen from remembered timings (none measured by this plan) that runs in under
         * {@link #STALE_BELOW} of the remembered time per item: the timings are forgotten, once per plan.
         */
        private void checkRemembered(int size, int items, long nanos) {
            Double remembered = measured.get(size);
            if (staleChecked || !measuredNow.isEmpty() || remembered == null || items != size * lanes) {
                return;
            }
            staleChecked = true;
            if (nanos / 1e6 / items < STALE_BELOW * remembered) {
                model.forgetChunkTimings(kind);
            }
        }

        /** Runs the rest at {@code size}; the kind's sessions at other sizes (but {@link #SINGLE}) are let go. */
        private void settle(int size) {
            chosen = size;
            model.retireSessionsExcept(kind, Set.copyOf(List.of(SINGLE, size)));
        }

        private void finishMeasuring() {
            toMeasure.clear();
            if (!measuredNow.isEmpty()) {
                model.rememberChunkTimings(kind, new ChunkTimings(measuredNow, stoppedEarly));
            }
        }

        /**
         * The measured size with the least estimated time for {@code remaining} samples (the last chunk padded), a
         * smaller size winning ties within {@link #WORTH_GROWING}; 1 when nothing is measured. A run that measured
         * keeps to the sizes it built sessions for; a later one balances its chunks so that the last is not mostly
         * padding (50 samples at 16: four chunks of 13).
         */
        private int bestFor(int remaining) {
            boolean balance = measuredNow.isEmpty();
            int best = 1;
            double bestTime = Double.MAX_VALUE;
            for (Map.Entry<Integer, Double> e : measured.headMap(largest + 1).entrySet()) {
                int size = balance ? balanced(Math.min(e.getKey(), remaining), remaining, lanes) : e.getKey();
                double time = chunks(remaining, size * lanes) * (double) size * lanes * e.getValue();
                if (time < (1 - WORTH_GROWING) * bestTime) {
                    best = size;
                    bestTime = time;
                }
            }
            return best;
        }

        /** How many chunks of {@code size} hold {@code remaining} samples. */
        private static int chunks(int remaining, int size) {
            return (remaining + size - 1) / size;
        }

        /**
         * The size that runs {@code remaining} samples in as many rounds of {@code lanes} chunks as {@code size} needs,
         * with least padding.
         */
        private static int balanced(int size, int remaining, int lanes) {
            int chunks = chunks(remaining, size * lanes) * lanes;
            return Math.max(1, (remaining + chunks - 1) / chunks);
        }
    }
}
