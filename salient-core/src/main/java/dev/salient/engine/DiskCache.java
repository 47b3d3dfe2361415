package dev.salient.engine;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.channels.FileChannel;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * What the engine keeps between processes, in one folder: built gradient graphs, probed tensor shapes, imported
 * models and measured batch sizes, each under a key that names everything it was made from (the model's content
 * digest, the graph spec, {@link #codeVersion() this build of Salient}).
 *
 * <p>Safe to share between processes: an entry is written to a temporary file and renamed into place atomically,
 * so a reader sees a whole old entry or a whole new one. Every read is verified (magic, the full key, the length
 * and a CRC-32C of key and payload): an entry that is truncated, corrupt or belongs to another key is deleted and
 * reported missing, so the caller builds it again; a folder that cannot be written only costs the speed-up. The
 * folder holds at most {@link #MAX_BYTES}: past that the entries read longest ago are removed.
 */
public final class DiskCache {
    /** Size the folder may grow to; a gradient graph holds the model's weights (MobileNetV2: 14 MB, ResNet-50: 100 MB). */
    public static final long MAX_BYTES = 2L << 30;

    private static final byte[] MAGIC = "salient-cache-1\n".getBytes(StandardCharsets.US_ASCII);
    private static final String ENTRY_SUFFIX = ".entry";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final Map<Path, DiskCache> OPEN = new ConcurrentHashMap<>();

    private final Path folder;
    private final long maxBytes;
    private final java.util.concurrent.atomic.AtomicLong hits = new java.util.concurrent.atomic.AtomicLong();
    /** File digests by path, size, modification time and file key: a file is hashed once while it stays the same. */
    private final Map<String, String> fileDigests = new ConcurrentHashMap<>();

    DiskCache(Path folder, long maxBytes) {
        this.folder = folder;
        this.maxBytes = maxBytes;
    }

    /** The cache in {@code folder} (made on first write); one instance per folder in a process. */
    public static DiskCache at(Path folder) {
        return OPEN.computeIfAbsent(folder.toAbsolutePath().normalize(), f -> new DiskCache(f, MAX_BYTES));
    }

    /** How many entries this process has read back whole. */
    public long hits() {
        return hits.get();
    }

    public Path folder() {
        return folder;
    }

    /** The payload stored under {@code key}, verified; empty when there is none or it was damaged (then removed). */
    public Optional<byte[]> read(String key) {
        return map(key).map(mapped -> {
            byte[] payload = new byte[mapped.remaining()];
            mapped.get(payload);
            return payload;
        });
    }

    /**
     * The payload stored under {@code key}, verified, as a read-only buffer over the file mapped into memory; empty when
     * there is none or it was damaged (then removed). For large entries handed to native code: reading 28 MB into a
     * fresh heap array (through a temporary direct buffer as large) cost a command-line run 0.33 s, nearly all of it
     * first touches of new memory; the mapped file's pages are already in the page cache. Entries are replaced by
     * renaming and removed by unlinking, never truncated in place, so a mapping stays whole.
     */
    public Optional<ByteBuffer> map(String key) {
        Path file = fileOf(key);
        Optional<ByteBuffer> payload;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            payload = verified(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()),
                    key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            payload = Optional.empty();
        }
        if (payload.isEmpty()) {
            remove(key);
        } else {
            touch(file);
            hits.incrementAndGet();
        }
        return payload;
    }

    /**
     * The verified payload of a whole mapped entry, or empty: the magic, the key's length and bytes, the payload's
     * length, the payload, then a CRC-32C of key and payload ({@link #write}).
     */
    private static Optional<ByteBuffer> verified(ByteBuffer entry, byte[] key) {
        long headerSize = headerSize(key);
        if (entry.capacity() < headerSize + 4) {
            return Optional.empty();
        }
        byte[] magic = new byte[MAGIC.length];
        entry.get(magic);
        if (!Arrays.equals(magic, MAGIC) || entry.getInt() != key.length) {
            return Optional.empty();
        }
        byte[] storedKey = new byte[key.length];
        entry.get(storedKey);
        if (!Arrays.equals(storedKey, key) || entry.getLong() != entry.capacity() - headerSize - 4) {
            return Optional.empty();
        }
        ByteBuffer payload = entry.slice(entry.position(), entry.capacity() - entry.position() - 4);
        return entry.getInt(entry.capacity() - 4) == checksum(key, payload.duplicate())
                ? Optional.of(payload.asReadOnlyBuffer()) : Optional.empty();
    }

    /** Stores {@code payload} under {@code key}, replacing what was there; a failure to write is not an error. */
    public void write(String key, byte[] payload) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        Path temp = null;
        try {
            Files.createDirectories(folder);
            temp = Files.createTempFile(folder, TEMP_PREFIX, ".part");
            ByteBuffer header = ByteBuffer.allocate((int) headerSize(keyBytes));
            header.put(MAGIC).putInt(keyBytes.length).put(keyBytes).putLong(payload.length);
            try (var out = Files.newOutputStream(temp)) {
                out.write(header.array());
                out.write(payload);
                out.write(ByteBuffer.allocate(4).putInt(checksum(keyBytes, ByteBuffer.wrap(payload))).array());
            }
            try {
                Files.move(temp, fileOf(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                return; // never a partly written entry under a key's name; the temporary file goes below
            }
            temp = null;
            evictBeyond(maxBytes);
        } catch (IOException | UncheckedIOException | SecurityException e) {
            // a read-only or full disk: the entry is built again next time
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // left for evictBeyond, which also removes stale temporary files
                }
            }
        }
    }

    /** Removes the entry under {@code key}, if any. */
    public void remove(String key) {
        try {
            Files.deleteIfExists(fileOf(key));
        } catch (IOException e) {
            // another process may hold it; a damaged entry fails verification again next time
        }
    }

    /** A string payload (a small value such as a digest or a measured batch size). */
    public Optional<String> readText(String key) {
        return read(key).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    public void writeText(String key, String value) {
        write(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The SHA-256 of a file's content, hashed at most once while its size, modification time and identity stay the
     * same (remembered in memory and in this cache: the catalog trusts the same stat for its verified downloads).
     */
    public String fileDigest(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        BasicFileAttributes a = Files.readAttributes(absolute, BasicFileAttributes.class);
        String seen = "file-digest|" + absolute + "|" + a.size() + "|" + a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS)
                + "|" + a.fileKey();
        String known = fileDigests.get(seen);
        if (known == null) {
            known = readText(seen).orElse(null);
            if (known == null) {
                known = sha256(Files.readAllBytes(absolute));
                writeText(seen, known);
            }
            fileDigests.put(seen, known);
        }
        return known;
    }

    /** Lower-case hex SHA-256, fed in pieces: the JIT compiles the hashing loop before it has seen all of a large model. */
    public static String sha256(byte[] bytes) {
        MessageDigest digest = newDigest();
        for (int from = 0; from < bytes.length; from += 1 << 16) {
            digest.update(bytes, from, Math.min(1 << 16, bytes.length - from));
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Names this machine's CPU for entries that fit it only (ONNX Runtime's optimised graphs hold kernels in a layout
     * chosen for the CPU's instruction sets): the architecture and the model name and feature flags of the first CPU in
     * /proc/cpuinfo, hashed; null where there is no /proc/cpuinfo, so nothing CPU-specific is kept there.
     */
    public static String machine() {
        return Machine.VALUE;
    }

    private static final class Machine {
        static final String VALUE = of(Path.of("/proc/cpuinfo"));

        private static String of(Path cpuinfo) {
            try (var lines = Files.lines(cpuinfo)) {
                StringBuilder cpu = new StringBuilder(System.getProperty("os.arch", ""));
                lines.takeWhile(l -> !l.isBlank()).filter(l -> l.startsWith("model name") || l.startsWith("flags")
                        || l.startsWith("Features") || l.startsWith("CPU part")).forEach(l -> cpu.append('|').append(l));
                return "cpu-sha256:" + sha256(cpu.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
            } catch (IOException | UncheckedIOException | SecurityException e) {
                return null;
            }
        }
    }

    /**
     * Names the build of Salient that runs, so that what one build made is never read by another: the jar's or class
     * folder's path with its size and modification time (a class folder: of its newest class file and their count).
     * Any rebuild changes it, which only costs rebuilding what the cache held.
     */
    public static String codeVersion() {
        return CodeVersion.VALUE;
    }

    private static final class CodeVersion {
        static final String VALUE = of(DiskCache.class);

        private static String of(Class<?> type) {
            try {
                Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
                if (Files.isDirectory(location)) {
                    long[] newestCountSize = {0, 0, 0};
                    try (var files = Files.walk(location)) {
                        files.filter(f -> f.toString().endsWith(".class")).forEach(f -> {
                            try {
                                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                                newestCountSize[0] = Math.max(newestCountSize[0], a.lastModifiedTime().toMillis());
                                newestCountSize[1]++;
                                newestCountSize[2] += a.size();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
                    }
                    return location + "|" + Arrays.toString(newestCountSize);
                }
                BasicFileAttributes a = Files.readAttributes(location, BasicFileAttributes.class);
                return location + "|" + a.size() + "|" + a.lastModifiedTime().toMillis();
            } catch (Exception e) {
                // no code location to name (an unusual class loader): a value no other process shares
                return "unknown|" + ProcessHandle.current().pid() + "|" + System.nanoTime();
            }
        }
    }

    private Path fileOf(String key) {
        return folder.resolve(fileName(key));
    }

    /** The name of the file in {@link #folder} that holds the entry under {@code key}. */
    String fileName(String key) {
        return sha256(key.getBytes(StandardCharsets.UTF_8)).substring(0, 40) + ENTRY_SUFFIX;
    }

    /** Where the payload of the entry under {@code key} starts in its file ({@link #write}'s layout). */
    static long payloadOffset(String key) {
        return headerSize(key.getBytes(StandardCharsets.UTF_8));
    }

    private static long headerSize(byte[] key) {
        return MAGIC.length + 4L + key.length + 8;
    }

    /** The CRC-32C of key and payload that {@link #write} stores after the payload and reading verifies. */
    private static int checksum(byte[] key, ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        crc.update(key);
        crc.update(payload);
        return (int) crc.getValue();
    }

    /** Marks an entry as just used, for eviction. */
    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // only the eviction order suffers
        }
    }

    /** Removes the entries used longest ago until the folder holds at most {@code limit} bytes, and stale temporary files. */
    private void evictBeyond(long limit) throws IOException {
        record Entry(Path file, long size, long used) {}
        List<Entry> entries = new ArrayList<>();
        long total = 0;
        long staleBefore = System.currentTimeMillis() - 3_600_000; // a writer takes seconds, not an hour
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path f : files) {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    String name = f.getFileName().toString();
                    if (name.startsWith(TEMP_PREFIX) && a.lastModifiedTime().toMillis() < staleBefore) {
                        Files.deleteIfExists(f);
                    } else if (name.endsWith(ENTRY_SUFFIX)) {
                        entries.add(new Entry(f, a.size(), a.lastModifiedTime().toMillis()));
                        total += a.size();
                    }
                } catch (NoSuchFileException e) {
                    // removed by another process meanwhile
                }
            }
        }
        entries.sort(Comparator.comparingLong(Entry::used));
        for (int i = 0; total > limit && i < entries.size() - 1; i++) { // never the entry just written (newest)
            Files.deleteIfExists(entries.get(i).file());
            total -= entries.get(i).size();
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Builds small payloads field by field. */
    static byte[] bytesOf(IoWriter writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: does not happen
        }
        return bytes.toByteArray();
    }

    @FunctionalInterface
    interface IoWriter {
        void write(DataOutputStream out) throws IOException;
    }
}
