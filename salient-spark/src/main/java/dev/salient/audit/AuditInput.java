package dev.salient.audit;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which files an audit reads: every file under {@code root}, at any depth, whose name matches {@code pattern}. Given on
 * the command line as a folder ({@code photos/}: the photo extensions, any case) or as a folder and a file-name glob
 * ({@code 'photos/*.jpg'}). Spark's {@code binaryFile} source reads the same set (its {@code pathGlobFilter} and
 * {@code recursiveFileLookup} options, Hadoop's glob syntax, which agrees with Java's for {@code * ? [ab] {a,b}}), and
 * the local walk skips what Spark's file index skips: names starting with '.' or '_' (Hadoop's hidden and metadata
 * files) and {@code ._COPYING_} uploads in progress.
 *
 * @param root    the folder, as given (a local path, or a Hadoop URI in Spark mode)
 * @param pattern file-name glob
 */
public record AuditInput(String root, String pattern) implements Serializable {
    /** Image file name extensions read from a plain folder. */
    static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp");

    /** A folder (every photo in it) or a folder followed by a file-name glob. */
    public static AuditInput parse(String text) {
        String trimmed = text.endsWith("/") && text.length() > 1 ? text.substring(0, text.length() - 1) : text;
        int slash = trimmed.lastIndexOf('/');
        String last = trimmed.substring(slash + 1);
        if (!isGlob(last)) {
            if (isGlob(trimmed)) {
                throw new IllegalArgumentException("only the file name may be a pattern, as in photos/*.jpg; got '"
                        + text + "'");
            }
            return new AuditInput(trimmed, photoPattern());
        }
        String root = slash < 0 ? "." : slash == 0 ? "/" : trimmed.substring(0, slash);
        if (isGlob(root)) {
            throw new IllegalArgumentException("only the file name may be a pattern, as in photos/*.jpg; got '"
                    + text + "'");
        }
        return new AuditInput(root, last);
    }

    /** {*.[jJ][pP][gG],...}: the photo extensions in any letter case (Hadoop globs have no case-insensitive flag). */
    static String photoPattern() {
        return EXTENSIONS.stream().sorted().map(e -> "*." + e.chars()
                .mapToObj(ch -> "[" + (char) Character.toLowerCase(ch) + (char) Character.toUpperCase(ch) + "]")
                .collect(Collectors.joining())).collect(Collectors.joining(",", "{", "}"));
    }

    private static boolean isGlob(String s) {
        return s.chars().anyMatch(ch -> "*?[{".indexOf(ch) >= 0);
    }

    /** Whether Spark's file listing skips a file or folder of this name. */
    static boolean hidden(String name) {
        return (name.startsWith("_") && !name.contains("=")) || name.startsWith(".") || name.endsWith("._COPYING_");
    }

    /** One file found locally. */
    public record LocalFile(Path file, String relative, long size, long modified) {}

    /** The matching files under a local root, sorted by relative path. */
    public List<LocalFile> listLocal() {
        Path base = Path.of(root);
        if (!Files.isDirectory(base)) {
            throw new IllegalArgumentException("not a folder: " + base.toAbsolutePath());
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        List<LocalFile> found = new ArrayList<>();
        try {
            Files.walkFileTree(base, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return dir.equals(base) || !hidden(dir.getFileName().toString())
                            ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    Path name = file.getFileName();
                    if (attrs.isRegularFile() && !hidden(name.toString()) && matcher.matches(name)) {
                        found.add(new LocalFile(file, relative(base, file), attrs.size(),
                                attrs.lastModifiedTime().toMillis()));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // unreadable entries are not part of the set, as in Spark
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + base, e);
        }
        found.sort(Comparator.comparing(LocalFile::relative));
        return found;
    }

    private static String relative(Path base, Path file) {
        return base.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }

    /**
     * The row key of a file Spark listed: its qualified path without the qualified root and the slash after it.
     *
     * @param qualifiedRoot the root as Hadoop qualifies it (e.g. {@code file:/data/photos})
     */
    public static String relative(String qualifiedRoot, String qualifiedFile) {
        String prefix = qualifiedRoot.endsWith("/") ? qualifiedRoot : qualifiedRoot + "/";
        if (!qualifiedFile.startsWith(prefix)) {
            throw new IllegalArgumentException(qualifiedFile + " is not under " + qualifiedRoot);
        }
        return qualifiedFile.substring(prefix.length());
    }
}
