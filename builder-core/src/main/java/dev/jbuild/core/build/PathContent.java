package dev.jbuild.core.build;

import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A file's content that lives at a host path, so that its digest can come from the stat cache;
 * {@code stamp} is what the stat that found the file saw (null: not known), so that the stat cache
 * need not stat it again. Equal by path and stamp, as a value.
 */
final class PathContent implements LayerEntry.ContentSource {
    private final Path path;
    private final ContentHasher.Stamp stamp;
    /**
     * The stat cache's answer for this stamp once looked up ({@link ContentHasher}): a build asks for
     * it twice per file (whether all are known, then each digest), and the lookup by a long path
     * string is most of what either costs.
     */
    volatile ContentHasher.Known known;

    PathContent(Path path, ContentHasher.Stamp stamp) {
        this.path = path;
        this.stamp = stamp;
    }

    Path path() {
        return path;
    }

    ContentHasher.Stamp stamp() {
        return stamp;
    }

    @Override
    public InputStream open() throws IOException {
        return Files.newInputStream(path);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PathContent p && p.path.equals(path) && Objects.equals(p.stamp, stamp);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + Objects.hashCode(stamp);
    }

    @Override
    public String toString() {
        return "PathContent[path=" + path + ", stamp=" + stamp + "]";
    }
}
