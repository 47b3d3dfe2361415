package dev.salient.cli;

import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code ./salient} launcher's class-data sharing archive, on a copy of the repository's launcher and packaged jar:
 * the first classify writes it, later runs map it, and a truncated archive (which crashes Java 17 when mapped) or one
 * older than the jar is replaced, never used; ONNX Runtime's native libraries are unpacked once per jar; a failing
 * command still fails with one line.
 */
class LauncherIT {
    private record Run(int exit, String out, String err) {}

    private static Run salient(Path root, Path home, String javaOptions, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("salient").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("SALIENT_HOME", home.toString());
        env.put("SALIENT_JAVA_OPTS", javaOptions);
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        Process p = pb.redirectOutput(home.resolve("out.txt").toFile()).redirectError(home.resolve("err.txt").toFile())
                .start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("salient " + String.join(" ", args) + " finished").isTrue();
        return new Run(p.exitValue(), Files.readString(home.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(home.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    private static List<Path> archives(Path target) throws IOException {
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches("salient-\\d+\\.jsa")).toList();
        }
    }

    private static Path wholeArchive(Path target) throws IOException {
        List<Path> archives = archives(target);
        assertThat(archives).hasSize(1);
        Path archive = archives.get(0);
        assertThat(archive.getFileName().toString()).isEqualTo("salient-" + Files.size(archive) + ".jsa");
        return archive;
    }

    /** The one folder of ONNX Runtime's native libraries the launcher unpacked beside the jar, for its jar. */
    private static Path nativeFolder(Path target) throws IOException {
        try (Stream<Path> files = Files.list(target)) {
            List<Path> folders = files.filter(f -> f.getFileName().toString().startsWith("onnxruntime-native-"))
                    .toList();
            assertThat(folders).hasSize(1);
            assertThat(folders.get(0).resolve("libonnxruntime.so")).isRegularFile();
            return folders.get(0);
        }
    }

    @Test
    void theArchiveIsMadeOnceMappedAfterAndReplacedWhenTruncatedOrStale(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("salient.jar"));
        Path root = dir.resolve("repository");
        Path target = Files.createDirectories(root.resolve("salient-app").resolve("target"));
        Files.copy(jar.getParent().getParent().getParent().resolve("salient"), root.resolve("salient"));
        Files.copy(jar, target.resolve("salient.jar"));
        Path home = Files.createDirectories(dir.resolve("home"));
        String[] classify = {"classify", SharedData.image("bird.bmp").toString(), "--model",
                SharedData.mobileNetV2().toString(), "--top", "1"};

        Run first = salient(root, home, "", classify);
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("chickadee").doesNotContain("[warning]");
        Path archive = wholeArchive(target);
        Path unpacked = nativeFolder(target);

        // -Xshare:on makes the JVM fail when it cannot map the archive
        Run mapped = salient(root, home, "-Xshare:on", classify);
        assertThat(mapped.exit()).as(mapped.err()).isZero();
        assertThat(mapped.out()).isEqualTo(first.out());

        byte[] bytes = Files.readAllBytes(archive);
        archive.toFile().setWritable(true);
        Files.write(archive, java.util.Arrays.copyOf(bytes, 100_000));
        Run afterTruncation = salient(root, home, "", classify);
        assertThat(afterTruncation.exit()).as(afterTruncation.err()).isZero();
        assertThat(afterTruncation.out()).isEqualTo(first.out());
        assertThat(wholeArchive(target)).as("made again").isNotNull();

        Path current = wholeArchive(target);
        Files.setLastModifiedTime(current, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.setLastModifiedTime(target.resolve("salient.jar"), FileTime.fromMillis(System.currentTimeMillis()));
        Run afterRebuild = salient(root, home, "", "explain", home.resolve("no-such-photo.jpg").toString(), "--model",
                SharedData.mobileNetV2().toString());
        assertThat(afterRebuild.exit()).isEqualTo(1);
        assertThat(afterRebuild.err().strip().lines()).hasSize(1).allMatch(l -> l.startsWith("salient: error:"));
        assertThat(nativeFolder(target)).as("unpacked again for the rebuilt jar").isNotEqualTo(unpacked);
        assertThat(unpacked).doesNotExist();
        Path remade = wholeArchive(target);
        assertThat(Files.getLastModifiedTime(remade).toMillis())
                .isGreaterThan(Files.getLastModifiedTime(target.resolve("salient.jar")).toMillis() - 1000);
    }
}
