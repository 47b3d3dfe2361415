package dev.salient.attribution;

import dev.salient.engine.DifferentiableModel;
import dev.salient.testing.RealModels;
import dev.salient.testing.SharedData;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test fixtures: the shared MobileNetV2's engine, photos resized to 224×224 as NCHW [0, 1] floats. */
final class Fixtures {
    private Fixtures() {}

    /** {@link RealModels#mobileNetV2}'s engine: input "input" [1, 3, 224, 224], scores "logits"; never closed. */
    static DifferentiableModel mobileNetV2() {
        return RealModels.mobileNetV2().engine();
    }

    static BufferedImage resized(String name, int size) {
        Path file = SharedData.image(name);
        try {
            BufferedImage src = ImageIO.read(file.toFile());
            if (src == null) {
                throw new AssertionError("cannot decode " + file);
            }
            BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = out.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, size, size, null);
            g.dispose();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The photo resized (whole image, bilinear) to size×size, RGB /255, NCHW without the batch axis. */
    static float[] image(String name, int size) {
        BufferedImage img = resized(name, size);
        float[] x = new float[3 * size * size];
        for (int y = 0; y < size; y++) {
            for (int xx = 0; xx < size; xx++) {
                int rgb = img.getRGB(xx, y);
                x[y * size + xx] = ((rgb >> 16) & 0xff) / 255f;
                x[size * size + y * size + xx] = ((rgb >> 8) & 0xff) / 255f;
                x[2 * size * size + y * size + xx] = (rgb & 0xff) / 255f;
            }
        }
        return x;
    }

    static float[] image(String name) {
        return image(name, 224);
    }

    static int top1(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Renders the resized photo to a PNG (for marking boxes by eye). */
    static void writePng(String name, Path out) throws IOException {
        Files.createDirectories(out.getParent());
        ImageIO.write(resized(name, 224), "png", out.toFile());
    }
}
