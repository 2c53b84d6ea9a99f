package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each golden file is written by hand from the spec's Go structs (field order, omitempty) and Go's escaping,
 * and was cross-checked byte for byte against Go's encoding/json over the image-spec v1.1.1 and
 * docker-image-spec structs (with BuildKit's sorted re-marshal of the config's top level).
 */
class GoldenJsonTest {
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("config-full.json", Fixtures.fullConfig(), MediaType.OCI_CONFIG),
                Arguments.of("config-minimal.json", Fixtures.minimalConfig(), MediaType.OCI_CONFIG),
                Arguments.of("manifest-oci.json", Fixtures.ociManifest(), MediaType.OCI_MANIFEST),
                Arguments.of("manifest-docker.json", Fixtures.dockerManifest(), MediaType.DOCKER_MANIFEST),
                Arguments.of("index-oci.json", Fixtures.ociIndex(), MediaType.OCI_INDEX),
                Arguments.of("index-docker.json", Fixtures.dockerIndex(), MediaType.DOCKER_MANIFEST_LIST),
                Arguments.of("oci-layout.json", OciLayout.CURRENT, OciLayout.FILE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void writesGoldenBytes(String golden, Object value, String mediaType) {
        byte[] expected = Fixtures.golden(golden);
        byte[] actual = OciJson.write(value);
        assertEquals(new String(expected, StandardCharsets.UTF_8), new String(actual, StandardCharsets.UTF_8));
        assertArrayEquals(expected, actual);
        assertEquals(Digest.sha256(expected), OciJson.digest(value));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void readsGoldenBackToTheSameValue(String golden, Object value, String mediaType) {
        Object read = OciJson.read(Fixtures.golden(golden), value.getClass());
        assertEquals(value, read);
        assertArrayEquals(Fixtures.golden(golden), OciJson.write(read));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void goldenIsValidPerOciSchema(String golden, Object value, String mediaType) {
        OciSchemas.shared().assertValid(mediaType, Fixtures.golden(golden));
    }
}
