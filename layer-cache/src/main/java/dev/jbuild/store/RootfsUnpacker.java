package dev.jbuild.store;

import dev.jbuild.store.LayerEntry.Type;
import dev.jbuild.store.RootfsSnapshots.Capabilities;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Unpacks one layer into an overlay lower directory (see {@link RootfsSnapshots} for the format
 * and the rules). Not thread-safe; one per unpack.
 */
final class RootfsUnpacker {
    /** What this layer put at a path. */
    private enum Kind {
        DIRECTORY, IMPLICIT_DIRECTORY, OTHER, WHITEOUT
    }

    private static final byte[] Y = {'y'};

    private final String layer;
    private final Path root;
    private final Capabilities caps;
    private final Map<String, Kind> kinds = new HashMap<>();
    /** Directories whose final mode and mtime are applied last (children change mtimes; 0500 dirs would block them). */
    private final Map<String, LayerEntry> dirs = new HashMap<>();
    /** Non-directories, for the hard-link copy fallback. */
    private final Map<String, LayerEntry> others = new HashMap<>();
    /** Device nodes left out (no privilege): hard links to them are left out too. */
    private final Set<String> skipped = new HashSet<>();
    private final byte[] buffer = new byte[64 * 1024];
    private boolean opaqueRoot;

    RootfsUnpacker(String layer, Path root, Capabilities caps) {
        this.layer = layer;
        this.root = root;
        this.caps = caps;
    }

    /** Unpacks the layer; {@code headers}, when not null, receives each entry read (its header). */
    void unpack(LayerReader reader, List<LayerEntry> headers) throws IOException {
        for (LayerEntry e; (e = reader.next()) != null;) {
            if (headers != null) {
                headers.add(e.withContent(e.size(), null));
            }
            try {
                unpackOne(e, reader);
            } catch (LayerFormatException ex) {
                throw ex;
            } catch (IOException ex) {
                throw new IOException("layer " + layer + ": entry \"" + e.path() + "\": " + ex.getMessage(), ex);
            }
        }
        // Deepest first: a directory's mode may forbid (for a non-root owner) reaching its children.
        List<String> order = new ArrayList<>(dirs.keySet());
        order.sort(LayerWriter.PATH_ORDER.reversed());
        for (String d : order) {
            LayerEntry e = dirs.get(d);
            Path p = root.resolve(d);
            Posix.chmod(p, e.mode());
            Posix.lutimes(p, e.mtime());
        }
    }

    private void unpackOne(LayerEntry e, LayerReader reader) throws IOException {
        String name = e.name();
        String parent = e.parent();
        for (String c : parent.isEmpty() ? new String[0] : parent.split("/")) {
            if (c.startsWith(LayerEntry.WHITEOUT_PREFIX)) {
                return; // below AUFS metadata (.wh..wh.plnk/...) or a whiteout: nothing overlay can use
            }
        }
        if (name.equals(LayerEntry.OPAQUE_WHITEOUT)) {
            parentsChecked(e.path()); // the directory itself, created when the layer has no entry for it
            markOpaque(parent);
            return;
        }
        if (name.startsWith(LayerEntry.WHITEOUT_PREFIX + LayerEntry.WHITEOUT_PREFIX)) {
            return; // other AUFS metadata
        }
        if (name.startsWith(LayerEntry.WHITEOUT_PREFIX)) {
            whiteout(e, name.substring(LayerEntry.WHITEOUT_PREFIX.length()), parent);
            return;
        }
        Path target = parentsChecked(e.path());
        Kind existing = kinds.get(e.path());
        boolean overWhiteout = false;
        if (existing != null) {
            switch (existing) {
                case WHITEOUT -> {
                    Files.delete(target);
                    overWhiteout = true;
                }
                case DIRECTORY, IMPLICIT_DIRECTORY -> {
                    if (e.type() == Type.DIRECTORY) {
                        applyOwnerAndXattrs(target, e);
                        Posix.chmod(target, e.mode() | 0700);
                        kinds.put(e.path(), Kind.DIRECTORY);
                        dirs.put(e.path(), e);
                        return;
                    }
                    Fs.deleteTree(target);
                    forget(e.path());
                }
                case OTHER -> Files.delete(target);
            }
            kinds.remove(e.path());
            others.remove(e.path());
            skipped.remove(e.path());
        }
        // Nothing untracked is there: every call below creates exclusively (EEXIST otherwise), so no lstat first
        // (one per entry: 270 of them cost busybox's unpack, on a cold build's critical path, ~7 ms).
        switch (e.type()) {
            case DIRECTORY -> {
                Files.createDirectory(target);
                applyOwnerAndXattrs(target, e);
                Posix.chmod(target, e.mode() | 0700); // exact mode at the end
                kinds.put(e.path(), Kind.DIRECTORY);
                dirs.put(e.path(), e);
                if (overWhiteout) {
                    markOpaque(e.path()); // the same layer deleted the lower directory and made a new one
                }
                return;
            }
            case FILE -> {
                try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    InputStream in = reader.content();
                    for (int n; (n = in.read(buffer)) >= 0;) {
                        out.write(buffer, 0, n);
                    }
                }
                applyMetadata(target, e);
            }
            case SYMLINK -> {
                Posix.symlink(e.linkTarget(), target);
                if (caps.owners()) {
                    Posix.lchown(target, e.uid(), e.gid());
                }
                Posix.lutimes(target, e.mtime());
            }
            case HARDLINK -> {
                String source = e.linkTarget();
                if (skipped.contains(source)) {
                    skipped.add(e.path());
                    return;
                }
                Path src = existingChecked(e);
                try {
                    Files.createLink(target, src);
                } catch (IOException | UnsupportedOperationException ex) {
                    // Too many links, say: a copy with the same metadata.
                    LayerEntry orig = others.get(source);
                    if (orig == null || orig.type() != Type.FILE) {
                        throw ex instanceof IOException io ? io : new IOException(ex);
                    }
                    Files.copy(src, target, LinkOption.NOFOLLOW_LINKS);
                    applyMetadata(target, orig);
                }
                others.put(e.path(), others.get(source));
            }
            case FIFO -> {
                Posix.mknod(target, Posix.S_IFIFO | 0600, 0, 0);
                applyMetadata(target, e);
            }
            case CHAR_DEVICE, BLOCK_DEVICE -> {
                if (!caps.devices()) {
                    skipped.add(e.path());
                    return;
                }
                Posix.mknod(target, (e.type() == Type.CHAR_DEVICE ? Posix.S_IFCHR : Posix.S_IFBLK) | 0600,
                        e.devMajor(), e.devMinor());
                applyMetadata(target, e);
            }
        }
        kinds.put(e.path(), Kind.OTHER);
        if (e.type() != Type.HARDLINK) {
            others.put(e.path(), e);
        }
    }

    /** {@code .wh.VICTIM} in {@code parent}. */
    private void whiteout(LayerEntry e, String victim, String parent) throws IOException {
        if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
            throw new LayerFormatException(layer, e.path(), "whiteout of \"" + victim + "\"");
        }
        String path = parent.isEmpty() ? victim : parent + "/" + victim;
        Path target = parentsChecked(path);
        Kind existing = kinds.get(path);
        if (existing == null) {
            if (lstat(target) != null) {
                throw new IllegalStateException("untracked file " + target);
            }
            try {
                Posix.mknod(target, Posix.S_IFCHR, 0, 0);
            } catch (IOException ex) {
                throw new IOException("cannot create the overlay whiteout " + target + ": " + ex.getMessage(), ex);
            }
            kinds.put(path, Kind.WHITEOUT);
        } else if (existing == Kind.DIRECTORY || existing == Kind.IMPLICIT_DIRECTORY) {
            // The layer deletes the lower directory and has one of its own: overlay says that with opaque.
            markOpaque(path);
        }
        // A file of this layer, or another whiteout: it hides the lower path already.
    }

    /** Whether the layer has an opaque marker at its root (overlay ignores it there; the caller must cut the lower layers). */
    boolean opaqueRoot() {
        return opaqueRoot;
    }

    private void markOpaque(String dir) throws IOException {
        if (dir.isEmpty()) {
            opaqueRoot = true;
        }
        Path p = dir.isEmpty() ? root : root.resolve(dir);
        Posix.setXattr(p, caps.xattrs().opaque(), Y);
    }

    private void applyMetadata(Path target, LayerEntry e) throws IOException {
        applyOwnerAndXattrs(target, e);
        Posix.chmod(target, e.mode()); // after chown, which clears setuid/setgid
        Posix.lutimes(target, e.mtime());
    }

    private void applyOwnerAndXattrs(Path target, LayerEntry e) throws IOException {
        if (caps.owners()) {
            try {
                Posix.lchown(target, e.uid(), e.gid());
            } catch (IOException ex) {
                throw new IOException("cannot give it the owner " + e.uid() + ":" + e.gid() + ": " + ex.getMessage(), ex);
            }
        }
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            String k = x.getKey();
            if (!applies(k, e.type())) {
                continue;
            }
            try {
                Posix.setXattr(target, k, x.getValue());
            } catch (IOException ex) {
                int errno = Posix.errno(ex);
                if (k.startsWith("security.") && !caps.owners() && (errno == Posix.EPERM || errno == Posix.EINVAL)) {
                    continue; // capabilities need privileges this process lacks (documented)
                }
                if (errno == Posix.EOPNOTSUPP) {
                    continue; // the store's file system lacks this namespace
                }
                throw ex;
            }
        }
    }

    /** The portable attributes a layer may set: file capabilities, and user.* except overlay's own. */
    static boolean portableXattr(String name) {
        return name.equals("security.capability")
                || name.startsWith("user.") && !name.startsWith("user.overlay.");
    }

    private static boolean applies(String name, Type type) {
        if (!portableXattr(name)) {
            return false;
        }
        if (name.equals("security.capability")) {
            return type == Type.FILE;
        }
        return type == Type.FILE || type == Type.DIRECTORY; // Linux allows user.* nowhere else
    }

    /** Forgets what was below a replaced directory. */
    private void forget(String dir) {
        String prefix = dir + "/";
        kinds.keySet().removeIf(p -> p.equals(dir) || p.startsWith(prefix));
        dirs.keySet().removeIf(p -> p.equals(dir) || p.startsWith(prefix));
        others.keySet().removeIf(p -> p.equals(dir) || p.startsWith(prefix));
        skipped.removeIf(p -> p.equals(dir) || p.startsWith(prefix));
    }

    /**
     * The entry's location, after making sure each parent is a directory this layer made
     * (creating missing ones). A parent that is a whiteout of this layer becomes an opaque
     * directory; a symlink or another non-directory is an error.
     */
    private Path parentsChecked(String path) throws IOException {
        String[] comps = path.split("/");
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < comps.length - 1; i++) {
            if (i > 0) {
                prefix.append('/');
            }
            prefix.append(comps[i]);
            String p = prefix.toString();
            Kind k = kinds.get(p);
            if (k == Kind.DIRECTORY || k == Kind.IMPLICIT_DIRECTORY) {
                continue;
            }
            Path cur = root.resolve(p);
            if (k == null) {
                if (lstat(cur) != null) {
                    throw new IllegalStateException("untracked file " + cur);
                }
                mkdirImplicit(p, cur);
            } else if (k == Kind.WHITEOUT) {
                Files.delete(cur);
                mkdirImplicit(p, cur);
                markOpaque(p);
            } else {
                BasicFileAttributes a = lstat(cur);
                if (a != null && a.isSymbolicLink()) {
                    throw new LayerFormatException(layer, path, "parent \"" + p
                            + "\" is a symlink in this layer; refusing to write through it");
                }
                throw new LayerFormatException(layer, path, "parent \"" + p + "\" is not a directory");
            }
        }
        Path target = root.resolve(path);
        if (!target.normalize().startsWith(root)) {
            throw new LayerFormatException(layer, path, "escapes the snapshot");
        }
        return target;
    }

    private void mkdirImplicit(String p, Path cur) throws IOException {
        Files.createDirectory(cur);
        Posix.chmod(cur, 0755);
        kinds.put(p, Kind.IMPLICIT_DIRECTORY);
        dirs.put(p, LayerEntry.directory(p, 0755, 0, 0, Instant.EPOCH));
    }

    /** The hard link's source: a non-directory this layer made, reached through its directories. */
    private Path existingChecked(LayerEntry e) throws IOException {
        String t = e.linkTarget();
        String[] comps = t.split("/");
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < comps.length - 1; i++) {
            if (i > 0) {
                prefix.append('/');
            }
            prefix.append(comps[i]);
            Kind k = kinds.get(prefix.toString());
            if (k != Kind.DIRECTORY && k != Kind.IMPLICIT_DIRECTORY) {
                throw new LayerFormatException(layer, e.path(), "hardlink target \"" + t
                        + "\" is not inside the layer (missing, or below a symlink)");
            }
        }
        Kind k = kinds.get(t);
        if (k != Kind.OTHER) {
            throw new LayerFormatException(layer, e.path(), "hardlink target \"" + t + "\" is "
                    + (k == null ? "missing" : k == Kind.WHITEOUT ? "a whiteout" : "a directory"));
        }
        return root.resolve(t);
    }

    private static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
