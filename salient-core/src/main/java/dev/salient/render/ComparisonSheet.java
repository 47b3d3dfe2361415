package dev.salient.render;

import dev.salient.image.Resampler;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One image that puts the photo and several renderings side by side, each under its title, for comparing methods
 * or settings at a glance.
 *
 * <p>Geometry (white background): every image is scaled (keeping its aspect ratio, antialiased) to
 * {@code panelHeight}; panel i's image has its top-left corner at ({@code x_i}, {@link #MARGIN} +
 * {@link #TITLE_HEIGHT}), where {@code x_0} = {@link #MARGIN} and {@code x_{i+1} = x_i + width_i + MARGIN}; its title
 * is drawn centred in the {@link #TITLE_HEIGHT} band above it (cut with "…" if wider than the image). The sheet is
 * {@code x_n} wide and {@code MARGIN + TITLE_HEIGHT + panelHeight + MARGIN} high. The photo is panel 0, titled
 * {@value #PHOTO_TITLE}. Text uses the logical font {@code SansSerif}, so this works headless.
 */
public final class ComparisonSheet {
    private ComparisonSheet() {}

    /** Space around and between panels, in pixels. */
    public static final int MARGIN = 8;
    /** Height of the band above each image that holds its title, in pixels. */
    public static final int TITLE_HEIGHT = 20;
    /** Title of the first panel, the photo itself. */
    public static final String PHOTO_TITLE = "photo";

    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);

    /** A titled image on the sheet. */
    public record Panel(String title, BufferedImage image) {
        public Panel {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(image, "image");
        }
    }

    /** The photo, then each panel, left to right, each scaled to {@code panelHeight} with its title above. */
    public static BufferedImage compose(BufferedImage photo, List<Panel> panels, int panelHeight) {
        if (panelHeight <= 0) {
            throw new IllegalArgumentException("panelHeight must be positive, was " + panelHeight);
        }
        List<Panel> all = new ArrayList<>(panels.size() + 1);
        all.add(new Panel(PHOTO_TITLE, photo));
        all.addAll(panels);
        List<BufferedImage> scaled = new ArrayList<>(all.size());
        int width = MARGIN;
        for (Panel panel : all) {
            BufferedImage img = panel.image();
            int w = Math.max(1, (int) Math.round((double) img.getWidth() * panelHeight / img.getHeight()));
            BufferedImage s = Resampler.resize(img, w, panelHeight);
            scaled.add(s);
            width += w + MARGIN;
        }
        int height = MARGIN + TITLE_HEIGHT + panelHeight + MARGIN;
        BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(TITLE_FONT);
            g.setColor(Color.BLACK);
            FontMetrics metrics = g.getFontMetrics();
            int x = MARGIN;
            for (int i = 0; i < all.size(); i++) {
                BufferedImage s = scaled.get(i);
                String title = fit(all.get(i).title(), metrics, s.getWidth());
                int tx = x + (s.getWidth() - metrics.stringWidth(title)) / 2;
                int ty = MARGIN + (TITLE_HEIGHT + metrics.getAscent() - metrics.getDescent()) / 2;
                g.drawString(title, tx, ty);
                g.drawImage(s, x, MARGIN + TITLE_HEIGHT, null);
                x += s.getWidth() + MARGIN;
            }
        } finally {
            g.dispose();
        }
        return sheet;
    }

    /** The title, shortened with "…" until it fits {@code width} pixels. */
    private static String fit(String title, FontMetrics metrics, int width) {
        if (metrics.stringWidth(title) <= width) {
            return title;
        }
        String t = title;
        while (!t.isEmpty() && metrics.stringWidth(t + "…") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t.isEmpty() ? "" : t + "…";
    }
}
