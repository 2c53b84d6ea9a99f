package dev.jbuild.core.build;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The entry headers of a layer this store wrote, kept beside it so that a cache hit learns the
 * layer's files without inflating and hashing the whole blob. A missing or damaged index only
 * means reading the layer itself.
 */
public final class LayerIndex {
    private static final int VERSION = 1;

    private LayerIndex() {}

    public static Path path(Path storeRoot, Digest diffId) {
        return storeRoot.resolve("layerindex").resolve(diffId.hex());
    }

    static void write(Path storeRoot, Digest diffId, List<LayerEntry> entries, Instant epoch) throws IOException {
        Path file = path(storeRoot, diffId);
        if (Files.exists(file)) {
            return;
        }
        Files.createDirectories(file.getParent());
        // pid and thread: two stages of one build may index the same layer at once
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeInt(VERSION);
            List<LayerEntry> normalized = LayerWriter.normalize(entries, epoch);
            out.writeInt(normalized.size());
            for (LayerEntry e : normalized) {
                out.writeUTF(e.path());
                out.writeByte(e.type().ordinal());
                out.writeInt(e.mode());
                out.writeLong(e.uid());
                out.writeLong(e.gid());
                out.writeLong(e.mtime().getEpochSecond());
                out.writeLong(e.size());
                out.writeUTF(e.linkTarget() == null ? "\u0000" : e.linkTarget());
                out.writeInt(e.devMajor());
                out.writeInt(e.devMinor());
                out.writeInt(e.xattrs().size());
                for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
                    out.writeUTF(x.getKey());
                    out.writeInt(x.getValue().length);
                    out.write(x.getValue());
                }
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Installs an index that came from elsewhere (an imported cache) when this store has none; one that does not
     * read back is dropped, so that the layer itself is read instead.
     */
    public static void install(Path storeRoot, Digest diffId, byte[] index) throws IOException {
        Path file = path(storeRoot, diffId);
        if (Files.exists(file)) {
            return;
        }
        Files.createDirectories(file.getParent());
        // A unique name: stages built in parallel may install the same index at once.
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".in");
        Files.write(tmp, index);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (read(storeRoot, diffId) == null) {
            Files.deleteIfExists(file);
        }
    }

    /** The headers, or null when there is no (readable) index. Contents are left to the caller. */
    static List<LayerEntry> read(Path storeRoot, Digest diffId) {
        Path file = path(storeRoot, diffId);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != VERSION) {
                return null;
            }
            int n = in.readInt();
            List<LayerEntry> out = new ArrayList<>(n);
            LayerEntry.Type[] types = LayerEntry.Type.values();
            for (int i = 0; i < n; i++) {
                String path = in.readUTF();
                LayerEntry.Type type = types[in.readByte()];
                int mode = in.readInt();
                long uid = in.readLong();
                long gid = in.readLong();
                Instant mtime = Instant.ofEpochSecond(in.readLong());
                long size = in.readLong();
                String link = in.readUTF();
                int major = in.readInt();
                int minor = in.readInt();
                int nx = in.readInt();
                Map<String, byte[]> xattrs = new java.util.TreeMap<>();
                for (int j = 0; j < nx; j++) {
                    String k = in.readUTF();
                    byte[] v = new byte[in.readInt()];
                    in.readFully(v);
                    xattrs.put(k, v);
                }
                out.add(new LayerEntry(path, type, mode, uid, gid, mtime, type == LayerEntry.Type.FILE ? size : 0,
                        link.equals("\u0000") ? null : link, null, major, minor, xattrs));
            }
            return out;
        } catch (NoSuchFileException | EOFException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
