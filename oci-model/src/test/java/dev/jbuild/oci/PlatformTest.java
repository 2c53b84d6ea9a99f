package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PlatformTest {
    @Test
    void normalisesAsContainerd() {
        assertEquals(new Platform("linux", "arm64", ""), Platform.parse("linux/arm64/v8"));
        assertEquals(new Platform("linux", "arm64", ""), Platform.parse("linux/aarch64"));
        assertEquals(new Platform("linux", "arm", "v7"), Platform.parse("linux/arm"));
        assertEquals(new Platform("linux", "arm", "v6"), Platform.parse("linux/armel"));
        assertEquals(new Platform("linux", "amd64", ""), Platform.parse("linux/x86_64"));
        assertEquals(new Platform("windows", "amd64", ""), Platform.parse("windows/amd64"));
        assertEquals("linux/arm/v7", Platform.parse("linux/arm/7").format());
    }

    @Test
    void loneArchitectureOrOs() {
        assertEquals("arm64", Platform.parse("arm64").architecture());
        assertEquals(Platform.host().os(), Platform.parse("arm64").os());
        assertEquals("linux", Platform.parse("linux").os());
        assertEquals(Platform.host().architecture(), Platform.parse("linux").architecture());
    }

    @Test
    void rejectsBadSpecifiers() {
        assertThrows(IllegalArgumentException.class, () -> Platform.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux/amd64/v2/x"));
        assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux//amd64"));
        assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux/*"));
    }
}
