package dev.jbuild.dockerfile;

import java.nio.file.Files;
import java.nio.file.Path;

/** The external vectors in ../shared, read in place; a missing one fails the test, never skips it. */
public final class SharedData {
    private SharedData() {}

    public static Path path(String relative) {
        String dir = System.getProperty("jbuild.shared.dir");
        if (dir == null) {
            throw new IllegalStateException("system property jbuild.shared.dir is not set (run the tests through Maven)");
        }
        Path p = Path.of(dir).resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("missing shared test data: " + p.toAbsolutePath().normalize());
        }
        return p;
    }
}
