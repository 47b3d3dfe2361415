package dev.salient.render;

import static dev.salient.render.ComparisonSheet.MARGIN;
import static dev.salient.render.ComparisonSheet.TITLE_HEIGHT;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComparisonSheetTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static BufferedImage flat(int w, int h, int rgb) {
        return RendererTest.flat(w, h, rgb);
    }

    @Test
    void panelsSitSideBySideUnderTheirTitles() {
        BufferedImage photo = flat(80, 40, 0xFF0000);
        List<ComparisonSheet.Panel> panels = List.of(
                new ComparisonSheet.Panel("saliency", flat(40, 40, 0x00FF00)),
                new ComparisonSheet.Panel("x", flat(10, 20, 0x0000FF)));
        BufferedImage sheet = ComparisonSheet.compose(photo, panels, 20);
        // Scaled to height 20: widths 40, 20, 10.
        assertThat(sheet.getWidth()).isEqualTo(MARGIN + 40 + MARGIN + 20 + MARGIN + 10 + MARGIN);
        assertThat(sheet.getHeight()).isEqualTo(MARGIN + TITLE_HEIGHT + 20 + MARGIN);
        int top = MARGIN + TITLE_HEIGHT;
        int photoX = MARGIN;
        int firstX = photoX + 40 + MARGIN;
        int secondX = firstX + 20 + MARGIN;
        assertThat(rgb(sheet, photoX, top)).isEqualTo(0xFF0000);
        assertThat(rgb(sheet, photoX + 39, top + 19)).isEqualTo(0xFF0000);
        assertThat(rgb(sheet, firstX, top)).isEqualTo(0x00FF00);
        assertThat(rgb(sheet, firstX + 19, top + 19)).isEqualTo(0x00FF00);
        assertThat(rgb(sheet, secondX + 5, top + 10)).isEqualTo(0x0000FF);
        // Gaps are background.
        assertThat(rgb(sheet, firstX - 1, top + 10)).isEqualTo(0xFFFFFF);
        assertThat(rgb(sheet, secondX + 10, top + 10)).isEqualTo(0xFFFFFF);
        assertThat(rgb(sheet, firstX + 10, top + 20)).isEqualTo(0xFFFFFF);
        // Titles are drawn in the band above each image (dark pixels there), and nowhere else in that band's gaps.
        assertThat(darkPixels(sheet, photoX, MARGIN, 40, TITLE_HEIGHT)).as("'photo' title").isGreaterThan(5);
        assertThat(darkPixels(sheet, firstX, MARGIN, 20, TITLE_HEIGHT)).as("'saliency' title").isGreaterThan(5);
        assertThat(darkPixels(sheet, secondX, MARGIN, 10, TITLE_HEIGHT)).as("'x' title").isGreaterThan(0);
        assertThat(darkPixels(sheet, 0, 0, sheet.getWidth(), MARGIN)).isZero();
    }

    @Test
    void noPanelsGivesThePhotoAlone() {
        BufferedImage sheet = ComparisonSheet.compose(flat(30, 60, 0x123456), List.of(), 30);
        assertThat(sheet.getWidth()).isEqualTo(MARGIN + 15 + MARGIN);
        assertThat(rgb(sheet, MARGIN + 7, MARGIN + TITLE_HEIGHT + 15)).isEqualTo(0x123456);
    }

    private static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFFFFFF;
    }

    private static int darkPixels(BufferedImage img, int x0, int y0, int w, int h) {
        int n = 0;
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) {
                if ((rgb(img, x, y) & 0xFF) < 128) {
                    n++;
                }
            }
        }
        return n;
    }
}
