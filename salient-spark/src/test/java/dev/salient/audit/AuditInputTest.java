package dev.salient.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuditInputTest {
    @Test
    void aFolderMeansEveryPhotoAtAnyDepthInAnyLetterCaseAndSkipsHiddenFiles(@TempDir Path dir) throws Exception {
        for (String f : new String[]{"a.jpg", "sub/b.JPEG", "sub/deeper/c.Png", "notes.txt", ".hidden.jpg",
                "_temporary.jpg", ".git/d.jpg", "_logs/e.jpg", "year=2024/f.webp", "g.jpg._COPYING_"}) {
            Files.createDirectories(dir.resolve(f).getParent());
            Files.writeString(dir.resolve(f), "x");
        }
        AuditInput input = AuditInput.parse(dir + "/");
        assertThat(input.root()).isEqualTo(dir.toString());
        assertThat(input.listLocal()).extracting(AuditInput.LocalFile::relative)
                .containsExactly("a.jpg", "sub/b.JPEG", "sub/deeper/c.Png", "year=2024/f.webp");
    }

    @Test
    void aGlobFiltersFileNamesUnderItsFolder(@TempDir Path dir) throws Exception {
        for (String f : new String[]{"a.jpg", "b.png", "sub/c.jpg"}) {
            Files.createDirectories(dir.resolve(f).getParent());
            Files.writeString(dir.resolve(f), "x");
        }
        AuditInput input = AuditInput.parse(dir + "/*.jpg");
        assertThat(input).isEqualTo(new AuditInput(dir.toString(), "*.jpg"));
        assertThat(input.listLocal()).extracting(AuditInput.LocalFile::relative).containsExactly("a.jpg", "sub/c.jpg");
    }

    @Test
    void onlyTheFileNameMayBeAPattern() {
        assertThatThrownBy(() -> AuditInput.parse("data/*/photos/*.jpg")).hasMessageContaining("only the file name");
        assertThatThrownBy(() -> AuditInput.parse("data/*/photos")).hasMessageContaining("only the file name");
        assertThat(AuditInput.parse("*.jpg")).isEqualTo(new AuditInput(".", "*.jpg"));
    }

    @Test
    void sparkPathsBecomeTheSameRelativeKeys() {
        assertThat(AuditInput.relative("file:/data/photos", "file:/data/photos/sub/a b.jpg")).isEqualTo("sub/a b.jpg");
        assertThatThrownBy(() -> AuditInput.relative("file:/data/photos", "file:/data/other/a.jpg"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
