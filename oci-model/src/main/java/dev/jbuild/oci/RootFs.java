package dev.jbuild.oci;

import java.util.ArrayList;
import java.util.List;

/**
 * The config's {@code rootfs}: the uncompressed digests (diff IDs) of the layers in order, which is what ties
 * a config to its layers whatever compression the manifest uses. {@code diff_ids} is always written, as [] when
 * there are no layers (Go would write null, which the OCI schema rejects).
 */
public record RootFs(String type, List<Digest> diffIds) {
    public static final String LAYERS = "layers";

    public RootFs {
        type = type == null ? "" : type;
        diffIds = Values.list(diffIds);
    }

    /** {@code {"type":"layers","diff_ids":[...]}}, the only type the spec defines. */
    public static RootFs layers(List<Digest> diffIds) {
        return new RootFs(LAYERS, diffIds);
    }

    public RootFs append(Digest diffId) {
        List<Digest> l = new ArrayList<>(diffIds);
        l.add(diffId);
        return new RootFs(type, l);
    }
}
