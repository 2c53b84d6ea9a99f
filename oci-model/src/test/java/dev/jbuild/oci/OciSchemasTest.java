package dev.jbuild.oci;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validator itself: it must accept what the spec allows and reject what it forbids. */
class OciSchemasTest {
    private final OciSchemas schemas = OciSchemas.shared();

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static String manifestJson() {
        return new String(OciJson.write(Fixtures.ociManifest()), UTF_8);
    }

    @Test
    void acceptsWhatWeWrite() {
        schemas.assertValid(MediaType.OCI_MANIFEST, OciJson.write(Fixtures.ociManifest()));
        schemas.assertValid(MediaType.OCI_INDEX, OciJson.write(Fixtures.ociIndex()));
        schemas.assertValid(MediaType.OCI_CONFIG, OciJson.write(Fixtures.fullConfig()));
        schemas.assertValid(OciLayout.FILE, OciJson.write(OciLayout.CURRENT));
        schemas.assertValid(OciSchemas.Kind.DESCRIPTOR, OciJson.write(Fixtures.ociManifest().config()));
    }

    @Test
    void acceptsAnOciLayoutIndexJson() {
        Manifest m = Fixtures.ociManifest();
        byte[] manifest = OciJson.write(m);
        Descriptor d = new Descriptor(MediaType.OCI_MANIFEST, Digest.sha256(manifest), manifest.length)
                .withAnnotations(Map.of(Annotations.REF_NAME, "latest",
                        Annotations.CONTAINERD_IMAGE_NAME, "docker.io/library/demo:latest"));
        assertEquals("index.json", OciLayout.INDEX_FILE);
        schemas.assertValid(MediaType.OCI_INDEX, OciJson.write(ImageIndex.oci(List.of(d), Map.of())));
    }

    @Test
    void rejectsABadDigest() {
        String bad = manifestJson().replace(Fixtures.LAYER_1.toString(), "sha256:not a digest!");
        assertFalse(schemas.errors(MediaType.OCI_MANIFEST, bytes(bad)).isEmpty());
        // matches the schema's pattern but not go-digest's rules for sha256
        String shortHex = manifestJson().replace(Fixtures.LAYER_1.toString(), "sha256:abc123");
        List<String> errors = schemas.errors(MediaType.OCI_MANIFEST, bytes(shortHex));
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("layers[0].digest"), errors.toString());
        String upper = manifestJson().replace(Fixtures.CONFIG.hex(), Fixtures.CONFIG.hex().toUpperCase());
        assertFalse(schemas.errors(MediaType.OCI_MANIFEST, bytes(upper)).isEmpty());
        // unknown algorithms pass, as upstream
        String other = manifestJson().replace(Fixtures.LAYER_1.toString(), "blake3:abc123");
        assertEquals(List.of(), schemas.errors(MediaType.OCI_MANIFEST, bytes(other)));
    }

    @Test
    void rejectsAMissingMediaType() {
        String bad = manifestJson().replaceFirst("\"mediaType\":\"application/vnd.oci.image.config.v1\\+json\",", "");
        assertFalse(bad.contains(MediaType.OCI_CONFIG));
        List<String> errors = schemas.errors(MediaType.OCI_MANIFEST, bytes(bad));
        assertFalse(errors.isEmpty());
        assertTrue(errors.toString().contains("mediaType"), errors.toString());
        AssertionError e = assertThrows(AssertionError.class, () -> schemas.assertValid(MediaType.OCI_MANIFEST,
                bytes(bad)));
        assertTrue(e.getMessage().contains("mediaType"), e.getMessage());
    }

    @Test
    void rejectsOtherViolations() {
        assertFalse(schemas.errors(MediaType.OCI_MANIFEST, bytes(manifestJson().replace("\"schemaVersion\":2",
                "\"schemaVersion\":1"))).isEmpty());
        assertFalse(schemas.errors(MediaType.OCI_MANIFEST, bytes(manifestJson().replace("\"size\":1234",
                "\"size\":-1"))).isEmpty());
        assertFalse(schemas.errors(MediaType.OCI_INDEX, bytes("{\"schemaVersion\":2}")).isEmpty());
        assertFalse(schemas.errors(OciLayout.FILE, bytes("{\"imageLayoutVersion\":\"2.0.0\"}")).isEmpty());
        assertFalse(schemas.errors(MediaType.OCI_CONFIG, bytes("{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[]}}")).isEmpty(), "architecture is required");
        assertFalse(schemas.errors(MediaType.OCI_CONFIG, bytes("{\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"created\":\"yesterday\"}")).isEmpty(),
                "created must be a date-time");
        assertFalse(schemas.errors(MediaType.OCI_CONFIG, bytes("not json")).isEmpty());
    }

    @Test
    void rejectsEnvWithoutEquals() {
        ImageConfig c = Fixtures.minimalConfig().withConfig(ContainerConfig.EMPTY.withEnv(List.of("PATH")));
        List<String> errors = schemas.errors(MediaType.OCI_CONFIG, OciJson.write(c));
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("Env"), errors.toString());
    }

    @Test
    void aManifestWithoutLayersIsInvalidPerSchema() {
        // The schema asks for at least one layer; the model allows none (FROM scratch with metadata only).
        byte[] b = OciJson.write(Manifest.oci(Fixtures.ociManifest().config(), List.of(), null));
        assertFalse(schemas.errors(MediaType.OCI_MANIFEST, b).isEmpty());
    }

    @Test
    void missingSchemaDirectoryFailsLoudly(@TempDir Path tmp) throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OciSchemas.load(tmp.resolve("nope")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        Files.writeString(tmp.resolve("defs.json"), "{}");
        e = assertThrows(IllegalStateException.class, () -> OciSchemas.load(tmp));
        assertTrue(e.getMessage().contains("defs-descriptor.json"), e.getMessage());
    }

    @Test
    void unknownMediaTypeHasNoSchema() {
        assertThrows(IllegalArgumentException.class, () -> OciSchemas.kindOf("text/plain"));
        assertEquals(OciSchemas.Kind.MANIFEST, OciSchemas.kindOf(MediaType.DOCKER_MANIFEST));
    }
}
