package dev.jbuild.core.build;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerReader;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * The sha256 of every regular file of a layer, kept beside its header index ({@code layerindex/<diff-id>.sha256},
 * lines {@code HEX<TAB>PATH}) and exported with a cache: a step that only hashes a file of an imported layer (the
 * key of {@code COPY --from} a stage that hit the cache) then needs neither the layer nor its bytes.
 */
public final class ContentDigests {
    private ContentDigests() {}

    /** A file's content whose digest is known without reading it. */
    record Known(Digest digest, LayerEntry.ContentSource source) implements LayerEntry.ContentSource {
        @Override
        public InputStream open() throws IOException {
            return source.open();
        }
    }

    public static Path path(Path storeRoot, Digest diffId) {
        return LayerIndex.path(storeRoot, diffId).resolveSibling(diffId.hex() + ".sha256");
    }

    /** The digests by path, or null when this store has none for the layer. */
    static Map<String, Digest> read(Path storeRoot, Digest diffId) {
        byte[] b;
        try {
            b = Files.readAllBytes(path(storeRoot, diffId));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
        Map<String, Digest> out = new HashMap<>();
        try {
            for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                int tab = line.indexOf('\t');
                out.put(line.substring(tab + 1), new Digest("sha256", line.substring(0, tab)));
            }
        } catch (RuntimeException e) {
            return null; // damaged: the files are read instead
        }
        return out;
    }

    /**
     * The digests file of a layer the store has (computed from the blob once, then kept), or null when neither the
     * file nor the blob is here.
     */
    public static byte[] of(Store store, Digest blob, Digest diffId) throws IOException {
        Path file = path(store.root(), diffId);
        if (Files.isRegularFile(file)) {
            return Files.readAllBytes(file);
        }
        if (!store.blobs().has(blob)) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[64 * 1024];
        try (LayerReader r = LayerReader.open(store.blobs(), blob)) {
            for (LayerEntry e = r.next(); e != null; e = r.next()) {
                if (e.type() != LayerEntry.Type.FILE || e.path().indexOf('\n') >= 0) {
                    continue;
                }
                MessageDigest md = Digest.newSha256();
                InputStream in = r.content();
                for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                    md.update(buf, 0, n);
                }
                line(sb, Digest.fromMessageDigest(md.digest()), e.path());
            }
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        install(store.root(), diffId, b);
        return b;
    }

    /**
     * The entries with each file's content digested as the layer writer reads it, into {@code sums} by path. A RUN
     * layer's digests are taken this way so that the key of a later {@code COPY --from} that stage (on this build's
     * re-runs, which hit the cache) reads the digests file instead of every file of the snapshot.
     */
    static java.util.List<LayerEntry> capturing(java.util.List<LayerEntry> entries, Map<String, Digest> sums) {
        java.util.List<LayerEntry> out = new java.util.ArrayList<>(entries.size());
        for (LayerEntry e : entries) {
            if (e.type() == LayerEntry.Type.FILE && e.content() != null && e.path().indexOf('\n') < 0) {
                LayerEntry.ContentSource source = e.content();
                String path = e.path();
                out.add(e.withContent(e.size(), () -> new java.security.DigestInputStream(source.open(),
                        Digest.newSha256()) {
                    @Override
                    public void close() throws IOException {
                        super.close();
                        sums.put(path, Digest.fromMessageDigest(getMessageDigest().digest()));
                    }
                }));
            } else {
                out.add(e);
            }
        }
        return out;
    }

    /** Keeps the digests {@link #capturing} took, when it saw every file of the layer (else the file would lie). */
    static void keep(Path storeRoot, Digest diffId, java.util.List<LayerEntry> entries, Map<String, Digest> sums)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        for (LayerEntry e : entries) {
            if (e.type() != LayerEntry.Type.FILE || e.path().indexOf('\n') >= 0) {
                continue;
            }
            Digest d = sums.get(e.path());
            if (d == null) {
                return;
            }
            line(sb, d, e.path());
        }
        install(storeRoot, diffId, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** One line of a digests file (the format {@link #read} parses). */
    private static void line(StringBuilder sb, Digest d, String path) {
        sb.append(d.hex()).append('\t').append(path).append('\n');
    }

    /** Keeps a digests file that came with an imported cache (when this store has none). */
    public static void install(Path storeRoot, Digest diffId, byte[] content) throws IOException {
        Path file = path(storeRoot, diffId);
        if (Files.exists(file)) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = dev.jbuild.store.Fs.newTempFile(file.getParent(), file.getFileName().toString(), ".in");
        Files.write(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
