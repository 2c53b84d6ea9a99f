package dev.jbuild.registry;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where blobs of a store came from or went to: {@code ROOT/registry-sources/sha256/HEX} lists, one a line, the
 * {@code registry/repository} names known to hold the blob (most recent last, at most {@value #MAX} kept), so
 * that a push can mount a blob from another repository of the same registry instead of uploading it. The record
 * is a hint only: a wrong entry costs a failed mount, after which the blob is uploaded. Each file is replaced
 * atomically; two processes updating one at once may lose an entry.
 */
public final class BlobSources {
    static final int MAX = 16;
    private final Path dir;

    private BlobSources(Path dir) {
        this.dir = dir;
    }

    public static BlobSources of(Store store) {
        return new BlobSources(store.root().resolve("registry-sources"));
    }

    /** A registry and repository known to hold a blob. */
    public record Source(String registry, String repository) {
        @Override
        public String toString() {
            return registry + "/" + repository;
        }
    }

    private Path file(Digest d) {
        return dir.resolve(d.algorithm()).resolve(d.hex());
    }

    /** The known sources of a blob, most recent first. */
    public List<Source> sources(Digest d) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file(d), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<Source> out = new ArrayList<>();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).trim();
            int slash = l.indexOf('/');
            if (slash > 0 && slash < l.length() - 1) {
                out.add(new Source(l.substring(0, slash), l.substring(slash + 1)));
            }
        }
        return out;
    }

    /** Records that {@code registry/repository} holds the blob. */
    public void record(Digest d, String registry, String repository) throws IOException {
        String entry = registry + "/" + repository;
        Path f = file(d);
        List<Source> known = sources(d);
        if (!known.isEmpty() && known.get(0).toString().equals(entry)) {
            return;
        }
        Set<String> lines = new LinkedHashSet<>();
        for (int i = known.size() - 1; i >= 0; i--) {
            lines.add(known.get(i).toString());
        }
        lines.remove(entry);
        lines.add(entry);
        List<String> keep = new ArrayList<>(lines);
        if (keep.size() > MAX) {
            keep = keep.subList(keep.size() - MAX, keep.size());
        }
        Files.createDirectories(f.getParent());
        Path tmp = f.resolveSibling("." + d.hex() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        try {
            Files.write(tmp, (String.join("\n", keep) + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
