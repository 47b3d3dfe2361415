package dev.salient.audit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.model.ImageClassifier;
import dev.salient.render.PngWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * An audit on this machine: one classifier, images read and decoded on every core while the model works on the
 * previous batch, classification batched {@value #BATCH} at a time.
 *
 * <p>Restartable: the table is written in shards of {@value #SHARD} images (in path order) under
 * {@code OUT/.work/rows}, each to a temporary name and renamed when complete. Beside each shard its rows are kept as
 * JSON in {@code OUT/.work/report-rows}, for the report: parquet-java reads files only with Hadoop's classes loaded,
 * which local mode does without (it writes them without). A run killed half-way leaves complete
 * shards; the next run with the same model, settings and files (checked by a fingerprint) keeps them and computes
 * the rest; anything else starts over. Only a finished run moves the table, the maps and the report to their final
 * names.
 */
public final class LocalAudit {
    /** Images per forward batch (classification and the decoding that runs ahead of it). */
    public static final int BATCH = 16;
    /** Images per shard file: the unit of work a resumed run keeps. */
    public static final int SHARD = 64;

    private static final String JOB_FILE = "job.txt";
    /** Work folder of the rows kept for the report. */
    private static final String KEPT_ROWS = "report-rows";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<AuditRow>> ROWS = new TypeReference<>() {};

    private LocalAudit() {}

    /** Told how far the audit is. */
    public interface Progress {
        /** Before the first image: how many there are, and how many a previous run already did. */
        void started(int total, int alreadyDone);

        /** {@code images} more are done. */
        void advanced(int images);

        Progress NONE = new Progress() {
            @Override
            public void started(int total, int alreadyDone) {}

            @Override
            public void advanced(int images) {}
        };
    }

    /**
     * @param images  rows in the table
     * @param errors  rows with an error
     * @param resumed images taken from a previous, interrupted run
     * @param seconds time spent on the images (listing, model and report excluded)
     */
    public record Result(int images, int errors, int resumed, Path table, Path report, double seconds) {
        public double imagesPerSecond() {
            return (images - resumed) / Math.max(seconds, 1e-9);
        }
    }

    /**
     * @param modelFingerprint identifies the model (see {@link ModelBundle#fingerprint()}), for resuming
     * @param threads          decoding threads
     */
    public static Result run(ImageClassifier classifier, String modelFingerprint, AuditInput input,
                             AuditSettings settings, Path out, int threads, Progress progress) throws IOException {
        List<AuditInput.LocalFile> files = input.listLocal();
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no files matching " + input.pattern() + " under " + input.root());
        }
        Path work = out.resolve(AuditOutput.WORK);
        Path shards = work.resolve(AuditOutput.ROWS);
        Path maps = work.resolve(AuditOutput.MAPS);
        Path kept = work.resolve(KEPT_ROWS);
        prepareWork(work, fingerprint(modelFingerprint, input, settings, files));
        Files.createDirectories(shards);
        Files.createDirectories(kept);
        deleteTemporary(shards);
        deleteTemporary(kept);

        ImageAuditor auditor = new ImageAuditor(classifier, settings);
        int shardCount = (files.size() + SHARD - 1) / SHARD;
        int resumed = 0;
        List<Integer> todo = new ArrayList<>();
        for (int s = 0; s < shardCount; s++) {
            if (Files.isRegularFile(shardFile(shards, s))) {
                resumed += shard(files, s).size();
            } else {
                todo.add(s);
            }
        }
        progress.started(files.size(), resumed);
        long start = System.nanoTime();
        ExecutorService decoders = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "salient-audit-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int s : todo) {
                List<AuditRow> rows = new ArrayList<>();
                List<List<AuditInput.LocalFile>> batches = batches(shard(files, s));
                List<CompletableFuture<ImageAuditor.Prepared>> next = prepare(auditor, batches.get(0), decoders);
                for (int b = 0; b < batches.size(); b++) {
                    List<CompletableFuture<ImageAuditor.Prepared>> current = next;
                    next = b + 1 < batches.size() ? prepare(auditor, batches.get(b + 1), decoders) : null;
                    List<ImageAuditor.Prepared> prepared = current.stream().map(CompletableFuture::join).toList();
                    for (ImageAuditor.Audited a : auditor.explain(prepared)) {
                        rows.add(a.row());
                        if (a.picture() != null) {
                            PngWriter.write(a.picture(), maps.resolve(AuditOutput.mapPicture(a.row().path())));
                        }
                    }
                    progress.advanced(prepared.size());
                }
                // the rows first, then the shard: a shard that exists always has its rows
                Path json = keptFile(kept, s);
                JSON.writeValue(temporary(json).toFile(), rows);
                Files.move(temporary(json), json, StandardCopyOption.ATOMIC_MOVE);
                Path done = shardFile(shards, s);
                ParquetTable.write(temporary(done), rows);
                Files.move(temporary(done), done, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            decoders.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        List<AuditRow> all = new ArrayList<>();
        for (int s = 0; s < shardCount; s++) {
            all.addAll(JSON.readValue(keptFile(kept, s).toFile(), ROWS));
        }
        Path root = Path.of(input.root());
        String report = AuditReport.html(all, settings, classifier.info().name(), classifier.preprocessing(),
                relative -> Files.readAllBytes(root.resolve(relative)));
        Files.writeString(work.resolve(AuditOutput.REPORT), report, StandardCharsets.UTF_8);
        commit(work, out);
        int errors = (int) all.stream().filter(r -> r.error() != null).count();
        return new Result(all.size(), errors, resumed, out.resolve(AuditOutput.ROWS), out.resolve(AuditOutput.REPORT),
                seconds);
    }

    private static List<AuditInput.LocalFile> shard(List<AuditInput.LocalFile> files, int s) {
        return files.subList(s * SHARD, Math.min(files.size(), (s + 1) * SHARD));
    }

    private static List<List<AuditInput.LocalFile>> batches(List<AuditInput.LocalFile> files) {
        List<List<AuditInput.LocalFile>> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i += BATCH) {
            out.add(files.subList(i, Math.min(files.size(), i + BATCH)));
        }
        return out;
    }

    private static List<CompletableFuture<ImageAuditor.Prepared>> prepare(ImageAuditor auditor,
                                                                          List<AuditInput.LocalFile> batch,
                                                                          ExecutorService decoders) {
        return batch.stream().map(f -> CompletableFuture.supplyAsync(() -> auditor.prepare(read(f)), decoders))
                .toList();
    }

    /** The file's bytes, unless it is too large or unreadable (then the row says why). */
    private static ImageAuditor.Input read(AuditInput.LocalFile f) {
        if (!ImageAuditor.Input.readable(f.size())) {
            return ImageAuditor.Input.tooLarge(f.relative(), f.size());
        }
        try {
            return new ImageAuditor.Input(f.relative(), f.size(), Files.readAllBytes(f.file()), null);
        } catch (IOException e) {
            return new ImageAuditor.Input(f.relative(), f.size(), null, "cannot read the file: "
                    + ImageAuditor.message(e));
        }
    }

    private static Path shardFile(Path shards, int s) {
        return shards.resolve(String.format(Locale.ROOT, "part-%05d.parquet", s));
    }

    private static Path keptFile(Path kept, int s) {
        return kept.resolve(String.format(Locale.ROOT, "part-%05d.json", s));
    }

    private static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /** Identifies a job: model, settings, input and every file's size and time. */
    private static String fingerprint(String model, AuditInput input, AuditSettings settings,
                                      List<AuditInput.LocalFile> files) {
        StringBuilder s = new StringBuilder(model).append('\n').append(settings).append('\n')
                .append(Path.of(input.root()).toAbsolutePath().normalize()).append('\n').append(input.pattern());
        for (AuditInput.LocalFile f : files) {
            s.append('\n').append(f.relative()).append('\t').append(f.size()).append('\t').append(f.modified());
        }
        s.append('\n').append(SHARD);
        return ImageAuditor.sha256(s.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Keeps the work folder of the same job; anything else in it is removed. */
    private static void prepareWork(Path work, String fingerprint) throws IOException {
        Path job = work.resolve(JOB_FILE);
        boolean same = Files.isRegularFile(job) && Files.readString(job).strip().equals(fingerprint);
        if (!same) {
            deleteTree(work);
            Files.createDirectories(work);
            Files.writeString(job, fingerprint + "\n");
        }
    }

    private static void deleteTemporary(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.delete(f);
            }
        }
    }

    /** Replaces the previous results by this run's: renames within the output folder, then removes the work. */
    private static void commit(Path work, Path out) throws IOException {
        for (String name : List.of(AuditOutput.ROWS, AuditOutput.MAPS, AuditOutput.REPORT)) {
            Path fresh = work.resolve(name);
            Path previous = out.resolve(name);
            if (Files.exists(previous)) {
                Path old = work.resolve("previous-" + name);
                Files.move(previous, old, StandardCopyOption.ATOMIC_MOVE);
            }
            if (Files.exists(fresh)) {
                Files.move(fresh, previous, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        deleteTree(work);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
