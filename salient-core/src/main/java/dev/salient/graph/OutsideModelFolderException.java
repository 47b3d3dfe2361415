package dev.salient.graph;

import java.nio.file.Path;

/**
 * A path written inside a model file or its sidecar points outside the model's folder (absolute, through "..",
 * or through a symbolic link), and was refused: a model file is data and may not read files elsewhere.
 */
public final class OutsideModelFolderException extends ModelFormatException {
    private final String owner;
    private final String location;

    /**
     * @param owner    what wrote the path, e.g. "initializer 'conv1.weight'" or "the sidecar's \"labels\""
     * @param location the path as written
     * @param folder   the model's folder
     * @param why      how it leaves the folder
     */
    public OutsideModelFolderException(String owner, String location, Path folder, String why) {
        super(owner + " names '" + location + "', which " + why + "; a model may only refer to files in its own "
                + "folder " + folder);
        this.owner = owner;
        this.location = location;
    }

    /** What wrote the refused path, e.g. "initializer 'conv1.weight'". */
    public String owner() {
        return owner;
    }

    /** The refused path as written in the model or sidecar. */
    public String location() {
        return location;
    }
}
