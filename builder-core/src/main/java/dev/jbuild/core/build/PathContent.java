package dev.jbuild.core.build;

import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file's content that lives at a host path, so that its digest can come from the stat cache;
 * {@code stamp} is what the stat that found the file saw (null: not known), so that the stat cache
 * need not stat it again.
 */
record PathContent(Path path, ContentHasher.Stamp stamp) implements LayerEntry.ContentSource {
    @Override
    public InputStream open() throws IOException {
        return Files.newInputStream(path);
    }
}
