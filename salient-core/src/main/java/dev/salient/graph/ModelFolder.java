package dev.salient.graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The folder a model file sits in: the only place that relative paths written inside the model (ONNX external
 * data) or its sidecar (the labels file) may name. A path is refused if it is absolute, if it leaves the folder
 * once ".." is normalised away, or if it leaves it once symbolic links are followed ({@link Path#toRealPath}).
 * Paths a person gives on the command line are theirs to choose and do not come through here.
 */
public final class ModelFolder {
    private final Path root;

    private ModelFolder(Path root) {
        this.root = root;
    }

    /** The folder of {@code modelFile} as written (not of a symbolic link's target), with its links resolved. */
    public static ModelFolder of(Path modelFile) {
        Path parent = modelFile.toAbsolutePath().normalize().getParent();
        try {
            return new ModelFolder(parent.toRealPath());
        } catch (IOException e) {
            throw new ModelFormatException("cannot read the model's folder " + parent + ": " + e.getMessage());
        }
    }

    /** The folder, as a real path. */
    public Path root() {
        return root;
    }

    /**
     * The existing regular file that a path written in the model or its sidecar names.
     *
     * @param location the path as written, relative to the model's folder
     * @param owner    what wrote it, for messages, e.g. "initializer 'w'"
     * @throws OutsideModelFolderException if it is absolute or leaves the folder
     * @throws ModelFormatException        if it names nothing, or not a regular file
     */
    public Path resolve(String location, String owner) {
        Path relative;
        try {
            relative = Path.of(location);
        } catch (InvalidPathException e) {
            throw new ModelFormatException(owner + " names '" + location + "', which is not a valid path: "
                    + e.getReason());
        }
        if (location.isBlank()) {
            throw new ModelFormatException(owner + " names an empty path");
        }
        if (relative.isAbsolute() || relative.getRoot() != null) {
            throw new OutsideModelFolderException(owner, location, root, "is an absolute path");
        }
        Path candidate = root.resolve(relative).normalize();
        if (!candidate.startsWith(root) || candidate.equals(root)) {
            throw new OutsideModelFolderException(owner, location, root, "leaves the folder");
        }
        Path real;
        try {
            real = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(owner + " names '" + location + "', but " + candidate + " does not exist");
        } catch (IOException e) {
            throw new ModelFormatException(owner + " names '" + location + "', which cannot be read: "
                    + e.getMessage());
        }
        if (!real.startsWith(root)) {
            throw new OutsideModelFolderException(owner, location, root, "is a symbolic link to " + real
                    + ", outside the folder");
        }
        if (!Files.isRegularFile(real)) {
            throw new ModelFormatException(owner + " names '" + location + "', which is not a regular file");
        }
        return real;
    }
}
