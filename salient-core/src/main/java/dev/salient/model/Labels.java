package dev.salient.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Class names by index. Reads one label per line, either plain ("tench") or in the ONNX model zoo's synset
 * form ("n01440764 tench, Tinca tinca", the WordNet id dropped). A 1000-line file on a 1001-class model gets
 * "background" at index 0, as TF-slim models number their classes.
 */
public final class Labels {
    private static final Pattern SYNSET = Pattern.compile("^n\\d{8}\\s+.*");
    private final List<String> names;

    private Labels(List<String> names) {
        this.names = List.copyOf(names);
    }

    /** "class 0", "class 1", … for models without a labels file. */
    public static Labels numbered(int classes) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            names.add("class " + i);
        }
        return new Labels(names);
    }

    public static Labels of(List<String> names) {
        return new Labels(names);
    }

    /**
     * @param classes number of class scores the model outputs; the file must fit it (or be one short, for a
     *                background class)
     */
    public static Labels read(Path file, int classes) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read labels file " + file + ": " + e.getMessage());
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        List<String> names = new ArrayList<>();
        for (String line : lines) {
            String trimmed = line.strip();
            names.add(SYNSET.matcher(trimmed).matches() ? trimmed.substring(trimmed.indexOf(' ') + 1).strip() : trimmed);
        }
        if (names.size() == classes - 1) {
            names.add(0, "background");
        } else if (names.size() == classes + 1 && names.get(0).equalsIgnoreCase("background")) {
            names.remove(0);
        }
        if (names.size() != classes) {
            throw new IllegalArgumentException("labels file " + file + " has " + names.size()
                    + " labels but the model outputs " + classes + " classes");
        }
        return new Labels(names);
    }

    public int size() {
        return names.size();
    }

    public String name(int index) {
        return names.get(index);
    }

    public List<String> names() {
        return names;
    }

    /**
     * The class a person means by {@code label}: an exact (case-insensitive) match of the whole label or of one
     * of its comma-separated synonyms, else the only label containing it.
     *
     * @throws IllegalArgumentException naming close matches when there is no single answer
     */
    public int indexOf(String label) {
        String wanted = label.strip().toLowerCase(Locale.ROOT);
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).toLowerCase(Locale.ROOT);
            if (name.equals(wanted)) {
                return i;
            }
            for (String synonym : name.split(",")) {
                if (synonym.strip().equals(wanted)) {
                    return i;
                }
            }
        }
        List<Integer> containing = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).toLowerCase(Locale.ROOT).contains(wanted)) {
                containing.add(i);
            }
        }
        if (containing.size() == 1) {
            return containing.get(0);
        }
        if (containing.isEmpty()) {
            throw new IllegalArgumentException("unknown label '" + label + "': no class is called that");
        }
        List<String> options = containing.stream().limit(8).map(i -> i + " " + names.get(i)).toList();
        throw new IllegalArgumentException("label '" + label + "' is ambiguous; it matches " + containing.size()
                + " classes, e.g. " + String.join("; ", options));
    }
}
