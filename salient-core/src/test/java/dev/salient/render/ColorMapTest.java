package dev.salient.render;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ColorMapTest {

    @Test
    void greyRunsFromBlackToWhite() {
        assertThat(ColorMap.GREY.rgb(0)).isEqualTo(0x000000);
        assertThat(ColorMap.GREY.rgb(1)).isEqualTo(0xFFFFFF);
        assertThat(ColorMap.GREY.rgb(0.5)).isEqualTo(0x808080); // round(127.5)
        assertThat(ColorMap.GREY.rgb(0.4)).isEqualTo(0x666666); // 102
    }

    @Test
    void viridisMatchesMatplotlib() {
        assertThat(ColorMap.VIRIDIS.rgb(0)).isEqualTo(0x440154);
        assertThat(ColorMap.VIRIDIS.rgb(1)).isEqualTo(0xFDE725);
        assertThat(ColorMap.VIRIDIS.rgb(0.5)).isEqualTo(0x21918C); // matplotlib viridis(128) = (0.1276, 0.5669, 0.5506)
    }

    @Test
    void infernoMatchesMatplotlib() {
        assertThat(ColorMap.INFERNO.rgb(0)).isEqualTo(0x000004);
        assertThat(ColorMap.INFERNO.rgb(1)).isEqualTo(0xFCFFA4);
        assertThat(ColorMap.INFERNO.rgb(0.5)).isEqualTo(0xBC3754); // matplotlib inferno(128) = (0.7357, 0.2159, 0.3302)
    }

    @Test
    void turboFollowsGooglesPolynomial() {
        // Constant terms (0.1357, 0.0914, 0.1067) and coefficient sums (0.5659, 0.0504, −0.0255 → 0), · 255.
        assertThat(ColorMap.TURBO.rgb(0)).isEqualTo(0x23171B);
        assertThat(ColorMap.TURBO.rgb(1)).isEqualTo(0x900D00);
        // At x = 0.5 the polynomial gives (0.5885, 0.9819, 0.3132) ≈ (150, 250, 80); entry 128 is x = 0.502.
        assertClose(ColorMap.TURBO.rgb(0.5), 150, 250, 80, 3);
    }

    @Test
    void divergingIsBlueWhiteRedWithWhiteExactlyAtZero() {
        assertThat(ColorMap.DIVERGING.signed()).isTrue();
        assertThat(ColorMap.DIVERGING.rgb(-1)).isEqualTo(0x2166AC);
        assertThat(ColorMap.DIVERGING.rgb(0)).isEqualTo(0xFFFFFF);
        assertThat(ColorMap.DIVERGING.rgb(1)).isEqualTo(0xB2182B);
        // Half way to red: white + 0.5 · (red − white) = (216.5, 139.5, 149).
        assertClose(ColorMap.DIVERGING.rgb(0.5), 216, 139, 149, 2);
        assertClose(ColorMap.DIVERGING.rgb(-0.5), 144, 178, 213, 2); // (255+33)/2, (255+102)/2, (255+172)/2
        assertThat(ColorMap.DIVERGING.rgb(-5)).isEqualTo(0x2166AC);
    }

    @ParameterizedTest
    @EnumSource(value = ColorMap.class, names = {"GREY", "VIRIDIS", "INFERNO", "TURBO"})
    void unsignedMapsClampAndHave256Entries(ColorMap map) {
        assertThat(map.signed()).isFalse();
        assertThat(map.lookupTable()).hasSize(256);
        assertThat(map.rgb(-3)).isEqualTo(map.rgb(0));
        assertThat(map.rgb(7)).isEqualTo(map.rgb(1));
        assertThat(map.rgb(Double.NaN)).isEqualTo(map.rgb(0));
    }

    @ParameterizedTest
    @EnumSource(value = ColorMap.class, names = {"GREY", "VIRIDIS", "INFERNO"})
    void perceptualMapsGetBrighterMonotonically(ColorMap map) {
        int[] lut = map.lookupTable();
        for (int i = 1; i < 256; i++) {
            assertThat(luma(lut[i])).as("entry %d", i).isGreaterThanOrEqualTo(luma(lut[i - 1]) - 0.5);
        }
    }

    private static double luma(int rgb) {
        return 0.2126 * (rgb >> 16) + 0.7152 * ((rgb >> 8) & 0xFF) + 0.0722 * (rgb & 0xFF);
    }

    static void assertClose(int rgb, int r, int g, int b, int tolerance) {
        assertThat(rgb >> 16).as("red of #%06X", rgb).isBetween(r - tolerance, r + tolerance);
        assertThat((rgb >> 8) & 0xFF).as("green of #%06X", rgb).isBetween(g - tolerance, g + tolerance);
        assertThat(rgb & 0xFF).as("blue of #%06X", rgb).isBetween(b - tolerance, b + tolerance);
    }
}
