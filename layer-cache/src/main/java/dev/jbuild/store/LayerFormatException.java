package dev.jbuild.store;

import java.io.IOException;

/** A layer that cannot be read or unpacked safely; the message names the layer and the entry. */
public class LayerFormatException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String layer;
    private final String entryPath;

    public LayerFormatException(String layer, String entryPath, String message) {
        super("layer " + layer + (entryPath == null ? "" : ": entry \"" + entryPath + "\"") + ": " + message);
        this.layer = layer;
        this.entryPath = entryPath;
    }

    public LayerFormatException(String layer, String entryPath, String message, Throwable cause) {
        this(layer, entryPath, message);
        initCause(cause);
    }

    /** The layer's name (its blob digest when read from the store). */
    public String layer() {
        return layer;
    }

    /** The entry's path as the archive gives it, or null. */
    public String entryPath() {
        return entryPath;
    }
}
