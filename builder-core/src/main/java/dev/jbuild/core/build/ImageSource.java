package dev.jbuild.core.build;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Layer;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.Store;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Images in the local store as FROM and COPY --from use them: config, layers and root filesystem. */
final class ImageSource {
    record Image(String reference, Digest manifestDigest, ImageConfig config, List<Descriptor> layers, FileTree tree) {}

    private final Store store;

    ImageSource(Store store) {
        this.store = store;
    }

    /** Finds a tag or digest reference in the local store; an error says what is there instead. */
    Image load(String name, Platform want) throws BuildException, IOException {
        Digest manifestDigest = resolve(name);
        byte[] json = store.blobs().read(manifestDigest);
        JsonNode node = OciJson.tree(json);
        String mediaType = node.path("mediaType").asText("");
        if (MediaType.isIndex(mediaType) || node.has("manifests")) {
            ImageIndex index = OciJson.read(json, ImageIndex.class);
            Descriptor chosen = null;
            List<String> available = new ArrayList<>();
            for (Descriptor d : index.manifests()) {
                if (d.platform() == null) {
                    continue;
                }
                available.add(d.platform().format());
                if (chosen == null && d.platform().os().equals(want.os())
                        && d.platform().architecture().equals(want.architecture())
                        && (want.variant().isEmpty() || d.platform().variant().equals(want.variant()))) {
                    chosen = d;
                }
            }
            if (chosen == null) {
                throw new BuildException("image " + name + " has no manifest for " + want.format()
                        + "; it has " + String.join(", ", available));
            }
            manifestDigest = chosen.digest();
            json = store.blobs().read(manifestDigest);
        }
        Manifest manifest = OciJson.read(json, Manifest.class);
        ImageConfig config = OciJson.read(store.blobs().read(manifest.config().digest()), ImageConfig.class);
        List<Digest> diffIds = config.rootfs() == null ? List.of() : config.rootfs().diffIds();
        if (diffIds.size() != manifest.layers().size()) {
            throw new BuildException("image " + name + " is inconsistent: " + manifest.layers().size()
                    + " layers but " + diffIds.size() + " diff ids");
        }
        FileTree tree = new FileTree();
        for (int i = 0; i < manifest.layers().size(); i++) {
            Descriptor d = manifest.layers().get(i);
            if (!store.blobs().has(d.digest())) {
                throw new BuildException("image " + name + ": layer " + d.digest() + " is missing from the store");
            }
            Layer layer = new Layer(d, diffIds.get(i));
            Path fs = store.snapshots().ensure(layer);
            List<LayerEntry> entries = new ArrayList<>();
            for (LayerEntry e : store.snapshots().entries(layer.diffId())) {
                if (e.type() == LayerEntry.Type.FILE) {
                    Path file = fs.resolve(e.path());
                    e = new LayerEntry(e.path(), e.type(), e.mode(), e.uid(), e.gid(), e.mtime(), e.size(),
                            e.linkTarget(), () -> Files.newInputStream(file), e.devMajor(), e.devMinor(), e.xattrs());
                }
                entries.add(e);
            }
            tree.apply(entries);
        }
        return new Image(name, manifestDigest, config, manifest.layers(), tree);
    }

    private Digest resolve(String name) throws BuildException, IOException {
        ImageReference ref;
        try {
            ref = ImageReference.parse(name);
        } catch (IllegalArgumentException e) {
            throw new BuildException("invalid image reference \"" + name + "\": " + e.getMessage());
        }
        if (ref.digest() != null && store.blobs().has(ref.digest())) {
            return ref.digest();
        }
        if (ref.tag() == null && ref.digest() == null) {
            ref = ref.withTag(ImageReference.DEFAULT_TAG);
        }
        Optional<Digest> d = store.images().resolve(ref.toString());
        if (d.isEmpty()) {
            throw new BuildException("image \"" + name + "\" (" + ref + ") is not in the local store; "
                    + "load it with 'jbuild load' (pulling from registries is not available yet)");
        }
        return d.get();
    }
}
