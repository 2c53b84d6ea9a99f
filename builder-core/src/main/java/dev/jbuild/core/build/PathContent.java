package dev.jbuild.core.build;

import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** A file's content that lives at a host path, so that its digest can come from the stat cache. */
record PathContent(Path path) implements LayerEntry.ContentSource {
    @Override
    public InputStream open() throws IOException {
        return Files.newInputStream(path);
    }
}
