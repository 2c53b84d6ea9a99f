package dev.jbuild.core.build;

import dev.jbuild.store.Layer;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerReader;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /**
     * The entries just written into a layer, with each file's content read back from that layer
     * instead of from where the writer took it: a context file that changes after the layer was
     * written must not reach an export or a later {@code COPY --from} with bytes the layer does not
     * hold. A digest known for the bytes that were written is kept, so that keys need no re-read: a context file's
     * from {@code knownDigest}, another file's (a RUN's upper directory) from {@code captured}, by path, when given.
     */
    static List<LayerEntry> writtenTo(Store store, Layer layer, List<LayerEntry> written,
            java.util.function.Function<LayerEntry.ContentSource, dev.jbuild.oci.Digest> knownDigest,
            java.util.Map<String, dev.jbuild.oci.Digest> captured) {
        List<LayerEntry> out = new ArrayList<>(written.size());
        for (LayerEntry e : written) {
            // Only context files can change under us; a RUN's upper directory or another stage's layer cannot.
            if (e.type() == LayerEntry.Type.FILE && e.content() instanceof PathContent) {
                String path = e.path();
                LayerEntry.ContentSource content = () -> open(store, layer, path);
                dev.jbuild.oci.Digest known = knownDigest.apply(e.content());
                e = e.withContent(e.size(), known == null ? content : new ContentDigests.Known(known, content));
            } else if (captured != null && e.type() == LayerEntry.Type.FILE && e.content() != null
                    && !(e.content() instanceof ContentDigests.Known)) {
                dev.jbuild.oci.Digest known = captured.get(e.path());
                if (known != null) {
                    e = e.withContent(e.size(), new ContentDigests.Known(known, e.content()));
                }
            }
            out.add(e);
        }
        return out;
    }

    /** Whether the layer's entries can be read from this store alone (its snapshot or its index), without a fetch. */
    static boolean local(Store store, Layer layer) {
        return store.snapshots().has(layer.diffId()) || Files.isRegularFile(LayerIndex.path(store.root(), layer.diffId()));
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
            out.add(withContent(store, layer, fetch, e, digests));
        }
        return out;
    }

    /** A file's entry with its content: read from the layer when asked for, its digest known when it was kept. */
    private static LayerEntry withContent(Store store, Layer layer, Fetch fetch, LayerEntry e,
            java.util.Map<String, dev.jbuild.oci.Digest> digests) {
        if (e.type() != LayerEntry.Type.FILE) {
            return e;
        }
        String path = e.path();
        LayerEntry.ContentSource content = () -> {
            fetch.ensure(layer);
            return open(store, layer, path);
        };
        dev.jbuild.oci.Digest known = digests == null ? null : digests.get(path);
        return e.withContent(e.size(), known == null ? content : new ContentDigests.Known(known, content));
    }

    /**
     * The layer's entries one path at a time, as {@link #entries} gives them, from its index's table; null when they
     * can only be read whole (a plain snapshot is where entries() reads them, or the index has no usable table).
     */
    static FileTree.Lookup lookup(Store store, Layer layer, Fetch fetch) {
        if (store.snapshots().has(layer.diffId())) {
            return null;
        }
        LayerIndex.Lookup index = LayerIndex.lookup(store.root(), layer.diffId());
        if (index == null) {
            return null;
        }
        return new FileTree.Lookup() {
            private java.util.Map<String, dev.jbuild.oci.Digest> digests;
            private boolean digestsRead;

            @Override
            public boolean hasWhiteouts() {
                return index.hasWhiteouts();
            }

            @Override
            public synchronized LayerEntry find(String path) {
                LayerEntry e = index.find(path);
                if (e == null || e.type() != LayerEntry.Type.FILE) {
                    return e;
                }
                if (!digestsRead) {
                    digests = ContentDigests.read(store.root(), layer.diffId());
                    digestsRead = true;
                }
                return withContent(store, layer, fetch, e, digests);
            }
        };
    }

    /**
     * A file of a layer, read from the layer's rootfs snapshot (unpacked when missing): the snapshot a RUN
     * mounts anyway, so that a layer is unpacked once, not a second time into a plain snapshot for a few
     * reads (/etc/passwd for HOME). The plain snapshot serves what the rootfs form cannot: a process that
     * may not make rootfs snapshots here, or a file its owner may not read there (owners not exact).
     */
    static java.io.InputStream open(Store store, Layer layer, String path) throws IOException {
        Path root = store.rootfs().existing(layer.diffId());
        try {
            if (root == null) {
                root = store.rootfs().ensure(layer);
            }
        } catch (IOException unsupported) {
            // no rootfs snapshots in this store for this process (e.g. no overlay whiteouts): the plain form
        }
        if (root != null) {
            try {
                return Files.newInputStream(root.resolve(path));
            } catch (java.nio.file.AccessDeniedException | java.nio.file.NoSuchFileException e) {
                // unreadable to a store owner without exact owners, or a name the overlay form does not keep
            }
        }
        return Files.newInputStream(store.snapshots().ensure(layer).resolve(path));
    }
}
