package dev.jbuild.oci;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class OciJsonTest {
    private static String json(Object o) {
        return new String(OciJson.write(o), UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    // ------------------------------------------------------------ determinism

    @Test
    void sameObjectSameBytes() {
        ImageConfig c = Fixtures.fullConfig();
        assertArrayEquals(OciJson.write(c), OciJson.write(c));
        assertArrayEquals(OciJson.write(c), OciJson.write(Fixtures.fullConfig()));
        assertEquals(OciJson.digest(c), OciJson.digest(Fixtures.fullConfig()));
    }

    @Test
    void mapOrderDoesNotMatter() {
        Map<String, String> a = new LinkedHashMap<>();
        Map<String, String> b = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            a.put("key-" + i, "v" + i);
        }
        for (int i = 49; i >= 0; i--) {
            b.put("key-" + i, "v" + i);
        }
        ContainerConfig ca = ContainerConfig.EMPTY.withLabels(a);
        ContainerConfig cb = ContainerConfig.EMPTY.withLabels(new HashMap<>(b));
        assertArrayEquals(OciJson.write(ca), OciJson.write(cb));
        assertEquals(ca, cb);

        Descriptor da = new Descriptor(MediaType.OCI_LAYER, Fixtures.LAYER_1, 1).withAnnotations(a);
        Descriptor db = new Descriptor(MediaType.OCI_LAYER, Fixtures.LAYER_1, 1).withAnnotations(b);
        assertArrayEquals(OciJson.write(Manifest.oci(da, List.of(db), b)), OciJson.write(Manifest.oci(db, List.of(da), a)));
    }

    @Test
    void keysSortInGoByteOrderNotJavaCharOrder() {
        // U+FB01 sorts after U+1F600 in UTF-16 (surrogate D83D < FB01) but before it in UTF-8 / code points.
        Map<String, String> labels = new TreeMap<>(Map.of("\ud83d\ude00", "smile", "\ufb01", "fi"));
        assertEquals("{\"Labels\":{\"\ufb01\":\"fi\",\"\ud83d\ude00\":\"smile\"}}",
                json(ContainerConfig.EMPTY.withLabels(labels)));
    }

    @Test
    void compactUtf8WithoutTrailingNewline() {
        byte[] b = OciJson.write(Fixtures.ociIndex());
        assertFalse(new String(b, UTF_8).contains("\n"));
        assertFalse(new String(b, UTF_8).contains(": "));
        assertEquals('}', b[b.length - 1]);
        assertArrayEquals(bytes("{\"Labels\":{\"k\":\"grüße\"}}"),
                OciJson.write(ContainerConfig.EMPTY.withLabels(Map.of("k", "grüße"))));
    }

    // ------------------------------------------------------------ escaping

    @Test
    void escapesAsGoEncodingJson() {
        // Expected bytes are Go's json.Marshal output for the same strings (Go 1.22+: \b and \f short).
        List<String> in = List.of("<>&", "\u2028\u2029", "\u0000\u0001\u001f\u007f", "\n\r\t\"\\", "é€\ud83d\ude00",
                "\b\f", "/");
        String expected = "[\"\\u003c\\u003e\\u0026\",\"\\u2028\\u2029\",\"\\u0000\\u0001\\u001f\u007f\","
                + "\"\\n\\r\\t\\\"\\\\\",\"é€\ud83d\ude00\",\"\\b\\f\",\"/\"]";
        assertEquals(expected, json(in));
    }

    @Test
    void escapesKeysToo() {
        assertEquals("{\"Labels\":{\"a\\u003cb\":\"x\\u0026y\"}}",
                json(ContainerConfig.EMPTY.withLabels(Map.of("a<b", "x&y"))));
    }

    @Test
    void escapedInputReadsBackToTheSameString() {
        ContainerConfig c = OciJson.read(bytes("{\"Env\":[\"A=\\u003c\\u00e9\\u2028\"]}"), ContainerConfig.class);
        assertEquals(List.of("A=<é\u2028"), c.env());
    }

    // ------------------------------------------------------------ omission rules

    @Test
    void emptyValuesAreOmittedAsGoOmitempty() {
        assertEquals("{}", json(ContainerConfig.EMPTY));
        assertEquals("{}", json(new ContainerConfig("", java.util.Set.of(), List.of(), List.of(), List.of(), java.util.Set.of(), "",
                Map.of(), "", false, null, List.of(), List.of(), Map.of())));
        assertEquals("{\"ArgsEscaped\":true}", json(ContainerConfig.EMPTY.withArgsEscaped(true)));
        assertEquals(ContainerConfig.EMPTY, ContainerConfig.EMPTY.withUser("").withCmd(null));
        assertEquals("{}", json(new History(null, "", null, null, false)));
        assertEquals("{\"created_by\":\"x\",\"empty_layer\":true}", json(History.empty(null, "x", null)));
    }

    @Test
    void healthcheckZeroDurationsAreOmitted() {
        assertEquals("{\"Test\":[\"NONE\"]}", json(Healthcheck.none()));
        assertEquals("{}", json(new Healthcheck(null, null, null, null, null, 0)));
        assertEquals("{\"Healthcheck\":{}}", json(ContainerConfig.EMPTY.withHealthcheck(
                new Healthcheck(List.of(), Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, 0))));
        assertEquals("{\"Interval\":1500000000,\"Retries\":2}",
                json(new Healthcheck(null, Duration.ofMillis(1500), null, null, null, 2)));
    }

    @Test
    void requiredFieldsAreAlwaysWritten() {
        assertEquals("{\"architecture\":\"\",\"config\":{},\"os\":\"\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[]}}", json(new ImageConfig(null, null, null, null, null, null, null, null, null,
                        null, null)));
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"sha256:"
                + "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[]}",
                json(Manifest.oci(new Descriptor(MediaType.OCI_EMPTY, Digest.sha256(bytes("{}")), 2), List.of(),
                        null)));
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                + "\"manifests\":[]}", json(ImageIndex.oci(List.of(), Map.of())));
    }

    // ------------------------------------------------------------ reading

    @Test
    void unknownConfigFieldsArePreservedInSortedPosition() {
        String in = "{\"os\":\"linux\",\"architecture\":\"amd64\",\"docker_version\":\"1.0\","
                + "\"config\":{\"Hostname\":\"\",\"Env\":[\"A=1\"],\"Cmd\":null,\"Image\":\"sha256:abc\","
                + "\"AttachStdin\":false},\"container\":\"abc\",\"container_config\":{\"Cmd\":[\"/bin/sh\"]},"
                + "\"created\":\"2015-01-01T00:00:00.5+01:00\",\"moby.buildkit.cache.v0\":\"e30=\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"x-number\":1.50}";
        ImageConfig c = OciJson.read(bytes(in), ImageConfig.class);
        assertEquals(List.of("container", "container_config", "docker_version", "moby.buildkit.cache.v0",
                "x-number"), List.copyOf(c.unknownFields().keySet()));
        assertEquals(List.of("AttachStdin", "Hostname", "Image"),
                List.copyOf(c.config().unknownFields().keySet()));
        assertEquals("{\"architecture\":\"amd64\",\"config\":{\"Env\":[\"A=1\"],\"AttachStdin\":false,"
                + "\"Hostname\":\"\",\"Image\":\"sha256:abc\"},\"container\":\"abc\",\"container_config\":"
                + "{\"Cmd\":[\"/bin/sh\"]},\"created\":\"2015-01-01T00:00:00.5+01:00\",\"docker_version\":\"1.0\","
                + "\"moby.buildkit.cache.v0\":\"e30=\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[]},\"x-number\":1.50}", json(c));
        assertEquals("{\"architecture\":\"amd64\",\"config\":{\"Env\":[\"A=1\"]},"
                + "\"created\":\"2015-01-01T00:00:00.5+01:00\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[]}}", json(c.withoutUnknownFields()));
        assertEquals(c, OciJson.read(OciJson.write(c), ImageConfig.class));
    }

    @Test
    void unknownFieldsCannotBeChangedFromOutside() {
        ObjectNode node = (ObjectNode) OciJson.tree(bytes("{\"a\":1}"));
        Map<String, JsonNode> extra = new HashMap<>(Map.of("x", node));
        ImageConfig c = Fixtures.minimalConfig();
        c = new ImageConfig(c.created(), c.author(), c.architecture(), c.os(), null, null, null, null, null, null,
                extra);
        node.put("a", 2);
        ((ObjectNode) c.unknownFields().get("x")).put("a", 3);
        assertEquals(1, c.unknownFields().get("x").get("a").intValue());
        assertThrows(UnsupportedOperationException.class, () -> Fixtures.minimalConfig().unknownFields().put("y",
                node));
    }

    @Test
    void unknownFieldMayNotShadowAKnownOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ImageConfig(null, null,
                "amd64", "linux", null, null, null, null, null, null, Map.of("OS", OciJson.tree(bytes("1")))));
        assertTrue(e.getMessage().contains("OS"), e.getMessage());
    }

    @Test
    void keysMatchCaseInsensitivelyAsGoDecodes() {
        ImageConfig c = OciJson.read(bytes("{\"Architecture\":\"amd64\",\"OS\":\"linux\",\"config\":{\"env\":"
                + "[\"A=1\"],\"CMD\":[\"x\"]},\"RootFS\":{\"Type\":\"layers\",\"Diff_IDs\":[]}}"), ImageConfig.class);
        assertEquals("amd64", c.architecture());
        assertEquals(List.of("A=1"), c.config().env());
        assertEquals(List.of("x"), c.config().cmd());
        assertTrue(c.unknownFields().isEmpty());
        assertTrue(c.config().unknownFields().isEmpty());
        assertEquals(Fixtures.minimalConfig().withConfig(c.config()), c);
        // the last of two keys for one field wins, as in Go
        assertEquals(List.of("B=2"), OciJson.read(bytes("{\"Env\":[\"A=1\"],\"env\":[\"B=2\"]}"),
                ContainerConfig.class).env());
    }

    @Test
    void readingIgnoresUnknownFieldsAndNulls() {
        String in = "{\"schemaVersion\":2,\"mediaType\":null,\"config\":{\"mediaType\":\"" + MediaType.OCI_CONFIG
                + "\",\"digest\":\"" + Fixtures.CONFIG + "\",\"size\":7,\"urls\":[\"https://example.com\"],"
                + "\"data\":\"e30=\"},\"layers\":null,\"annotations\":null,\"fsLayers\":[1,2]}";
        Manifest m = OciJson.read(bytes(in), Manifest.class);
        assertNull(m.mediaType());
        assertEquals(List.of(), m.layers());
        assertEquals(new Descriptor(MediaType.OCI_CONFIG, Fixtures.CONFIG, 7), m.config());
    }

    @Test
    void platformWithoutVariantReadsAsEmptyVariant() {
        Descriptor d = OciJson.read(bytes("{\"mediaType\":\"" + MediaType.OCI_MANIFEST + "\",\"digest\":\""
                + Fixtures.MANIFEST_AMD64 + "\",\"size\":3,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\","
                + "\"os.version\":\"ignored\"}}"), Descriptor.class);
        assertEquals(new Platform("linux", "amd64", ""), d.platform());
    }

    @Test
    void malformedInputNamesTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OciJson.read(bytes("{\"config\":{\"Env\":\"A=1\"}}"), ImageConfig.class));
        assertTrue(e.getMessage().contains("config.Env"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OciJson.read(bytes("{\"schemaVersion\":2,\"config\":"
                + "{\"mediaType\":\"x/y\",\"digest\":\"sha256:nothex\",\"size\":1},\"layers\":[]}"), Manifest.class));
        assertTrue(e.getMessage().contains("config.digest"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OciJson.read(bytes("{\"schemaVersion\":1,\"config\":{\"digest\":\"" + Fixtures.CONFIG
                        + "\"}}"), Manifest.class));
        assertTrue(e.getMessage().contains("schemaVersion 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OciJson.read(bytes("{\"schemaVersion\":2,\"layers\":[]}"), Manifest.class));
        assertTrue(e.getMessage().contains("config"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OciJson.read(bytes("{\"schemaVersion\":2,\"manifests\":[]} trailing"), ImageIndex.class));
        assertTrue(e.getMessage().startsWith("invalid ImageIndex JSON"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OciJson.tree(bytes("{\"a\":")));
        assertThrows(IllegalArgumentException.class, () -> OciJson.read(bytes("[]"), ImageConfig.class));
        assertThrows(IllegalArgumentException.class, () -> OciJson.read(bytes("{\"Interval\":1.5}"),
                Healthcheck.class));
    }

    @Test
    void treeKeepsDocumentOrder() {
        JsonNode n = OciJson.tree(bytes("{\"b\":1,\"a\":{\"d\":2,\"c\":3}}"));
        assertEquals("{\"b\":1,\"a\":{\"d\":2,\"c\":3}}", json(n));
        assertEquals(2, n.path("a").path("d").intValue());
    }

    @Test
    void plainMapsAreSortedToo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", List.of("<"));
        assertEquals("{\"a\":[\"\\u003c\"],\"z\":1}", json(m));
    }

    // ------------------------------------------------------------ model helpers

    @Test
    void formatsTimesAsGoRfc3339Nano() {
        assertEquals("2024-01-02T03:04:05Z", OciJson.formatTime(Instant.parse("2024-01-02T03:04:05Z")));
        assertEquals("2024-01-02T03:04:05.5Z", OciJson.formatTime(Instant.parse("2024-01-02T03:04:05.500Z")));
        assertEquals("2024-01-02T03:04:05.00000012Z",
                OciJson.formatTime(Instant.parse("2024-01-02T03:04:05.000000120Z")));
        assertEquals("1970-01-01T00:00:00Z", OciJson.formatTime(Instant.EPOCH));
        assertEquals("0005-11-30T23:59:09.000000001Z", OciJson.formatTime(Instant.parse("0005-11-30T23:59:09.000000001Z")));
        assertThrows(IllegalArgumentException.class, () -> OciJson.formatTime(Instant.parse("+10000-01-01T00:00:00Z")));
    }

    /** A user's locale does not reach the config: in ar-EG, %d prints Arabic-Indic digits. */
    @Test
    void timesAreFormattedTheSameInEveryLocale() {
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.forLanguageTag("ar-EG"));
            assertEquals("2024-01-02T03:04:05.5Z", OciJson.formatTime(Instant.parse("2024-01-02T03:04:05.500Z")));
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    @Test
    void appendLayerKeepsDiffIdsAndHistoryInStep() {
        ImageConfig c = Fixtures.minimalConfig()
                .appendLayer(Fixtures.DIFF_1, History.layer("2024-01-01T00:00:00Z", "COPY . /", null))
                .appendHistory(History.empty("2024-01-01T00:00:00Z", "ENV A=1", null));
        assertEquals(List.of(Fixtures.DIFF_1), c.rootfs().diffIds());
        assertEquals(2, c.history().size());
        assertThrows(IllegalArgumentException.class,
                () -> c.appendLayer(Fixtures.DIFF_2, History.empty(null, "ENV", null)));
        assertEquals(new Platform("linux", "amd64", ""), c.platform());
        assertEquals("v7", c.withPlatform(Platform.parse("linux/arm/v7")).variant());
        OciSchemas.shared().assertValid(MediaType.OCI_CONFIG, OciJson.write(c));
    }

    @Test
    void manifestAndIndexFactories() {
        Manifest m = Fixtures.dockerManifest();
        assertEquals(MediaType.DOCKER_MANIFEST, m.mediaType());
        assertEquals(2, m.schemaVersion());
        assertTrue(m.annotations().isEmpty());
        assertEquals(MediaType.OCI_MANIFEST, Manifest.oci(m.config(), m.layers(), null).mediaType());
        assertEquals(MediaType.DOCKER_MANIFEST_LIST, ImageIndex.docker(List.of()).mediaType());
        assertThrows(IllegalArgumentException.class,
                () -> new Manifest(1, null, null, m.config(), List.of(), null, null));
        assertThrows(IllegalArgumentException.class, () -> Manifest.oci(null, List.of(), null));
        assertThrows(IllegalArgumentException.class, () -> new ImageIndex(3, null, null, List.of(), null, null));
        assertEquals("blobs/sha256/" + Fixtures.CONFIG.hex(), OciLayout.blobPath(Fixtures.CONFIG));
        assertThrows(UnsupportedOperationException.class, () -> m.layers().add(m.config()));
        assertThrows(UnsupportedOperationException.class, () -> Fixtures.ociManifest().annotations().put("a", "b"));
    }
}
