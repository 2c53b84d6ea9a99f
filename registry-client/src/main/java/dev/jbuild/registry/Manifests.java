package dev.jbuild.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import java.util.HexFormat;

/** Media types and digests of manifest documents as they come from registries and the store. */
final class Manifests {
    private Manifests() {}

    /** What pulls accept: both index kinds and both manifest kinds. */
    static final String ACCEPT = String.join(", ", MediaType.OCI_INDEX, MediaType.DOCKER_MANIFEST_LIST,
            MediaType.OCI_MANIFEST, MediaType.DOCKER_MANIFEST);
    static final long MAX_MANIFEST_SIZE = 4L * 1024 * 1024;
    static final String SCHEMA1 = "application/vnd.docker.distribution.manifest.v1";

    /**
     * The media type of a manifest document: its {@code mediaType} field, else the Content-Type it came with
     * (when that is a manifest or index type), else guessed from its shape ({@code manifests} = OCI index,
     * {@code config} = OCI manifest). IllegalArgumentException for what is not JSON.
     */
    static String mediaType(byte[] bytes, String contentType) {
        JsonNode n = OciJson.tree(bytes);
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String mt = n.path("mediaType").asText("");
        if (!mt.isEmpty()) {
            return mt;
        }
        String ct = contentType == null ? "" : contentType.split(";")[0].trim();
        if (MediaType.isIndex(ct) || MediaType.isManifest(ct) || ct.startsWith(SCHEMA1)) {
            return ct;
        }
        if (n.path("schemaVersion").asInt(0) == 1) {
            return SCHEMA1 + "+json";
        }
        if (n.has("manifests")) {
            return MediaType.OCI_INDEX;
        }
        if (n.has("config")) {
            return MediaType.OCI_MANIFEST;
        }
        return ct;
    }

    static Digest digest(byte[] bytes, String algorithm) {
        return new Digest(algorithm, HexFormat.of().formatHex(Digest.newMessageDigest(algorithm).digest(bytes)));
    }
}
