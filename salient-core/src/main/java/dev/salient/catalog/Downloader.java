package dev.salient.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches one file over HTTP(S) into a folder, safely (or copies one from a local mirror, verified alike).
 *
 * <ul>
 *   <li>Bytes go to {@code NAME.part} beside the target and are moved into place atomically only after the
 *       sha256 matched, so a reader never sees a partial or wrong file under the real name.</li>
 *   <li>Threads of this process queue on an in-memory lock and processes on a {@code NAME.lock} file lock;
 *       whoever gets the lock second finds the finished file and does not download it again.</li>
 *   <li>A {@code .part} left by a failed attempt (or a killed process) is resumed with an HTTP Range request
 *       when a checksum will vouch for the spliced result; a server that ignores Range is read from the start.</li>
 *   <li>Network failures, 5xx answers and short transfers are retried a bounded number of times; a stalled
 *       transfer is cut after {@link Limits#stallTimeout()}.</li>
 * </ul>
 * The {@code .lock} file is removed when the work is done (or failed); a process that waited on a removed one
 * notices and locks the new one instead (see {@link #underLockFile}), so two never work on one file at once.
 */
public final class Downloader {

    /**
     * Time and retry limits.
     *
     * @param responseTimeout longest wait for the response headers of one request
     * @param stallTimeout    longest wait for the next bytes of the body
     * @param maxAttempts     requests made before giving up (at least 1)
     * @param retryDelay      pause before the second attempt; later pauses grow linearly
     */
    public record Limits(Duration responseTimeout, Duration stallTimeout, int maxAttempts, Duration retryDelay) {
        public static final Limits DEFAULT =
                new Limits(Duration.ofSeconds(30), Duration.ofSeconds(30), 4, Duration.ofSeconds(1));

        public Limits {
            Objects.requireNonNull(responseTimeout, "responseTimeout");
            Objects.requireNonNull(stallTimeout, "stallTimeout");
            Objects.requireNonNull(retryDelay, "retryDelay");
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
            }
        }
    }

    /**
     * The outcome of {@link #download}.
     *
     * @param file        the verified file at its final place
     * @param transferred false if the file was already there (e.g. another process fetched it meanwhile)
     */
    public record Result(Path file, boolean transferred) { }

    private static final int MAX_REDIRECTS = 5;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    /** FileChannel.lock is per process; threads of one process must queue in memory first. */
    private static final Map<Path, ReentrantLock> THREAD_LOCKS = new ConcurrentHashMap<>();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "salient-download-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** Made on the first download: building an HttpClient cost 0.37 s of CPU in a command that downloads nothing. */
    private final Supplier<HttpClient> client;
    private final Limits limits;
    private final FileVerifier verifier;

    public Downloader(HttpClient client) {
        this(client, Limits.DEFAULT);
    }

    public Downloader(HttpClient client, Limits limits) {
        this(constant(Objects.requireNonNull(client, "client")), limits, new FileVerifier());
    }

    /** A downloader whose client is made by {@code client} when the first download starts. */
    public Downloader(Supplier<HttpClient> client) {
        this(client, Limits.DEFAULT, new FileVerifier());
    }

    Downloader(HttpClient client, Limits limits, FileVerifier verifier) {
        this(constant(Objects.requireNonNull(client, "client")), limits, verifier);
    }

    private Downloader(Supplier<HttpClient> client, Limits limits, FileVerifier verifier) {
        Objects.requireNonNull(client, "client");
        this.client = new Supplier<>() {
            private HttpClient made;

            @Override
            public synchronized HttpClient get() {
                if (made == null) {
                    made = Objects.requireNonNull(client.get(), "client");
                }
                return made;
            }
        };
        this.limits = Objects.requireNonNull(limits, "limits");
        this.verifier = verifier;
    }

    private static Supplier<HttpClient> constant(HttpClient client) {
        return () -> client;
    }

    /** An HTTP client suited to downloads: 15 s connect time limit, follows redirects (GitHub "raw" links redirect). */
    public static HttpClient defaultHttpClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    FileVerifier verifier() {
        return verifier;
    }

    /**
     * Makes sure {@code target} holds the file published at {@code url}, downloading it if needed.
     *
     * @param sha256 expected lower-case hex sha256, or null if unknown (then nothing is verified and an existing
     *               target is taken as is)
     * @param size   expected size in bytes, or -1 if unknown
     * @throws ModelDownloadException with a message naming the file, the URL and what went wrong
     */
    public Result download(URI url, Path target, String sha256, long size, DownloadListener listener)
            throws ModelDownloadException {
        DownloadListener events = listener == null ? DownloadListener.NONE : listener;
        return locked(target, "download", (file, name) -> {
            // Re-check under the lock: whoever held it before us may have just finished this very file.
            if (sha256 == null ? Files.isRegularFile(file) : verifier.cachedMatches(file, sha256)) {
                return new Result(file, false);
            }
            fetchWithRetries(url, file, name, sha256, size, events);
            return new Result(file, true);
        });
    }

    /**
     * Makes sure {@code target} holds a verified copy of the local file {@code source} (a mirror's copy), under the
     * same locks as {@link #download}: the bytes go to {@code NAME.part}, their sha256 must match, then they are
     * moved into place atomically.
     *
     * @param sha256 expected lower-case hex sha256 (required: a copy is only worth keeping if it is verified)
     * @throws ModelDownloadException if the copy does not match or cannot be stored
     */
    public Result copy(Path source, Path target, String sha256) throws ModelDownloadException {
        Objects.requireNonNull(sha256, "sha256");
        return locked(target, "copy", (file, name) -> {
            if (verifier.cachedMatches(file, sha256)) {
                return new Result(file, false);
            }
            Path part = file.resolveSibling(name + ".part");
            try {
                Files.copy(source, part, StandardCopyOption.REPLACE_EXISTING);
                String actual = FileVerifier.sha256(part);
                if (!actual.equals(sha256)) {
                    throw new ModelDownloadException("sha256 mismatch for " + name + " copied from " + source
                            + ": expected " + sha256 + ", got " + actual + "; the copy was discarded");
                }
                install(part, file, sha256);
            } finally {
                Files.deleteIfExists(part); // gone after the move; a failed copy leaves nothing half-written
            }
            return new Result(file, true);
        });
    }

    /** Work done on {@code file} (named {@code name}) while holding its locks. */
    @FunctionalInterface
    private interface LockedWork {
        Result run(Path file, String name) throws IOException;
    }

    /** Runs {@code work} on the target holding the in-process lock and the {@code NAME.lock} file lock. */
    private Result locked(Path target, String what, LockedWork work) throws ModelDownloadException {
        Path requested = target.toAbsolutePath().normalize();
        String name = requested.getFileName().toString();
        Path file;
        try {
            // The real folder path, so two spellings of one folder (a symlink) share one in-process lock.
            file = Files.createDirectories(requested.getParent()).toRealPath().resolve(name);
        } catch (IOException e) {
            throw new ModelDownloadException("cannot create folder " + requested.getParent() + " for " + name + ": "
                    + e, e);
        }
        ReentrantLock threadLock = THREAD_LOCKS.computeIfAbsent(file, k -> new ReentrantLock());
        try {
            threadLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelDownloadException(what + " of " + name + " interrupted while waiting for another one");
        }
        try {
            return underLockFile(file.resolveSibling(name + ".lock"), file, name, work);
        } catch (ModelDownloadException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelDownloadException("could not store " + name + " in " + file.getParent() + ": " + e, e);
        } finally {
            threadLock.unlock();
        }
    }

    /**
     * Runs {@code work} on {@code file} holding an exclusive lock on {@code lockFile}, and removes the lock file
     * afterwards (also when the work failed), while still holding the lock.
     *
     * <p>Removing it is safe because a waiter checks, once it holds its lock, that the name still leads to the very
     * file it locked (same {@code fileKey}: device and inode); if the holder before it removed the file, it locks
     * whatever is there now instead. The identity is read with {@code stat} only: opening the lock file a second
     * time and closing it would drop this process's POSIX lock. The key seen at opening is checked before and after
     * the open, so it is the opened file's. Where the file system has no file keys the lock file is left in place.
     */
    private static Result underLockFile(Path lockFile, Path file, String name, LockedWork work) throws IOException {
        while (true) {
            Object before = fileKey(lockFile);
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                Object opened = fileKey(lockFile);
                boolean identifiable = opened != NO_KEY;
                if (opened == null || identifiable && !opened.equals(before)) {
                    continue; // created just now, or removed or replaced while we opened it: look again
                }
                try (FileLock ignored = channel.lock()) {
                    if (identifiable && !opened.equals(fileKey(lockFile))) {
                        continue; // the holder before us removed it: lock the file that is there now
                    }
                    try {
                        return work.run(file, name);
                    } finally {
                        if (identifiable) {
                            removeLockFile(lockFile);
                        }
                    }
                }
            }
        }
    }

    /** A lock file that cannot be removed is left for the next holder to remove: the work itself is done. */
    private static void removeLockFile(Path lockFile) {
        try {
            Files.deleteIfExists(lockFile);
        } catch (IOException e) {
            // harmless: the next process to lock it checks its identity as usual and removes it
        }
    }

    /** Marks a file system that has no file keys (then lock files are never removed). */
    private static final Object NO_KEY = new Object();

    /** The file's key (device and inode), {@link #NO_KEY} if the file system has none, null if there is no file. */
    private static Object fileKey(Path file) throws IOException {
        try {
            Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            return key == null ? NO_KEY : key;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private void fetchWithRetries(URI url, Path file, String name, String sha256, long size, DownloadListener events)
            throws IOException {
        Path part = file.resolveSibling(name + ".part");
        // Without a checksum nothing could catch a bad splice, so unverified downloads always start over.
        boolean mayResume = sha256 != null;
        AttemptFailed last = null;
        for (int attempt = 1; attempt <= limits.maxAttempts(); attempt++) {
            if (attempt > 1) {
                pause(limits.retryDelay().multipliedBy(attempt - 1), name);
            }
            if (!mayResume) {
                Files.deleteIfExists(part);
            }
            try {
                boolean resumed = transfer(url, part, name, size, events);
                if (sha256 != null) {
                    String actual = FileVerifier.sha256(part);
                    if (!actual.equals(sha256)) {
                        Files.deleteIfExists(part);
                        String message = "sha256 mismatch for " + name + ": expected " + sha256 + ", got " + actual
                                + "; the file was discarded";
                        if (!resumed) {
                            throw new ModelDownloadException(message + " (downloaded from " + url + ")");
                        }
                        // The first half may come from an older version of the file: try once more from zero.
                        last = new AttemptFailed(message + " (after resuming)", true, null);
                        continue;
                    }
                }
                install(part, file, sha256);
                return;
            } catch (AttemptFailed failure) {
                String message = "could not download " + name + " from " + url + ": " + failure.getMessage();
                if (!failure.retryable) {
                    Files.deleteIfExists(part);
                    throw new ModelDownloadException(message, failure.getCause());
                }
                last = failure;
            }
        }
        Files.deleteIfExists(part); // a part we gave up on is no use to anyone; the next run starts clean
        String message = "could not download " + name + " from " + url + ": " + last.getMessage() + " (gave up after "
                + limits.maxAttempts() + (limits.maxAttempts() == 1 ? " attempt)" : " attempts)");
        throw new ModelDownloadException(message, last.getCause());
    }

    /** Moves a finished, verified {@code part} into place atomically and records its sha256 (if known). */
    private void install(Path part, Path file, String sha256) throws IOException {
        Files.deleteIfExists(FileVerifier.markerOf(file));
        Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (sha256 != null) {
            verifier.writeMarker(file, sha256);
        }
    }

    /** One request; leaves the complete file in {@code part}. Returns whether it continued an earlier part. */
    private boolean transfer(URI url, Path part, String name, long size, DownloadListener events)
            throws IOException, AttemptFailed {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (size >= 0 && have > size) {
            Files.delete(part);
            have = 0;
        }
        if (size >= 0 && have == size && have > 0) {
            return true; // complete part from an earlier run: only the checksum is left to check
        }
        HttpResponse<InputStream> response = send(url, have);
        int status = response.statusCode();
        long start;
        long total;
        if (status == 206 && have > 0) {
            Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
            if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                close(response.body());
                Files.deleteIfExists(part);
                throw new AttemptFailed("server resumed at an unexpected offset ("
                        + response.headers().firstValue("Content-Range").orElse("no Content-Range") + ")", true, null);
            }
            start = have;
            total = m.group(3).equals("*") ? size : Long.parseLong(m.group(3));
        } else if (status == 200) {
            start = 0; // no Range asked, or the server ignored it: take the whole body from the start
            total = response.headers().firstValueAsLong("Content-Length").orElse(size);
        } else if (status == 416 && have > 0) {
            close(response.body());
            Files.deleteIfExists(part);
            throw new AttemptFailed("server refused to resume at byte " + have, true, null);
        } else {
            close(response.body());
            boolean retry = status >= 500 || status == 429 || status == 408;
            throw new AttemptFailed("server answered " + status, retry, null);
        }
        if (size >= 0 && total >= 0 && total != size) {
            close(response.body());
            throw new AttemptFailed("server announced " + total + " bytes but the catalog expects " + size
                    + " (is the URL right?)", false, null);
        }
        long expected = total >= 0 ? total : size;
        copyBody(response.body(), part, name, start, expected, events);
        return start > 0;
    }

    private void copyBody(InputStream body, Path part, String name, long start, long total, DownloadListener events)
            throws IOException, AttemptFailed {
        AtomicLong lastData = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        long stallNanos = limits.stallTimeout().toNanos();
        long period = Math.max(20, limits.stallTimeout().toMillis() / 4);
        // java.net.http has no read time limit: a watchdog closes the stream when no bytes came for too long.
        ScheduledFuture<?> watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastData.get() > stallNanos) {
                stalled.set(true);
                close(body);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        long done = start;
        try (InputStream in = body;
             FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.truncate(start);
            out.position(start);
            events.progress(name, done, total);
            byte[] buffer = new byte[1 << 16];
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    out.force(true); // keep what arrived so the next attempt can resume from it
                    String why = stalled.get() ? "no data for " + limits.stallTimeout().toSeconds() + " s"
                            : "connection closed early";
                    throw new AttemptFailed(shortfall(done, total) + " (" + why + ")", true, e);
                }
                if (n < 0) {
                    break;
                }
                if (total >= 0 && done + n > total) {
                    throw new AttemptFailed("server sent more than the " + total + " bytes announced", false, null);
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                done += n;
                lastData.set(System.nanoTime());
                events.progress(name, done, total);
            }
            out.force(true);
            if (stalled.get() || (total >= 0 && done < total)) {
                String why = stalled.get() ? "no data for " + limits.stallTimeout().toSeconds() + " s"
                        : "connection closed early";
                throw new AttemptFailed(shortfall(done, total) + " (" + why + ")", true, null);
            }
        } finally {
            watchdog.cancel(false);
        }
    }

    private static String shortfall(long done, long total) {
        return total >= 0 ? "got " + done + " of " + total + " bytes" : "got " + done + " bytes before the transfer broke";
    }

    private HttpResponse<InputStream> send(URI url, long from) throws AttemptFailed {
        URI current = url;
        try {
            // Followed here too, so a client built with Redirect.NEVER still reaches GitHub's storage hosts.
            for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
                HttpRequest.Builder request = HttpRequest.newBuilder(current)
                        .timeout(limits.responseTimeout())
                        .header("User-Agent", "salient")
                        .GET();
                if (from > 0) {
                    request.header("Range", "bytes=" + from + "-");
                }
                HttpResponse<InputStream> response = client.get().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                int status = response.statusCode();
                var location = response.headers().firstValue("Location");
                if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
                        && location.isPresent()) {
                    close(response.body());
                    current = current.resolve(location.get());
                    continue;
                }
                return response;
            }
            throw new AttemptFailed("more than " + MAX_REDIRECTS + " redirects", false, null);
        } catch (HttpConnectTimeoutException e) {
            throw new AttemptFailed("could not connect within the time limit", true, e);
        } catch (HttpTimeoutException e) {
            throw new AttemptFailed("no answer within " + limits.responseTimeout().toSeconds() + " s", true, e);
        } catch (ConnectException e) {
            boolean unknownHost = e.getCause() instanceof UnresolvedAddressException;
            String detail = unknownHost ? "unknown host " + current.getHost()
                    : e.getMessage() == null || e.getMessage().isBlank() ? "connection refused" : e.getMessage();
            throw new AttemptFailed(detail, true, e);
        } catch (IOException e) {
            throw new AttemptFailed(e.getMessage() == null ? e.toString() : e.getMessage(), true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttemptFailed("interrupted", false, e);
        } catch (IllegalArgumentException e) {
            throw new AttemptFailed("not a usable URL (" + e.getMessage() + ")", false, e);
        }
    }

    private static void pause(Duration delay, String name) throws ModelDownloadException {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelDownloadException("download of " + name + " interrupted");
        }
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing a body we no longer want: nothing useful to report
        }
    }

    /** One attempt went wrong; {@code retryable} says whether another attempt may help. */
    private static final class AttemptFailed extends Exception {
        final boolean retryable;

        AttemptFailed(String message, boolean retryable, Throwable cause) {
            super(message, cause);
            this.retryable = retryable;
        }
    }
}
