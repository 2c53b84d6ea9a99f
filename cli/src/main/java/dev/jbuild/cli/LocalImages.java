package dev.jbuild.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.core.output.Exporter;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Images of the local store as the image commands see them: a user's reference resolved the way
 * docker resolves it (a name normalised with {@link ImageReference}, {@code busybox} meaning
 * {@code docker.io/library/busybox:latest}; a full or abbreviated image id; a manifest digest),
 * and the manifest and config read from the store.
 */
final class LocalImages {
    private static final Pattern HEX = Pattern.compile("[a-f0-9]{1,64}");
    /** Blobs larger than this are not manifests (when scanning for an untagged image). */
    private static final long MAX_MANIFEST = 4 * 1024 * 1024;

    private final Store store;

    LocalImages(Store store) {
        this.store = store;
    }

    /**
     * An image of the store.
     *
     * @param digest         what the reference resolved to (a manifest, or an index)
     * @param descriptor     the descriptor of {@code digest}
     * @param index          the index, when {@code digest} is one (else null)
     * @param manifestDigest the platform manifest chosen (== digest unless an index)
     * @param manifestBytes  its stored bytes
     * @param configBytes    the config's stored bytes
     */
    record Image(Digest digest, Descriptor descriptor, ImageIndex index, byte[] indexBytes, Descriptor manifestDescriptor,
            byte[] manifestBytes, Manifest manifest, byte[] configBytes, ImageConfig config) {
        /** docker's image id: the config digest. */
        Digest id() {
            return manifest.config().digest();
        }

        /** Layer and config blob sizes. */
        long size() {
            long s = manifest.config().size();
            for (Descriptor l : manifest.layers()) {
                s += l.size();
            }
            return s;
        }

        Exporter.Image export(List<String> tags) {
            return new Exporter.Image(manifestDescriptor, manifest, config, tags);
        }
    }

    /** A reference that names nothing in the store. */
    static final class NotFound extends Exception {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message);
        }
    }

    /**
     * Normalises a name for tagging ({@code foo} → {@code docker.io/library/foo:latest}); a digest
     * reference cannot be a tag. IllegalArgumentException names the input.
     */
    static ImageReference tagReference(String name) {
        return dev.jbuild.core.output.Publication.tagReference(name);
    }

    /** Resolves a reference the user typed to the digest its tag (or id) points at. */
    Digest resolve(String input) throws IOException, NotFound {
        String s = input.trim();
        String hex = s.startsWith("sha256:") ? s.substring("sha256:".length()) : null;
        if (hex != null || s.length() == 64 && HEX.matcher(s).matches()) {
            Digest d;
            try {
                d = new Digest("sha256", hex != null ? hex : s);
            } catch (IllegalArgumentException e) {
                return byPrefix(input, hex);
            }
            return byDigest(input, d);
        }
        ImageReference ref;
        try {
            ref = ImageReference.parse(s);
        } catch (IllegalArgumentException e) {
            if (HEX.matcher(s).matches()) {
                return byPrefix(input, s);
            }
            throw new NotFound(e.getMessage());
        }
        if (ref.digest() != null && store.blobs().has(ref.digest())) {
            return ref.digest();
        }
        Optional<Digest> tagged = store.images().resolve(ref.toString());
        if (tagged.isPresent()) {
            return tagged.get();
        }
        if (HEX.matcher(s).matches() && s.length() >= 4) {
            try {
                return byPrefix(input, s);
            } catch (NotFound ignored) {
                // report the name, which is what the user most likely meant
            }
        }
        throw new NotFound("No such image: " + input + (input.equals(ref.toString()) ? "" : " (" + ref + ")"));
    }

    /** Resolves and reads. */
    Image get(String input) throws IOException, NotFound {
        Digest d = resolve(input);
        try {
            return read(d);
        } catch (IllegalArgumentException e) {
            throw new IOException("image " + input + " (" + d + "): " + e.getMessage(), e);
        }
    }

    /** Reads the image a tag points at: its manifest (the host platform's, for an index) and config. */
    Image read(Digest digest) throws IOException {
        byte[] bytes = store.blobs().read(digest);
        JsonNode node = OciJson.tree(bytes);
        String mediaType = node.path("mediaType").asText("");
        Descriptor top = new Descriptor(mediaType.isEmpty() ? MediaType.OCI_MANIFEST : mediaType, digest, bytes.length);
        ImageIndex index = null;
        byte[] indexBytes = null;
        Descriptor manifestDescriptor = top;
        byte[] manifestBytes = bytes;
        if (MediaType.isIndex(mediaType) || node.has("manifests")) {
            index = OciJson.read(bytes, ImageIndex.class);
            indexBytes = bytes;
            manifestDescriptor = choose(index, digest);
            manifestBytes = store.blobs().read(manifestDescriptor.digest());
        }
        Manifest manifest = OciJson.read(manifestBytes, Manifest.class);
        byte[] configBytes = store.blobs().read(manifest.config().digest());
        ImageConfig config = OciJson.read(configBytes, ImageConfig.class);
        return new Image(digest, top, index, indexBytes, manifestDescriptor, manifestBytes, manifest, configBytes,
                config);
    }

    private Descriptor choose(ImageIndex index, Digest digest) throws IOException {
        Platform want = Platform.host();
        Descriptor first = null;
        for (Descriptor d : index.manifests()) {
            if (!MediaType.isManifest(d.mediaType()) || !store.blobs().has(d.digest())) {
                continue;
            }
            if (first == null) {
                first = d;
            }
            if (d.platform() != null && d.platform().os().equals(want.os())
                    && d.platform().architecture().equals(want.architecture())) {
                return d;
            }
        }
        if (first == null) {
            throw new IOException("image index " + digest + " has no manifest in the store");
        }
        return first;
    }

    /** Every tag pointing at {@code digest}, in docker's short form, sorted. */
    List<String> repoTags(Digest digest) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (Map.Entry<String, Digest> e : store.images().tags().entrySet()) {
            if (e.getValue().equals(digest)) {
                out.add(familiar(e.getKey()));
            }
        }
        return new ArrayList<>(out);
    }

    /** Every tag (full reference) pointing at {@code digest}. */
    List<String> tagsOf(Digest digest) throws IOException {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Digest> e : store.images().tags().entrySet()) {
            if (e.getValue().equals(digest)) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    static String familiar(String stored) {
        try {
            return ImageReference.parse(stored).familiar();
        } catch (IllegalArgumentException e) {
            return stored;
        }
    }

    /** A full digest: a tagged manifest or index, a manifest blob, or an image id (config digest). */
    private Digest byDigest(String input, Digest d) throws IOException, NotFound {
        SortedMap<String, Digest> tags = store.images().tags();
        if (tags.containsValue(d)) {
            return d;
        }
        for (Digest target : new TreeSet<>(tags.values())) {
            if (configOf(target).map(d::equals).orElse(false)) {
                return target;
            }
        }
        if (store.blobs().has(d)) {
            JsonNode node = readSmallJson(d);
            if (node != null && (node.has("layers") || node.has("manifests")) && node.has("schemaVersion")) {
                return d;
            }
            // an image id of an untagged image: find a manifest with that config
            try (var blobs = store.blobs().list()) {
                for (Digest b : (Iterable<Digest>) blobs::iterator) {
                    JsonNode m = readSmallJson(b);
                    if (m != null && m.has("layers") && d.toString().equals(m.path("config").path("digest").asText())) {
                        return b;
                    }
                }
            }
        }
        throw new NotFound("No such image: " + input);
    }

    /** An abbreviated id (or manifest digest) of a tagged image, as docker accepts them. */
    private Digest byPrefix(String input, String prefix) throws IOException, NotFound {
        if (prefix == null || prefix.isEmpty() || !HEX.matcher(prefix).matches()) {
            throw new NotFound("No such image: " + input);
        }
        TreeSet<Digest> matches = new TreeSet<>();
        for (Digest target : new TreeSet<>(store.images().tags().values())) {
            Optional<Digest> config = configOf(target);
            if (target.hex().startsWith(prefix) || config.isPresent() && config.get().hex().startsWith(prefix)) {
                matches.add(target);
            }
        }
        if (matches.isEmpty()) {
            throw new NotFound("No such image: " + input);
        }
        if (matches.size() > 1) {
            TreeSet<Digest> ids = new TreeSet<>();
            for (Digest m : matches) {
                configOf(m).ifPresent(ids::add);
            }
            if (ids.size() > 1) {
                throw new NotFound("image id prefix " + input + " is ambiguous: it matches " + ids.size() + " images");
            }
        }
        return matches.first();
    }

    private Optional<Digest> configOf(Digest target) {
        try {
            return Optional.of(read(target).id());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private JsonNode readSmallJson(Digest d) {
        try {
            if (store.blobs().size(d) > MAX_MANIFEST) {
                return null;
            }
            try (java.io.InputStream in = store.blobs().open(d)) {
                int first = in.read();
                if (first != '{') {
                    return null; // a layer, not a JSON document: stop reading it here
                }
                byte[] rest = in.readAllBytes();
                byte[] b = new byte[rest.length + 1];
                b[0] = '{';
                System.arraycopy(rest, 0, b, 1, rest.length);
                return OciJson.tree(b);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
