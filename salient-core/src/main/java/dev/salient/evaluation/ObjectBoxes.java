package dev.salient.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The objects marked on one photo, in the photo's pixel coordinates, for the {@link PointingGame}.
 *
 * <p>Read from a small JSON file,
 * {@code {"image": "bird.bmp", "width": 224, "height": 224, "objects": [{"label": "chickadee", "box": [x0, y0, x1, y1]}]}}
 * (width and height: the size of the photo the boxes were marked on, optional), or from a Pascal VOC annotation
 * ({@code <annotation><size><width>…</width><height>…</height></size><object><name>…</name><bndbox><xmin>…}).
 *
 * @param width   photo width the boxes refer to (0: unknown, taken to be the photo's)
 * @param height  photo height the boxes refer to (0: unknown)
 * @param objects at least one box
 */
public record ObjectBoxes(int width, int height, List<Box> objects) {
    /** Files bigger than this are not box files. */
    private static final long MAX_BYTES = 1 << 20;

    /**
     * One object: the box from (x0, y0) to (x1, y1), photo pixels, x0 &lt; x1, y0 &lt; y1.
     *
     * @param label what it is, for people
     */
    public record Box(String label, double x0, double y0, double x1, double y1) {
        public Box {
            if (!(x0 < x1 && y0 < y1) || !Double.isFinite(x0 + y0 + x1 + y1)) {
                throw new BoxFileException("box '" + label + "' must have x0 < x1 and y0 < y1, got [" + x0 + ", "
                        + y0 + ", " + x1 + ", " + y1 + "]");
            }
        }

        /** Euclidean distance from (x, y) to the box, 0 inside it. */
        public double distance(double x, double y) {
            double dx = Math.max(Math.max(x0 - x, 0), x - x1);
            double dy = Math.max(Math.max(y0 - y, 0), y - y1);
            return Math.hypot(dx, dy);
        }

        Box scaled(double sx, double sy) {
            return new Box(label, x0 * sx, y0 * sy, x1 * sx, y1 * sy);
        }
    }

    /** A box file that cannot be used; its message names the file and what is wrong. */
    public static final class BoxFileException extends IllegalArgumentException {
        public BoxFileException(String message) {
            super(message);
        }
    }

    public ObjectBoxes {
        if (objects.isEmpty()) {
            throw new BoxFileException("no objects");
        }
        if (width < 0 || height < 0) {
            throw new BoxFileException("negative photo size " + width + "x" + height);
        }
        objects = List.copyOf(objects);
    }

    /** The boxes on a photo of {@code photoWidth × photoHeight}: scaled if they were marked at another size. */
    public ObjectBoxes on(int photoWidth, int photoHeight) {
        if (width == 0 || height == 0 || (width == photoWidth && height == photoHeight)) {
            return new ObjectBoxes(photoWidth, photoHeight, objects);
        }
        double sx = (double) photoWidth / width;
        double sy = (double) photoHeight / height;
        return new ObjectBoxes(photoWidth, photoHeight, objects.stream().map(b -> b.scaled(sx, sy)).toList());
    }

    /** Distance from (x, y) to the nearest box. */
    public double distance(double x, double y) {
        return objects.stream().mapToDouble(b -> b.distance(x, y)).min().orElseThrow();
    }

    /**
     * The box file for a photo in {@code folder}: {@code STEM.json} or {@code STEM.xml} (STEM: the photo's file
     * name without extension), or null when there is neither.
     */
    public static Path fileFor(Path folder, String photoFileName) {
        int dot = photoFileName.lastIndexOf('.');
        String stem = dot > 0 ? photoFileName.substring(0, dot) : photoFileName;
        for (String ext : List.of(".json", ".xml")) {
            Path f = folder.resolve(stem + ext);
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        return null;
    }

    /** Reads a JSON or Pascal VOC XML box file (by its extension). */
    public static ObjectBoxes read(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new BoxFileException(file + " is over " + MAX_BYTES + " bytes: not a box file");
            }
            try (InputStream in = Files.newInputStream(file)) {
                return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".xml") ? voc(in) : json(in);
            }
        } catch (IOException e) {
            throw new BoxFileException("cannot read box file " + file + ": " + e.getMessage());
        } catch (BoxFileException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new BoxFileException(file + ": " + e.getMessage());
        }
    }

    static ObjectBoxes json(InputStream in) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(in);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BoxFileException("not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.path("objects").isArray()) {
            throw new BoxFileException("expected {\"objects\": [{\"label\": ..., \"box\": [x0, y0, x1, y1]}]}");
        }
        List<Box> boxes = new ArrayList<>();
        for (JsonNode o : root.get("objects")) {
            JsonNode b = o.path("box");
            if (!b.isArray() || b.size() != 4 || !b.get(0).isNumber() || !b.get(1).isNumber() || !b.get(2).isNumber()
                    || !b.get(3).isNumber()) {
                throw new BoxFileException("each object needs \"box\": [x0, y0, x1, y1] (numbers)");
            }
            boxes.add(new Box(o.path("label").asText(""), b.get(0).asDouble(), b.get(1).asDouble(),
                    b.get(2).asDouble(), b.get(3).asDouble()));
        }
        return new ObjectBoxes(root.path("width").asInt(0), root.path("height").asInt(0), boxes);
    }

    static ObjectBoxes voc(InputStream in) throws IOException {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            // an annotation never needs a DTD or external entity: refuse them (no XXE, no billion laughs)
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            f.setXIncludeAware(false);
            var builder = f.newDocumentBuilder();
            builder.setErrorHandler(null);
            doc = builder.parse(in);
        } catch (ParserConfigurationException | SAXException e) {
            throw new BoxFileException("not a Pascal VOC annotation (" + e.getMessage() + ")");
        }
        Element root = doc.getDocumentElement();
        int width = (int) number(root, "width", 0);
        int height = (int) number(root, "height", 0);
        NodeList objects = root.getElementsByTagName("object");
        List<Box> boxes = new ArrayList<>();
        for (int i = 0; i < objects.getLength(); i++) {
            Element o = (Element) objects.item(i);
            Element box = (Element) o.getElementsByTagName("bndbox").item(0);
            if (box == null) {
                throw new BoxFileException("object " + (i + 1) + " has no <bndbox>");
            }
            boxes.add(new Box(text(o, "name"), number(box, "xmin", Double.NaN), number(box, "ymin", Double.NaN),
                    number(box, "xmax", Double.NaN), number(box, "ymax", Double.NaN)));
        }
        return new ObjectBoxes(width, height, boxes);
    }

    private static String text(Element parent, String tag) {
        NodeList l = parent.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().strip();
    }

    private static double number(Element parent, String tag, double missing) {
        String t = text(parent, tag);
        if (t.isEmpty()) {
            if (Double.isNaN(missing)) {
                throw new BoxFileException("<" + tag + "> is missing");
            }
            return missing;
        }
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new BoxFileException("<" + tag + "> is not a number: '" + t + "'");
        }
    }
}
