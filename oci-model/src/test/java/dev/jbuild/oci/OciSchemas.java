package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.InputStreamSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates JSON against the OCI image-spec JSON Schemas kept in {@code ${jbuild.shared.dir}/conformance/
 * oci-image-spec/schema/}, offline, plus the checks upstream's validator adds that the schemas cannot express
 * (config {@code Env} entries are {@code KEY=value}; digests of known algorithms are lower-case hex of the right
 * length, checked here for every descriptor and diff ID, not only the top-level one as upstream does).
 *
 * <p>For tests in any module (oci-model's test-jar; also declare {@code com.networknt:json-schema-validator}
 * test-scoped). A missing schema directory or file is an {@link IllegalStateException}, never a skip; any
 * {@code $ref} outside the known schema files fails rather than reaching the network.
 *
 * <pre>{@code OciSchemas.shared().assertValid(MediaType.OCI_MANIFEST, OciJson.write(manifest));}</pre>
 */
public final class OciSchemas {
    /** What a document is; Docker's media types map to the OCI kind of the same shape. */
    public enum Kind {
        CONFIG("config-schema.json", "https://opencontainers.org/schema/image/config"),
        MANIFEST("image-manifest-schema.json", "https://opencontainers.org/schema/image/manifest"),
        INDEX("image-index-schema.json", "https://opencontainers.org/schema/image/index"),
        LAYOUT("image-layout-schema.json", "https://opencontainers.org/schema/image/layout"),
        DESCRIPTOR("content-descriptor.json", "https://opencontainers.org/schema/descriptor");

        final String file;
        final String id;

        Kind(String file, String id) {
            this.file = file;
            this.id = id;
        }
    }

    /** The system property surefire sets (from the parent pom) to the shared directory. */
    public static final String SHARED_DIR_PROPERTY = "jbuild.shared.dir";
    private static final String PREFIX = "https://opencontainers.org/schema/";
    private static final List<String> SHARED_FILES = List.of("defs.json", "defs-descriptor.json",
            "content-descriptor.json");
    private static final Pattern ENV = Pattern.compile("^[^=]+=.*$", Pattern.DOTALL);
    private static final Map<String, Integer> HEX_LENGTH = Map.of("sha256", 64, "sha384", 96, "sha512", 128);
    private static final Pattern LOWER_HEX = Pattern.compile("[a-f0-9]+");
    private static OciSchemas shared;

    private final Path dir;
    private final Map<String, String> files = new HashMap<>();
    private final Map<Kind, JsonSchema> schemas = new EnumMap<>(Kind.class);
    private final ObjectMapper mapper = new ObjectMapper();

    /** The schemas under {@code ${jbuild.shared.dir}/conformance/oci-image-spec/schema}, loaded once. */
    public static synchronized OciSchemas shared() {
        if (shared == null) {
            String base = System.getProperty(SHARED_DIR_PROPERTY);
            if (base == null || base.isEmpty()) {
                throw new IllegalStateException("system property " + SHARED_DIR_PROPERTY + " is not set: run the"
                        + " tests through Maven (surefire sets it from the parent pom) or pass -D"
                        + SHARED_DIR_PROPERTY + "=<path to shared>");
            }
            shared = load(Path.of(base, "conformance", "oci-image-spec", "schema"));
        }
        return shared;
    }

    /** The directory the shared schemas were loaded from. */
    public Path dir() {
        return dir;
    }

    /** Loads the seven schema files from a directory; fails if any is missing. */
    public static OciSchemas load(Path schemaDir) {
        return new OciSchemas(schemaDir);
    }

    private OciSchemas(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(this.dir)) {
            throw new IllegalStateException("OCI image-spec schema directory not found: " + this.dir
                    + " (expected the image-spec schemas from shared/conformance/oci-image-spec)");
        }
        List<String> needed = new ArrayList<>(SHARED_FILES);
        for (Kind k : Kind.values()) {
            if (!needed.contains(k.file)) {
                needed.add(k.file);
            }
        }
        for (String f : needed) {
            Path p = this.dir.resolve(f);
            try {
                files.put(f, Files.readString(p, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read OCI schema " + p + ": " + e, e);
            }
        }
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4,
                b -> b.schemaLoaders(l -> l.add(this::source)));
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        for (Kind k : Kind.values()) {
            schemas.put(k, factory.getSchema(SchemaLocation.of(k.id), config));
        }
    }

    /**
     * The offline copy for a schema URI: the five root ids, and any URI under the OCI prefix whose last segment
     * names a shared file (relative refs resolve against differing "directories", see NOTICE.md). Anything
     * else fails, so that validation can never reach the network.
     */
    private InputStreamSource source(com.networknt.schema.AbsoluteIri iri) {
        String uri = iri.toString();
        int hash = uri.indexOf('#');
        if (hash >= 0) {
            uri = uri.substring(0, hash);
        }
        String file = null;
        for (Kind k : Kind.values()) {
            if (k.id.equals(uri)) {
                file = k.file;
            }
        }
        if (file == null && uri.startsWith(PREFIX)) {
            String last = uri.substring(uri.lastIndexOf('/') + 1);
            if (SHARED_FILES.contains(last)) {
                file = last;
            }
        }
        if (file == null) {
            throw new IllegalStateException("OciSchemas: no offline copy of schema " + iri + " in " + dir
                    + " (refusing to fetch it)");
        }
        byte[] bytes = files.get(file).getBytes(StandardCharsets.UTF_8);
        return () -> new ByteArrayInputStream(bytes);
    }

    /** The kind for a media type (OCI or Docker), or for the {@code oci-layout} file name. */
    public static Kind kindOf(String mediaType) {
        return switch (mediaType) {
            case MediaType.OCI_CONFIG, MediaType.DOCKER_CONFIG -> Kind.CONFIG;
            case MediaType.OCI_MANIFEST, MediaType.DOCKER_MANIFEST -> Kind.MANIFEST;
            case MediaType.OCI_INDEX, MediaType.DOCKER_MANIFEST_LIST -> Kind.INDEX;
            case OciLayout.FILE -> Kind.LAYOUT;
            case "application/vnd.oci.descriptor.v1+json" -> Kind.DESCRIPTOR;
            default -> throw new IllegalArgumentException("no OCI schema for media type " + mediaType);
        };
    }

    /** Every problem found, empty when valid. Unparseable JSON is one problem. */
    public List<String> errors(Kind kind, byte[] json) {
        JsonNode node;
        try {
            node = mapper.readTree(json);
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
        if (node == null) {
            return List.of("empty document");
        }
        List<String> errors = new ArrayList<>();
        for (ValidationMessage m : schemas.get(kind).validate(node)) {
            errors.add(m.getMessage());
        }
        switch (kind) {
            case CONFIG -> {
                for (JsonNode e : node.path("config").path("Env")) {
                    if (!e.isTextual() || !ENV.matcher(e.asText()).matches()) {
                        errors.add("config.Env: unexpected env " + e + " (must be KEY=value)");
                    }
                }
                int i = 0;
                for (JsonNode d : node.path("rootfs").path("diff_ids")) {
                    checkDigest("rootfs.diff_ids[" + i++ + "]", d, errors);
                }
            }
            case MANIFEST -> {
                checkDescriptor("config", node.path("config"), errors);
                int i = 0;
                for (JsonNode d : node.path("layers")) {
                    checkDescriptor("layers[" + i++ + "]", d, errors);
                }
                checkDescriptor("subject", node.path("subject"), errors);
            }
            case INDEX -> {
                int i = 0;
                for (JsonNode d : node.path("manifests")) {
                    checkDescriptor("manifests[" + i++ + "]", d, errors);
                }
                checkDescriptor("subject", node.path("subject"), errors);
            }
            case DESCRIPTOR -> checkDescriptor("$", node, errors);
            case LAYOUT -> { }
            default -> throw new IllegalStateException(kind.toString());
        }
        return errors;
    }

    public List<String> errors(String mediaType, byte[] json) {
        return errors(kindOf(mediaType), json);
    }

    /** Throws an AssertionError listing every problem and the document. */
    public void assertValid(Kind kind, byte[] json) {
        List<String> errors = errors(kind, json);
        if (!errors.isEmpty()) {
            throw new AssertionError("invalid " + kind + " per the OCI image-spec schema: " + errors + "\n"
                    + new String(json, StandardCharsets.UTF_8));
        }
    }

    public void assertValid(String mediaType, byte[] json) {
        assertValid(kindOf(mediaType), json);
    }

    private static void checkDescriptor(String where, JsonNode d, List<String> errors) {
        if (d.isObject()) {
            checkDigest(where + ".digest", d.path("digest"), errors);
        }
    }

    /** go-digest's Validate: known algorithms need lower-case hex of their length; unknown ones pass. */
    private static void checkDigest(String where, JsonNode d, List<String> errors) {
        if (!d.isTextual()) {
            return; // the schema reports the type
        }
        String s = d.asText();
        int colon = s.indexOf(':');
        if (colon <= 0) {
            errors.add(where + ": invalid checksum digest format: " + s);
            return;
        }
        Integer len = HEX_LENGTH.get(s.substring(0, colon));
        String hex = s.substring(colon + 1);
        if (len != null && !LOWER_HEX.matcher(hex).matches()) {
            errors.add(where + ": invalid checksum digest format: " + s);
        } else if (len != null && hex.length() != len) {
            errors.add(where + ": invalid checksum digest length: " + s);
        }
    }

    @Override
    public String toString() {
        return "OciSchemas(" + dir + ")";
    }
}
