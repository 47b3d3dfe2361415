package dev.salient.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks files against published sha256 sums without re-reading large files on every start.
 *
 * <p>Cache files get a marker {@code NAME.sha256} holding "sha256 size mtime" written once the file was
 * verified; while size and modification time still match, the marker is trusted. Hashing a 100 MB model
 * costs about a second, a marker costs a stat. Anything that changes the file (a partial copy by hand, an
 * edit) changes size or mtime and triggers a fresh hash. Mirror folders are read-only, so their results are
 * remembered in memory for the life of the process instead.
 */
final class FileVerifier {

    private record Seen(Path file, long size, long mtime) { }

    private final Map<Seen, String> memory = new ConcurrentHashMap<>();

    /** The sha256 of a file as lower-case hex. */
    static String sha256(Path file) throws IOException {
        MessageDigest digest = newDigest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The marker file beside {@code file}. */
    static Path markerOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".sha256");
    }

    /** The file's sha256, hashed at most once per process while its size and mtime stay the same. */
    String remembered(Path file) throws IOException {
        Seen key = seen(file);
        String known = memory.get(key);
        if (known == null) {
            known = sha256(file);
            memory.put(key, known);
        }
        return known;
    }

    /**
     * Whether a cache file has the expected sha256: trusts a matching marker, else hashes the file and, if it
     * matches, writes the marker.
     */
    boolean cachedMatches(Path file, String expected) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        Seen now = seen(file);
        if (markerSays(file, now, expected)) {
            return true;
        }
        String actual = remembered(file);
        if (!actual.equals(expected)) {
            return false;
        }
        writeMarker(file, actual);
        return true;
    }

    /** Records that {@code file} (as it is now) has this sha256. */
    void writeMarker(Path file, String sha256) throws IOException {
        Seen now = seen(file);
        memory.put(now, sha256);
        Path marker = markerOf(file);
        Path temp = marker.resolveSibling(marker.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + Thread.currentThread().getId());
        Files.writeString(temp, sha256 + " " + now.size() + " " + now.mtime() + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, marker, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean markerSays(Path file, Seen now, String expected) {
        try {
            String[] parts = Files.readString(markerOf(file), StandardCharsets.US_ASCII).trim().split(" ");
            return parts.length == 3 && parts[0].equals(expected)
                    && Long.parseLong(parts[1]) == now.size() && Long.parseLong(parts[2]) == now.mtime();
        } catch (IOException | NumberFormatException e) {
            return false; // no marker or a damaged one: hash instead
        }
    }

    private static Seen seen(Path file) throws IOException {
        return new Seen(file.toAbsolutePath().normalize(), Files.size(file),
                Files.getLastModifiedTime(file).toMillis());
    }
}
