package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.Platform;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** containerd's platforms.Only rules. */
class PlatformMatcherTest {
    private static Platform p(String os, String arch, String variant) {
        return new Platform(os, arch, variant);
    }

    private static List<Descriptor> index(Platform... platforms) {
        List<Descriptor> out = new ArrayList<>();
        for (Platform pl : platforms) {
            Digest d = Digest.sha256(pl.toString().getBytes(StandardCharsets.UTF_8));
            out.add(new Descriptor(MediaType.OCI_MANIFEST, d, 100).withPlatform(pl));
        }
        return out;
    }

    private static Optional<Platform> pick(String wanted, Platform... available) {
        return PlatformMatcher.only(Platform.parse(wanted)).select(index(available)).map(Descriptor::platform);
    }

    @Test
    void arm64MatchesV8AndNoVariantAlike() {
        PlatformMatcher m = PlatformMatcher.only(Platform.parse("linux/arm64"));
        assertTrue(m.matches(p("linux", "arm64", "v8")));
        assertTrue(m.matches(p("linux", "arm64", "")));
        assertTrue(m.matches(p("linux", "aarch64", "")));
        assertEquals(0, m.rank(p("linux", "arm64", "v8")));
        assertEquals(Optional.of(p("linux", "arm64", "v8")),
                pick("linux/arm64", p("linux", "amd64", ""), p("linux", "arm64", "v8")));
        assertEquals(Optional.of(p("linux", "arm64", "")),
                pick("linux/arm64/v8", p("linux", "arm", "v7"), p("linux", "arm64", "")));
    }

    @Test
    void arm64FallsBackTo32BitArm() {
        assertEquals(Optional.of(p("linux", "arm", "v7")),
                pick("linux/arm64", p("linux", "amd64", ""), p("linux", "arm", "v6"), p("linux", "arm", "v7")));
        assertEquals(List.of(p("linux", "arm64", ""), p("linux", "arm", "v8"), p("linux", "arm", "v7"),
                p("linux", "arm", "v6"), p("linux", "arm", "v5")),
                PlatformMatcher.only(Platform.parse("linux/arm64")).accepted());
    }

    @Test
    void armVariantsFallBackDownwardsInOrder() {
        Platform v5 = p("linux", "arm", "v5");
        Platform v6 = p("linux", "arm", "v6");
        Platform v7 = p("linux", "arm", "v7");
        assertEquals(Optional.of(v7), pick("linux/arm/v7", v5, v6, v7));
        assertEquals(Optional.of(v6), pick("linux/arm/v7", v5, v6));
        assertEquals(Optional.of(v5), pick("linux/arm/v7", v5));
        assertEquals(Optional.of(v6), pick("linux/arm/v6", v5, v6, v7));
        assertEquals(Optional.empty(), pick("linux/arm/v6", v7));
        assertEquals(Optional.empty(), pick("linux/arm/v5", v6, v7));
        // "arm" alone is arm/v7, in the request and in the index
        assertEquals(Optional.of(p("linux", "arm", "")), pick("linux/arm/v7", p("linux", "arm", "")));
        assertEquals(Optional.of(v7), pick("linux/arm", v6, v7));
        assertEquals(Optional.empty(), pick("linux/arm/v7", p("linux", "arm64", "")));
    }

    @Test
    void amd64FallsBackTo386AndAmd64VariantsDownwards() {
        assertEquals(Optional.of(p("linux", "386", "")), pick("linux/amd64", p("linux", "386", ""),
                p("linux", "arm64", "")));
        assertEquals(Optional.of(p("linux", "amd64", "")), pick("linux/amd64/v3", p("linux", "amd64", ""),
                p("linux", "386", "")));
        assertEquals(Optional.of(p("linux", "amd64", "v2")), pick("linux/amd64/v3", p("linux", "amd64", ""),
                p("linux", "amd64", "v2")));
        assertEquals(Optional.empty(), pick("linux/amd64", p("linux", "amd64", "v2")));
        assertEquals(Optional.of(p("linux", "x86_64", "")), pick("linux/amd64", p("linux", "x86_64", "")));
    }

    @Test
    void osMustMatchAndTiesGoToTheFirst() {
        assertEquals(Optional.empty(), pick("linux/amd64", p("windows", "amd64", ""), p("unknown", "unknown", "")));
        List<Descriptor> twice = index(p("linux", "amd64", ""));
        Descriptor first = twice.get(0);
        Descriptor second = new Descriptor(MediaType.OCI_MANIFEST, Digest.sha256(new byte[] {2}), 1)
                .withPlatform(p("linux", "amd64", ""));
        assertEquals(first, PlatformMatcher.only(Platform.parse("linux/amd64")).select(List.of(first, second))
                .orElseThrow());
        assertFalse(PlatformMatcher.only(Platform.parse("linux/amd64")).matches(null));
    }

    @Test
    void arm64V9AcceptsOlderArm64Versions() {
        List<Platform> v = PlatformMatcher.only(p("linux", "arm64", "v9.1")).accepted();
        assertEquals(p("linux", "arm64", "v9.1"), v.get(0));
        assertTrue(v.contains(p("linux", "arm64", "v9")));
        assertTrue(v.contains(p("linux", "arm64", "v8.5")));
        assertTrue(v.contains(p("linux", "arm64", "")));
        assertTrue(v.indexOf(p("linux", "arm64", "v9")) < v.indexOf(p("linux", "arm64", "v8.5")));
        assertEquals(p("linux", "arm", "v5"), v.get(v.size() - 1));
    }
}
