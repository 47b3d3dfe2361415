package dev.salient.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's disk cache: what is written is read back whole; a truncated, corrupt or misplaced entry is reported
 * missing and removed (never returned, never an exception); writers racing on one key leave one whole entry; the
 * folder is kept under its size limit by removing what was read longest ago.
 */
class DiskCacheTest {
    private static byte[] payload(int size, int seed) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    private static List<Path> entries(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".entry")).toList();
        }
    }

    @Test
    void readsBackWhatWasWritten(@TempDir Path dir) {
        DiskCache cache = new DiskCache(dir.resolve("made-on-first-write"), DiskCache.MAX_BYTES);
        assertThat(cache.read("a")).isEmpty();
        byte[] big = payload(3_000_000, 1);
        cache.write("a", big);
        cache.writeText("b|ü and long keys " + "x".repeat(5000), "value");
        assertThat(cache.read("a")).hasValueSatisfying(v -> assertThat(v).isEqualTo(big));
        assertThat(cache.readText("b|ü and long keys " + "x".repeat(5000))).contains("value");
        assertThat(cache.hits()).isEqualTo(2);
        // mapped: the same bytes, read only, without a heap copy
        java.nio.ByteBuffer mapped = cache.map("a").orElseThrow();
        assertThat(mapped.isDirect()).isTrue();
        assertThat(mapped.isReadOnly()).isTrue();
        byte[] back = new byte[mapped.remaining()];
        mapped.duplicate().get(back);
        assertThat(back).isEqualTo(big);
        cache.write("a", new byte[0]);
        assertThat(cache.read("a")).hasValueSatisfying(v -> assertThat(v).isEmpty());
        assertThat(cache.map("a")).hasValueSatisfying(v -> assertThat(v.remaining()).isZero());
        assertThat(cache.map("never written")).isEmpty();
    }

    @Test
    void aDamagedEntryIsMissingAndRemoved(@TempDir Path dir) throws IOException {
        DiskCache cache = new DiskCache(dir, DiskCache.MAX_BYTES);
        byte[] value = payload(100_000, 2);
        for (String damage : List.of("truncated", "flipped", "empty", "other key", "longer")) {
            for (boolean mapped : new boolean[]{false, true}) {
                Path file = damaged(dir, cache, value, damage);
                assertThat(mapped ? cache.map("key").isPresent() : cache.read("key").isPresent()).as(damage).isFalse();
                assertThat(file).as(damage + ": removed so that it is built again").doesNotExist();
            }
        }
    }

    /** The entry of "key" holding {@code value}, then damaged as {@code damage} says. */
    private static Path damaged(Path dir, DiskCache cache, byte[] value, String damage) throws IOException {
        cache.write("key", value);
        Path file = entries(dir).get(0);
        byte[] bytes = Files.readAllBytes(file);
        switch (damage) {
            case "truncated" -> Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
            case "flipped" -> {
                bytes[bytes.length / 2] ^= 0x10;
                Files.write(file, bytes);
            }
            case "empty" -> Files.write(file, new byte[0]);
            case "other key" -> { // another key's entry under this key's name
                cache.write("another", value);
                Path other = entries(dir).stream().filter(f -> !f.equals(file)).findFirst().orElseThrow();
                Files.move(other, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            default -> Files.write(file, (new String(bytes, StandardCharsets.ISO_8859_1) + "more")
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
        return file;
    }

    @Test
    void racingWritersLeaveOneWholeEntry(@TempDir Path dir) throws Exception {
        DiskCache cache = new DiskCache(dir, DiskCache.MAX_BYTES);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            values.add(payload(400_000 + i, 10 + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> work = new ArrayList<>();
            List<Optional<byte[]>> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int round = 0; round < 5; round++) {
                for (byte[] v : values) {
                    work.add(pool.submit(() -> cache.write("shared", v)));
                    work.add(pool.submit(() -> seen.add(cache.read("shared"))));
                }
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
            for (Optional<byte[]> read : seen) {
                read.ifPresent(v -> assertThat(values).as("a read returns one writer's whole value")
                        .anySatisfy(w -> assertThat(v).isEqualTo(w)));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cache.read("shared")).hasValueSatisfying(v -> assertThat(values).anySatisfy(w ->
                assertThat(v).isEqualTo(w)));
        assertThat(entries(dir)).hasSize(1);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(f -> f.getFileName().toString().startsWith(".tmp-"))).as("no temporary file left")
                    .isEmpty();
        }
    }

    @Test
    void theFolderStaysUnderItsLimitByDroppingWhatWasReadLongestAgo(@TempDir Path dir) throws IOException {
        DiskCache cache = new DiskCache(dir, 2_500_000);
        cache.write("old", payload(1_000_000, 1));
        cache.write("read lately", payload(1_000_000, 2));
        for (Path f : entries(dir)) {
            Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        }
        assertThat(cache.read("read lately")).isPresent(); // now the most recently used
        cache.write("new", payload(1_000_000, 3));
        assertThat(cache.read("old")).isEmpty();
        assertThat(cache.read("read lately")).isPresent();
        assertThat(cache.read("new")).isPresent();
    }

    @Test
    void aFolderThatCannotBeWrittenOnlyCostsTheSpeedUp(@TempDir Path dir) throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        DiskCache cache = new DiskCache(notAFolder.resolve("cache"), DiskCache.MAX_BYTES);
        cache.write("k", payload(10, 1));
        assertThat(cache.read("k")).isEmpty();
    }

    @Test
    void aFileDigestIsItsSha256AndFollowsItsContent(@TempDir Path dir) throws Exception {
        DiskCache cache = new DiskCache(dir.resolve("cache"), DiskCache.MAX_BYTES);
        Path file = Files.write(dir.resolve("model.bin"), payload(200_000, 4));
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file)));
        assertThat(cache.fileDigest(file)).isEqualTo(expected);
        // another process (a new cache object over the same folder) trusts the remembered digest
        DiskCache another = new DiskCache(dir.resolve("cache"), DiskCache.MAX_BYTES);
        assertThat(another.fileDigest(file)).isEqualTo(expected);
        assertThat(another.hits()).as("read from the cache, not hashed").isEqualTo(1);
        Files.write(file, payload(200_001, 5));
        assertThat(cache.fileDigest(file)).isNotEqualTo(expected)
                .isEqualTo(DiskCache.sha256(Files.readAllBytes(file)));
    }
}
