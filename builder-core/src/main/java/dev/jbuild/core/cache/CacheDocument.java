package dev.jbuild.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.store.StepCache;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The step index of an exported cache: the step cache's entries (key, parent key, instruction, inputs by name and
 * digest, the layer made) exactly as the local index keeps them, each with the descriptor of its layer's header
 * index when there is one, and the cache mounts exported with it. It is the config blob of a cache artifact, and
 * the value of the image config field {@value #INLINE_FIELD} for inline cache.
 *
 * <pre>
 * {"schemaVersion": 1,
 *  "steps":  [{"key": "sha256:…", "parent": "sha256:…", "instruction": "RUN …", "inputs": [{"name", "digest",
 *              "display"}…], "layer": {"mediaType", "digest", "size"}, "diffId": "sha256:…",
 *              "layerIndex": {"mediaType", "digest", "size"}, "contentDigests": {…}}…],
 *  "mounts": [{"id": "/root/.m2", "layer": {…}, "diffId": "sha256:…"}…]}
 * </pre>
 *
 * Inputs carry digests and the values a build shows anyway (build args, environment); never a secret's value, since
 * secrets are never step inputs, and never registry credentials.
 */
public record CacheDocument(List<Step> steps, List<MountLayer> mounts) {
    /** The artifact type of a cache manifest. */
    public static final String ARTIFACT_TYPE = "application/vnd.jbuild.cache.v1";
    /** The media type of the document as the cache manifest's config. */
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.jbuild.cache.config.v1+json";
    /** The media type of a layer's header index (the store's layerindex file, as is). */
    public static final String LAYER_INDEX_MEDIA_TYPE = "application/vnd.jbuild.layer.index.v1";
    /** The media type of the sha256 of a layer's files ({@code HEX<TAB>PATH} lines). */
    public static final String CONTENT_DIGESTS_MEDIA_TYPE = "application/vnd.jbuild.layer.digests.v1";
    /** The annotation naming the cache mount a layer holds. */
    public static final String MOUNT_ANNOTATION = "dev.jbuild.cache.mount";
    /** The image config field of inline cache (BuildKit's is {@code moby.buildkit.cache.v0}). */
    public static final String INLINE_FIELD = "dev.jbuild.cache.v1";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A step entry, its layer's header index and the digests of the layer's files when exported with it (null: read
     * the layer itself).
     */
    public record Step(StepCache.Entry entry, Descriptor layerIndex, Descriptor contentDigests) {
        public Step(StepCache.Entry entry, Descriptor layerIndex) {
            this(entry, layerIndex, null);
        }
    }

    /** A {@code RUN --mount=type=cache} directory as a tar layer. */
    public record MountLayer(String id, Descriptor layer, Digest diffId) {}

    public CacheDocument {
        steps = List.copyOf(steps);
        mounts = List.copyOf(mounts);
    }

    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("schemaVersion", 1);
        ArrayNode s = n.putArray("steps");
        for (Step st : steps) {
            ObjectNode e = StepCache.toJson(st.entry());
            // Not when the layer was made: that depends on which build made it first on this machine, and an inline
            // cache is part of the image's config, which SOURCE_DATE_EPOCH keeps byte-identical on any machine. A
            // step taken from such a cache gets the time of the build that first uses it.
            e.remove("created");
            if (st.layerIndex() != null) {
                e.set("layerIndex", descriptor(st.layerIndex()));
            }
            if (st.contentDigests() != null) {
                e.set("contentDigests", descriptor(st.contentDigests()));
            }
            s.add(e);
        }
        if (!mounts.isEmpty()) {
            ArrayNode m = n.putArray("mounts");
            for (MountLayer ml : mounts) {
                ObjectNode o = m.addObject();
                o.put("id", ml.id());
                o.set("layer", descriptor(ml.layer()));
                o.put("diffId", ml.diffId().toString());
            }
        }
        return n;
    }

    public byte[] bytes() {
        try {
            return JSON.writeValueAsBytes(toJson());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a document; an IllegalArgumentException naming what is wrong when it is not one. */
    public static CacheDocument parse(byte[] json) {
        try {
            return parse(JSON.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage());
        }
    }

    public static CacheDocument parse(JsonNode n) {
        if (n == null || n.path("schemaVersion").asInt() != 1) {
            throw new IllegalArgumentException("not a jbuild cache (schemaVersion 1)");
        }
        List<Step> steps = new ArrayList<>();
        List<MountLayer> mounts = new ArrayList<>();
        try {
            for (JsonNode e : n.path("steps")) {
                steps.add(new Step(StepCache.fromJson(e), e.has("layerIndex") ? descriptor(e.path("layerIndex")) : null,
                        e.has("contentDigests") ? descriptor(e.path("contentDigests")) : null));
            }
            for (JsonNode m : n.path("mounts")) {
                mounts.add(new MountLayer(m.path("id").asText(), descriptor(m.path("layer")),
                        Digest.parse(m.path("diffId").asText())));
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a malformed step or mount: " + e.getMessage(), e);
        }
        return new CacheDocument(steps, mounts);
    }

    private static ObjectNode descriptor(Descriptor d) {
        ObjectNode o = JSON.createObjectNode();
        o.put("mediaType", d.mediaType());
        o.put("digest", d.digest().toString());
        o.put("size", d.size());
        return o;
    }

    private static Descriptor descriptor(JsonNode n) {
        return new Descriptor(n.path("mediaType").asText(), Digest.parse(n.path("digest").asText()),
                n.path("size").asLong());
    }
}
