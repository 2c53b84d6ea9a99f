package dev.jbuild.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The documents the golden files under {@code golden/oci-json/} hold, built in code. */
final class Fixtures {
    private Fixtures() {}

    static final Digest CONFIG = Digest.parse("sha256:b79606fb3afea5bd1609ed40b622142f1c98125abcfe89a76a661b0e8e343910");
    static final Digest LAYER_1 = Digest.parse("sha256:922badbaf192e1a4a5af64df422de6d73e96e70d0ab52245bd3d692bcea9cfad");
    static final Digest LAYER_2 = Digest.parse("sha256:6bdb18f83935f1d97220ee8035e6ccd7e764c32102587be4488f940f943ebda6");
    static final Digest DIFF_1 = Digest.parse("sha256:33d457402f456235be5340c020ecac65013ac0bf8b6f397b46cb38b543092cc4");
    static final Digest DIFF_2 = Digest.parse("sha256:fd22cd952c375659ee285e61d2bcfba89fbb0c0a9933414addf0d75c354b1b6f");
    static final Digest MANIFEST_AMD64 =
            Digest.parse("sha256:77cd300ffdf16f18318d6059f680f509a8b4572bfd4bfff182497390575a108e");
    static final Digest MANIFEST_ARM =
            Digest.parse("sha256:383deb5a55b8af88c96816b3c555512f90b04f5c8a53a5cbd34589742e4b952f");
    static final Digest SUBJECT = Digest.parse("sha256:a9491f4c1bf7b0cffbadcba2db8f028e4b3f2867cb59e1f3a0bc1968f3c51242");

    static byte[] golden(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/golden/oci-json/" + name)) {
            if (in == null) {
                throw new IllegalStateException("golden file missing: golden/oci-json/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Maps and sets are given unsorted on purpose: output must not depend on their order. */
    static ImageConfig fullConfig() {
        Set<String> ports = new HashSet<>(List.of("80/tcp", "53/udp", "443/tcp"));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("unicode", "grüße ✓ \u2028");
        labels.put("quote", "say \"hi\"\n\t\u001b");
        labels.put("org.opencontainers.image.title", "demo");
        ContainerConfig cc = ContainerConfig.EMPTY
                .withUser("1000:1000")
                .withExposedPorts(ports)
                .withEnv(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        "GREETING=a <b> & c"))
                .withEntrypoint(List.of("/docker-entrypoint.sh"))
                .withCmd(List.of("nginx", "-g", "daemon off;"))
                .withVolumes(Set.of("/var/log/app", "/data"))
                .withWorkingDir("/srv")
                .withLabels(labels)
                .withStopSignal("SIGQUIT")
                .withArgsEscaped(true)
                .withHealthcheck(new Healthcheck(List.of("CMD-SHELL", "curl -f http://localhost/ || exit 1"),
                        Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(2),
                        3))
                .withOnBuild(List.of("RUN echo built on top"))
                .withShell(List.of("/bin/bash", "-o", "pipefail", "-c"));
        String t = "2024-01-02T03:04:05.123456789Z";
        return new ImageConfig(t, "jbuild <dev@jbuild.dev>", "arm", "linux", "6.1.0", List.of("feature-a"), "v7", cc,
                RootFs.layers(List.of(DIFF_1, DIFF_2)),
                List.of(new History("2024-01-01T00:00:00Z", "/bin/sh -c #(nop) ADD file:abc in / ", null, "base",
                                false),
                        History.empty(t, "ENV GREETING=a <b> & c", "buildkit.dockerfile.v0"),
                        new History(t, "RUN /bin/sh -c apt-get update # buildkit", "jbuild", "buildkit.dockerfile.v0",
                                false)),
                null);
    }

    static ImageConfig minimalConfig() {
        return ImageConfig.forPlatform(new Platform("linux", "amd64", ""));
    }

    static Manifest ociManifest() {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(Annotations.CREATED, "2024-01-02T03:04:05Z");
        annotations.put(Annotations.BASE_NAME, "docker.io/library/busybox:latest");
        annotations.put(Annotations.BASE_DIGEST, SUBJECT.toString());
        return new Manifest(2, MediaType.OCI_MANIFEST, "application/vnd.example.demo+json",
                new Descriptor(MediaType.OCI_CONFIG, CONFIG, 1234),
                List.of(new Descriptor(MediaType.OCI_LAYER_GZIP, LAYER_1, 32654),
                        new Descriptor(MediaType.OCI_LAYER_ZSTD, LAYER_2, 16724)
                                .withAnnotations(Map.of(Annotations.TITLE, "layer & more"))),
                new Descriptor(MediaType.OCI_MANIFEST, SUBJECT, 7682), annotations);
    }

    static Manifest dockerManifest() {
        return Manifest.docker(new Descriptor(MediaType.DOCKER_CONFIG, CONFIG, 1234),
                List.of(new Descriptor(MediaType.DOCKER_LAYER_GZIP, LAYER_1, 32654)));
    }

    static ImageIndex ociIndex() {
        Map<String, String> refs = new LinkedHashMap<>();
        refs.put(Annotations.REF_NAME, "1.0");
        refs.put(Annotations.CONTAINERD_IMAGE_NAME, "docker.io/library/demo:1.0");
        return new ImageIndex(2, MediaType.OCI_INDEX, "application/vnd.example.demo+json",
                List.of(new Descriptor(MediaType.OCI_MANIFEST, MANIFEST_AMD64, 1050,
                                new Platform("linux", "amd64", ""), refs),
                        new Descriptor(MediaType.OCI_MANIFEST, MANIFEST_ARM, 1051,
                                new Platform("linux", "arm", "v7"), null)),
                new Descriptor(MediaType.OCI_INDEX, SUBJECT, 7682),
                Map.of(Annotations.CREATED, "2024-01-02T03:04:05Z"));
    }

    static ImageIndex dockerIndex() {
        return ImageIndex.docker(List.of(
                new Descriptor(MediaType.DOCKER_MANIFEST, MANIFEST_AMD64, 1050, Platform.parse("linux/amd64"), null),
                new Descriptor(MediaType.DOCKER_MANIFEST, MANIFEST_ARM, 1051, new Platform("linux", "arm64", "v8"),
                        null)));
    }
}
