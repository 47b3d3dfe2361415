package dev.salient.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngWriterTest {

    private static BufferedImage pattern() {
        BufferedImage img = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                img.setRGB(x, y, x * 50 << 16 | y * 100 << 8 | 7);
            }
        }
        return img;
    }

    @Test
    void bytesAreALosslessPng() throws IOException {
        byte[] png = PngWriter.toPng(pattern());
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(back.getRGB(0, 0, 5, 3, null, 0, 5)).containsExactly(pattern().getRGB(0, 0, 5, 3, null, 0, 5));
    }

    @Test
    void aStoredPngIsTheSameLosslessPictureWithItsPixelsNotDeflated() throws IOException {
        BufferedImage flat = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB); // all black: deflates to little
        byte[] stored = PngWriter.toStoredPng(flat);
        assertThat(stored.length).as("3 bytes a pixel and a filter byte a row, stored").isGreaterThan(200 * 100 * 3);
        assertThat(PngWriter.toPng(flat).length).isLessThan(1000);
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(PngWriter.toStoredPng(pattern())));
        assertThat(back.getRGB(0, 0, 5, 3, null, 0, 5)).containsExactly(pattern().getRGB(0, 0, 5, 3, null, 0, 5));
    }

    @Test
    void writeCreatesFoldersAndReplaces(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("a/b/map.png");
        PngWriter.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), file);
        PngWriter.write(pattern(), file);
        BufferedImage back = ImageIO.read(file.toFile());
        assertThat(back.getWidth()).isEqualTo(5);
        assertThat(back.getRGB(4, 2) & 0xFFFFFF).isEqualTo(pattern().getRGB(4, 2) & 0xFFFFFF);
    }
}
