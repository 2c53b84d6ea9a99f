package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Cases re-derived from the behaviour of distribution/reference ({@code ParseNormalizedNamed} plus the
 * default {@code latest} tag of {@code TagNameOnly}), not copied from its tests. Every row was checked against
 * that Go package: valid rows give the same registry, path, tag, digest, familiar and canonical strings; invalid
 * rows fail there too, except the one marked as a deliberate divergence.
 */
class ImageReferenceTest {
    private static final String HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String D = "sha256:" + HEX;

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # input                                   | registry        | repository        | tag     | digest? | familiar
            busybox                                   | docker.io       | library/busybox   | latest  | -       | busybox:latest
            busybox:1.36                              | docker.io       | library/busybox   | 1.36    | -       | busybox:1.36
            library/busybox                           | docker.io       | library/busybox   | latest  | -       | busybox:latest
            docker.io/busybox                         | docker.io       | library/busybox   | latest  | -       | busybox:latest
            docker.io/library/busybox:latest          | docker.io       | library/busybox   | latest  | -       | busybox:latest
            index.docker.io/library/busybox           | docker.io       | library/busybox   | latest  | -       | busybox:latest
            index.docker.io/busybox                   | docker.io       | library/busybox   | latest  | -       | busybox:latest
            foo/bar                                   | docker.io       | foo/bar           | latest  | -       | foo/bar:latest
            docker.io/library/foo/bar                 | docker.io       | library/foo/bar   | latest  | -       | library/foo/bar:latest
            a/b/c/d                                   | docker.io       | a/b/c/d           | latest  | -       | a/b/c/d:latest
            localhost/foo                             | localhost       | foo               | latest  | -       | localhost/foo:latest
            localhost:5000/a/b:tag                    | localhost:5000  | a/b               | tag     | -       | localhost:5000/a/b:tag
            localhost                                 | docker.io       | library/localhost | latest  | -       | localhost:latest
            localhost:5000                            | docker.io       | library/localhost | 5000    | -       | localhost:5000
            host:5000/a/b:tag                         | host:5000       | a/b               | tag     | -       | host:5000/a/b:tag
            registry.example.com/team/app             | registry.example.com | team/app     | latest  | -       | registry.example.com/team/app:latest
            Registry.Example.COM/app                  | Registry.Example.COM | app          | latest  | -       | Registry.Example.COM/app:latest
            Foo/bar                                   | Foo             | bar               | latest  | -       | Foo/bar:latest
            [::1]:5000/foo:bar                        | [::1]:5000      | foo               | bar     | -       | [::1]:5000/foo:bar
            [fe80::1]/foo                             | [fe80::1]       | foo               | latest  | -       | [fe80::1]/foo:latest
            my-registry.local:443/a_b/c__d/e--f/g.h   | my-registry.local:443 | a_b/c__d/e--f/g.h | latest | -   | my-registry.local:443/a_b/c__d/e--f/g.h:latest
            busybox:LATEST                            | docker.io       | library/busybox   | LATEST  | -       | busybox:LATEST
            busybox:_v1.0-rc.1                        | docker.io       | library/busybox   | _v1.0-rc.1 | -    | busybox:_v1.0-rc.1
            busybox@D                                 | docker.io       | library/busybox   | -       | D       | busybox@D
            busybox:1.36@D                            | docker.io       | library/busybox   | 1.36    | D       | busybox:1.36@D
            example.com:8080/ns/img:v2@D              | example.com:8080 | ns/img           | v2      | D       | example.com:8080/ns/img:v2@D
            sha256:HEX                                | docker.io       | library/sha256    | HEX     | -       | sha256:HEX
            """)
    void parsesValidReferences(String input, String registry, String repository, String tag, String digest,
            String familiar) {
        ImageReference r = ImageReference.parse(expand(input));
        assertEquals(registry, r.registry());
        assertEquals(repository, r.repository());
        assertEquals(expand(tag), r.tag());
        assertEquals(digest == null ? null : Digest.parse(expand(digest)), r.digest());
        assertEquals(expand(familiar), r.familiar());
        String full = registry + "/" + repository + (tag == null ? "" : ":" + expand(tag))
                + (digest == null ? "" : "@" + expand(digest));
        assertEquals(full, r.toString());
        assertEquals(r, ImageReference.parse(r.toString()), "canonical form parses to itself");
        assertEquals(r, ImageReference.parse(r.familiar()), "familiar form parses to the same reference");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # input                       | part of the reason
            ''                            | at least one component
            HEX                           | 64-byte hexadecimal
            Busybox                       | must be lowercase
            FOO                           | must be lowercase
            foo/Bar                       | must be lowercase
            localhost:5000/Foo            | must be lowercase
            docker.io/Library/busybox     | must be lowercase
            busybox:                      | bad tag
            :latest                       | bad path component
            busybox:tag with space        | bad tag
            busybox:.tag                  | bad tag
            busybox:-tag                  | bad tag
            busybox:TAG129                | bad tag
            busybox@                      | bad digest
            busybox@sha256:abc            | bad digest
            busybox@sha256:UPPER          | invalid sha256 digest
            busybox@sha256:SHORT          | invalid sha256 digest
            busybox@md5:0123456789abcdef0123456789abcdef | unsupported digest algorithm
            a@b@sha256:HEX                | bad digest
            -busybox                      | bad path component
            busybox-                      | bad path component
            a___b                         | bad path component
            a.-b                          | bad path component
            a/../b                        | bad path component
            a//b                          | bad path component
            foo/                          | bad path component
            /foo                          | bad path component
            docker.io/                    | bad path component
            foo:bar/baz                   | invalid registry host
            -host.com/foo                 | invalid registry host
            host.com:port/foo             | invalid registry host
            # deliberate divergence: distribution/reference takes this as a path with no registry at all
            my_host.com/foo               | invalid registry host
            LONGPATH                      | not be more than 255 characters
            """)
    void rejectsInvalidReferences(String input, String reason) {
        String s = expand(input);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(s));
        assertTrue(e.getMessage().startsWith("invalid image reference \"" + s + "\""), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void limitsAreInclusive() {
        assertEquals(128, ImageReference.parse("busybox:" + "t".repeat(128)).tag().length());
        String path = "a".repeat(255);
        assertEquals(path, ImageReference.parse("example.com/" + path).repository());
    }

    @Test
    void withTagAndDigest() {
        ImageReference r = ImageReference.parse("busybox");
        assertEquals("docker.io/library/busybox:1.36", r.withTag("1.36").toString());
        assertEquals("docker.io/library/busybox@" + D, r.withTag(null).withDigest(Digest.parse(D)).toString());
        assertEquals("docker.io/library/busybox:latest@" + D, r.withDigest(Digest.parse(D)).toString());
        assertEquals("docker.io/library/busybox", r.name());
        assertEquals("busybox", r.familiarName());
        assertThrows(IllegalArgumentException.class, () -> r.withTag("bad tag"));
        assertNull(ImageReference.parse("busybox@" + D).tag());
    }

    @Test
    void constructorValidatesButAppliesNoDefaults() {
        assertEquals("example.com/app", new ImageReference("example.com", "app", null, null).toString());
        assertThrows(IllegalArgumentException.class, () -> new ImageReference("bad host", "app", null, null));
        assertThrows(IllegalArgumentException.class, () -> new ImageReference("docker.io", "App", null, null));
        assertThrows(IllegalArgumentException.class, () -> new ImageReference("docker.io", "", null, null));
    }

    private static String expand(String s) {
        if (s == null) {
            return null;
        }
        if (s.equals("D")) {
            return D;
        }
        return s.replace("TAG129", "t".repeat(129))
                .replace("LONGPATH", "example.com/" + "a".repeat(256))
                .replace("UPPER", HEX.toUpperCase())
                .replace("SHORT", HEX.substring(1))
                .replace("HEX", HEX)
                .replace("@D", "@" + D);
    }
}
