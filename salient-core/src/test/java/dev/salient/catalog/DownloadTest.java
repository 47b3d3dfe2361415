package dev.salient.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Downloads over real HTTP from a loopback server that serves the shared mirror, with injected faults. */
class DownloadTest extends LoopbackMirrorTest {

    private static final long SIZE = 3610798;
    private static final Downloader.Limits FAST =
            new Downloader.Limits(Duration.ofSeconds(5), Duration.ofSeconds(5), 3, Duration.ofMillis(10));


    private ModelResolver resolver(Downloader.Limits limits) {
        return new ModelResolver(catalog, new ResolverSettings(null, cache, false),
                new Downloader(Downloader.defaultHttpClient(), limits));
    }

    @Test
    void theHttpClientIsMadeOnlyWhenSomethingIsDownloaded() throws IOException {
        // building one cost 0.37 s of CPU in every command-line start, which mostly downloads nothing
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        Downloader downloader = new Downloader(() -> {
            made.incrementAndGet();
            return Downloader.defaultHttpClient();
        });
        ModelResolver offlineCopy = new ModelResolver(catalog, new ResolverSettings(mirror, cache, false), downloader);
        assertThat(offlineCopy.resolve(MODEL, DownloadListener.NONE).source()).isEqualTo("mirror");
        assertThat(made).hasValue(0);
        ModelResolver online = new ModelResolver(catalog, new ResolverSettings(null, cache.resolve("other"), false),
                downloader);
        assertThat(online.resolve(MODEL, DownloadListener.NONE).source()).isEqualTo("download");
        assertThat(made).hasValue(1);
    }

    @Test
    void downloadsVerifiesAndReportsMonotoneProgress() throws IOException {
        List<long[]> events = Collections.synchronizedList(new ArrayList<>());
        ResolvedModel model = resolver(FAST).resolve(MODEL, (name, done, total) -> {
            if (name.equals(FILE)) {
                events.add(new long[] {done, total});
            }
        });

        assertThat(model.source()).isEqualTo("download");
        assertThat(model.verified()).isTrue();
        assertThat(model.modelFile()).isEqualTo(cache.resolve(FILE));
        assertThat(Files.mismatch(model.modelFile(), mirror.resolve(FILE))).isEqualTo(-1);
        assertThat(Files.mismatch(model.labelsFile(), mirror.resolve("imagenet_labels.txt"))).isEqualTo(-1);
        assertThat(model.sidecar().path("labels").asText()).isEqualTo("imagenet_labels.txt");

        assertThat(events).isNotEmpty();
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i)[0]).isGreaterThanOrEqualTo(events.get(i - 1)[0]);
        }
        assertThat(events).allSatisfy(e -> assertThat(e[1]).isEqualTo(SIZE));
        assertThat(events.get(events.size() - 1)[0]).isEqualTo(SIZE);
        assertThat(leftovers()).isEmpty();

        // A second resolve trusts the verified cache copy and asks the server nothing.
        int before = server.requests();
        ResolvedModel again = resolver(FAST).resolve(MODEL, DownloadListener.NONE);
        assertThat(again.source()).isEqualTo("cache");
        assertThat(server.requests()).isEqualTo(before);
        assertThat(FileVerifier.markerOf(again.modelFile())).exists();
    }

    @Test
    void checksumMismatchIsReportedAndNothingStays() {
        server.on(FILE, MirrorServer.otherBytes());
        assertThatThrownBy(() -> resolver(FAST).resolve(MODEL, DownloadListener.NONE))
                .isInstanceOf(ModelDownloadException.class)
                .hasMessageStartingWith("sha256 mismatch for " + FILE + ": expected "
                        + "7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776, got ")
                .hasMessageContaining("the file was discarded");
        assertThat(cache.resolve(FILE)).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void truncatedOnceIsResumedWithARangeRequest() throws IOException {
        server.on(FILE, MirrorServer.truncating(100_000, 1, true));
        ResolvedModel model = resolver(FAST).resolve(MODEL, DownloadListener.NONE);
        assertThat(Files.mismatch(model.modelFile(), mirror.resolve(FILE))).isEqualTo(-1);
        assertThat(server.requests(FILE)).isEqualTo(2);
        List<String> modelRequests = server.log().stream().filter(l -> l.startsWith(FILE)).toList();
        assertThat(modelRequests.get(0)).isEqualTo(FILE + " -");
        assertThat(modelRequests.get(1)).startsWith(FILE + " bytes=").doesNotEndWith("bytes=0-");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void truncatedOnceByAServerWithoutRangeSupportRestarts() throws IOException {
        server.on(FILE, MirrorServer.truncating(100_000, 1, false));
        ResolvedModel model = resolver(FAST).resolve(MODEL, DownloadListener.NONE);
        assertThat(Files.mismatch(model.modelFile(), mirror.resolve(FILE))).isEqualTo(-1);
        assertThat(server.requests(FILE)).isEqualTo(2);
    }

    @Test
    void alwaysTruncatedGivesUpAfterBoundedAttempts() {
        server.on(FILE, MirrorServer.truncating(1000, -1, false));
        assertThatThrownBy(() -> resolver(FAST).resolve(MODEL, DownloadListener.NONE))
                .isInstanceOf(ModelDownloadException.class)
                .hasMessageContaining("could not download " + FILE + " from " + server.baseUrl() + FILE)
                .hasMessageContaining("got 1000 of 3610798 bytes")
                .hasMessageContaining("gave up after 3 attempts");
        assertThat(server.requests(FILE)).isEqualTo(3);
        assertThat(cache.resolve(FILE)).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void serverErrorIsRetriedThenReported() {
        server.on(FILE, MirrorServer.status(500));
        assertThatThrownBy(() -> resolver(FAST).resolve(MODEL, DownloadListener.NONE))
                .isInstanceOf(ModelDownloadException.class)
                .hasMessageContaining("could not download " + FILE)
                .hasMessageContaining("server answered 500");
        assertThat(server.requests(FILE)).isEqualTo(3);
        assertThat(cache.resolve(FILE)).doesNotExist();
        assertThat(leftovers()).as("a failed download leaves no lock file").isEmpty();
    }

    @Test
    void notFoundIsReportedWithoutRetrying() {
        server.on(FILE, MirrorServer.status(404));
        assertThatThrownBy(() -> resolver(FAST).resolve(MODEL, DownloadListener.NONE))
                .isInstanceOf(ModelDownloadException.class)
                .hasMessageContaining("server answered 404");
        assertThat(server.requests(FILE)).isEqualTo(1);
    }

    @Test
    void connectionRefusedIsNamed() throws Exception {
        URI dead = server.baseUrl();
        server.close();
        ModelResolver resolver = new ModelResolver(ModelCatalog.builtIn().withBaseUrl(dead),
                new ResolverSettings(null, cache, false), new Downloader(Downloader.defaultHttpClient(), FAST));
        assertThatThrownBy(() -> resolver.resolve(MODEL, DownloadListener.NONE))
                .isInstanceOf(ModelDownloadException.class)
                .hasMessageContaining("could not download " + FILE + " from " + dead + FILE + ": connection refused");
    }

    @Test
    void stalledTransferIsCutByTheStallTimeLimit() {
        server.on(FILE, MirrorServer.stalling(10_000));
        Downloader.Limits impatient =
                new Downloader.Limits(Duration.ofSeconds(5), Duration.ofMillis(300), 1, Duration.ofMillis(10));
        long start = System.nanoTime();
        assertThatThrownBy(() -> resolver(impatient).resolve(MODEL, DownloadListener.NONE))
                .isInstanceOf(ModelDownloadException.class)
                .hasMessageContaining("got 10 of 3610798 bytes (no data for");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void leftoverPartFileIsResumed() throws IOException {
        Files.createDirectories(cache);
        byte[] head = new byte[123_456];
        try (var in = Files.newInputStream(mirror.resolve(FILE))) {
            assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
        }
        Files.write(cache.resolve(FILE + ".part"), head);
        ResolvedModel model = resolver(FAST).resolve(MODEL, DownloadListener.NONE);
        assertThat(Files.mismatch(model.modelFile(), mirror.resolve(FILE))).isEqualTo(-1);
        assertThat(server.log()).contains(FILE + " bytes=123456-");
    }

    @Test
    void damagedCacheCopyIsReplaced() throws IOException {
        resolver(FAST).resolve(MODEL, DownloadListener.NONE);
        Path cached = cache.resolve(FILE);
        byte[] bytes = Files.readAllBytes(cached);
        bytes[1000] ^= 1;
        Files.write(cached, bytes);
        Files.setLastModifiedTime(cached, java.nio.file.attribute.FileTime.fromMillis(12_345_000L));

        ResolvedModel model = resolver(FAST).resolve(MODEL, DownloadListener.NONE);
        assertThat(model.source()).isEqualTo("download");
        assertThat(Files.mismatch(cached, mirror.resolve(FILE))).isEqualTo(-1);
        assertThat(server.requests(FILE)).isEqualTo(2);
    }

    @Test
    void aCopyThatDoesNotMatchIsDiscardedWithNothingLeft() throws IOException {
        Path wrong = Files.write(Files.createDirectories(cache.resolve("elsewhere")).resolve(FILE), new byte[] {1, 2});
        String sha256 = catalog.find(MODEL).orElseThrow().sha256();
        Downloader downloader = new Downloader(Downloader.defaultHttpClient(), FAST);
        assertThatThrownBy(() -> downloader.copy(wrong, cache.resolve(FILE), sha256))
                .isInstanceOf(ModelDownloadException.class)
                .hasMessageStartingWith("sha256 mismatch for " + FILE + " copied from " + wrong + ": expected " + sha256);
        assertThat(cache.resolve(FILE)).doesNotExist();
        assertThat(leftovers()).isEmpty();

        Downloader.Result copied = downloader.copy(mirror.resolve(FILE), cache.resolve(FILE), sha256);
        assertThat(copied.transferred()).isTrue();
        assertThat(Files.mismatch(copied.file(), mirror.resolve(FILE))).isEqualTo(-1);
        assertThat(downloader.copy(mirror.resolve(FILE), cache.resolve(FILE), sha256).transferred()).isFalse();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void twoThreadsPullingTheSameModelDownloadItOnce() throws Exception {
        server.on(FILE, MirrorServer.throttled(256 * 1024, 40)); // ~0.6 s, so the pulls overlap
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ResolvedModel>> pulls = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ModelResolver resolver = resolver(FAST); // separate resolvers, as two requests in a web app
                pulls.add(threads.submit(() -> {
                    go.await();
                    return resolver.resolve(MODEL, DownloadListener.NONE);
                }));
            }
            go.countDown();
            ResolvedModel a = pulls.get(0).get(30, TimeUnit.SECONDS);
            ResolvedModel b = pulls.get(1).get(30, TimeUnit.SECONDS);
            assertThat(a.modelFile()).isEqualTo(b.modelFile());
            assertThat(List.of(a.source(), b.source())).containsExactlyInAnyOrder("download", "cache");
            assertThat(Files.mismatch(a.modelFile(), mirror.resolve(FILE))).isEqualTo(-1);
            assertThat(server.requests(FILE)).isEqualTo(1);
            assertThat(server.requests("imagenet_labels.txt")).isEqualTo(1);
            assertThat(leftovers()).isEmpty();
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void twoProcessesPullingTheSameModelDownloadItOnce() throws Exception {
        server.on(FILE, MirrorServer.throttled(256 * 1024, 150)); // ~2 s: longer than a JVM start
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            processes.add(new ProcessBuilder(java, "-cp", classpath, PullProcessMain.class.getName(),
                    server.baseUrl().toString(), cache.toString())
                    .redirectErrorStream(true).start());
        }
        List<String> outputs = new ArrayList<>();
        for (Process p : processes) {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            assertThat(p.exitValue()).as(out).isZero();
            outputs.add(out);
        }
        assertThat(server.requests(FILE)).as(String.join("\n", outputs)).isEqualTo(1);
        assertThat(outputs).anyMatch(o -> o.startsWith("source=download"));
        assertThat(outputs).anyMatch(o -> o.startsWith("source=cache"));
        assertThat(Files.mismatch(cache.resolve(FILE), mirror.resolve(FILE))).isEqualTo(-1);
        assertThat(leftovers()).as("the lock files are removed, also by the process that waited").isEmpty();
    }

    /** Files in a cache folder other than finished files and their markers: parts, temporaries, lock files. */
    static List<Path> leftovers(Path cache) {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(cache)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".part") || n.contains(".tmp") || n.endsWith(".lock");
            }).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Path> leftovers() {
        return leftovers(cache);
    }
}
