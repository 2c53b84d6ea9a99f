package dev.jbuild.core.build;

import dev.jbuild.store.Layer;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerReader;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * A layer's files as the builder's tree needs them: headers now, contents only when something
 * reads them. Layers are unpacked only when a step needs their bytes (a RUN mounts the rootfs
 * snapshots; COPY --from or a /etc/passwd lookup unpacks on first read).
 */
final class LayerFiles {
    private LayerFiles() {}

    /** Brings a layer's blob into the store before it is read (an imported cache fetches it lazily). */
    interface Fetch {
        Fetch NONE = layer -> { };

        void ensure(Layer layer) throws IOException;
    }

    static List<LayerEntry> entries(Store store, Layer layer) throws IOException {
        return entries(store, layer, Fetch.NONE);
    }

    static List<LayerEntry> entries(Store store, Layer layer, Fetch fetch) throws IOException {
        List<LayerEntry> headers;
        if (store.snapshots().has(layer.diffId())) {
            headers = store.snapshots().entries(layer.diffId());
        } else {
            headers = LayerIndex.read(store.root(), layer.diffId());
            if (headers == null) {
                headers = new ArrayList<>();
                fetch.ensure(layer);
                try (LayerReader reader = LayerReader.open(store.blobs(), layer.digest())) {
                    for (LayerEntry e = reader.next(); e != null; e = reader.next()) {
                        headers.add(e);
                    }
                }
                try {
                    LayerIndex.write(store.root(), layer.diffId(), headers, null);
                } catch (IllegalArgumentException unusual) {
                    // a layer from elsewhere with duplicate paths and the like: no index, read it again next time
                }
            }
        }
        List<LayerEntry> out = new ArrayList<>(headers.size());
        java.util.Map<String, dev.jbuild.oci.Digest> digests = ContentDigests.read(store.root(), layer.diffId());
        for (LayerEntry e : headers) {
            if (e.type() == LayerEntry.Type.FILE) {
                String path = e.path();
                LayerEntry.ContentSource content = () -> {
                    fetch.ensure(layer);
                    return Files.newInputStream(store.snapshots().ensure(layer).resolve(path));
                };
                dev.jbuild.oci.Digest known = digests == null ? null : digests.get(path);
                e = e.withContent(e.size(), known == null ? content : new ContentDigests.Known(known, content));
            }
            out.add(e);
        }
        return out;
    }
}
