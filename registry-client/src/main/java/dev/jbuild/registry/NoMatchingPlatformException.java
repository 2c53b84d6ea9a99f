package dev.jbuild.registry;

import dev.jbuild.oci.Platform;
import java.util.List;

/** An image index has no manifest for the requested platform; the message lists the platforms it has. */
public final class NoMatchingPlatformException extends RegistryException {
    private static final long serialVersionUID = 1L;

    private final transient Platform requested;
    private final transient List<Platform> available;

    NoMatchingPlatformException(String message, String registry, String repository, String action,
            Platform requested, List<Platform> available) {
        super(message, registry, repository, action, 0, null, null, null);
        this.requested = requested;
        this.available = List.copyOf(available);
    }

    public Platform requested() {
        return requested;
    }

    /** The platforms of the index's manifests, in index order. */
    public List<Platform> available() {
        return available;
    }
}
