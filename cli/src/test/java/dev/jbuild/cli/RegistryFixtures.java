package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the registry tests share: the busybox base image of {@code testdata/base-images/busybox.sh}. */
final class RegistryFixtures {
    private RegistryFixtures() {}

    private static Path busybox;

    /** An OCI layout of busybox (docker.io/library/busybox:latest), made once per JVM under target/. */
    static synchronized Path busyboxLayout() throws IOException {
        if (busybox == null) {
            Path module = Path.of(System.getProperty("user.dir")).toAbsolutePath();
            Path script = module.getParent().resolve("testdata/base-images/busybox.sh");
            Path out = module.resolve("target/registry-fixtures/busybox");
            Files.createDirectories(out.getParent());
            Cli.Result r = Cli.tool("bash", script.toString(), out.toString());
            if (r.status() != 0) {
                fail(script + " failed (status " + r.status() + "); the registry tests need Debian's busybox-static:"
                        + " apt-get install busybox-static (.ci/run does so)\n" + r.out() + r.err());
            }
            busybox = out;
        }
        return busybox;
    }
}
