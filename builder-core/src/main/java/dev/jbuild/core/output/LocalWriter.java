package dev.jbuild.core.output;

import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --output type=local}: the final root filesystem written into a directory. Owners are set
 * when running as root; nothing is ever written through a symlink of the tree being written.
 */
public final class LocalWriter {
    private LocalWriter() {}

    public static void write(Path dest, List<LayerEntry> entries) throws IOException {
        Files.createDirectories(dest);
        Path root = dest.toRealPath();
        boolean root0 = "root".equals(System.getProperty("user.name"));
        List<LayerEntry> dirs = new ArrayList<>();
        for (LayerEntry e : entries) {
            Path p = root.resolve(e.path());
            if (!p.normalize().startsWith(root) || hasSymlinkParent(root, p)) {
                throw new IOException("refusing to write " + e.path() + " outside " + dest);
            }
            switch (e.type()) {
                case DIRECTORY -> {
                    Files.createDirectories(p);
                    dirs.add(e);
                }
                case FILE -> {
                    Files.deleteIfExists(p);
                    try (InputStream in = e.content().open()) {
                        Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                    }
                    Files.setPosixFilePermissions(p, perms(e.mode()));
                    Files.setLastModifiedTime(p, FileTime.from(e.mtime()));
                }
                case SYMLINK -> {
                    Files.deleteIfExists(p);
                    Files.createSymbolicLink(p, Path.of(e.linkTarget()));
                }
                case HARDLINK -> {
                    Files.deleteIfExists(p);
                    Files.createLink(p, root.resolve(e.linkTarget()));
                }
                default -> {
                    continue; // devices and fifos need privileges a local export should not assume
                }
            }
            if (root0) {
                try {
                    Files.setAttribute(p, "unix:uid", (int) e.uid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(p, "unix:gid", (int) e.gid(), LinkOption.NOFOLLOW_LINKS);
                } catch (UnsupportedOperationException | IOException ignored) {
                    // ownership is best effort: a filesystem without it still gets the content
                }
            }
        }
        // Directory times and modes last: writing files into them would change their mtime.
        for (int i = dirs.size() - 1; i >= 0; i--) {
            LayerEntry e = dirs.get(i);
            Path p = root.resolve(e.path());
            Files.setPosixFilePermissions(p, perms(e.mode()));
            Files.setLastModifiedTime(p, FileTime.from(e.mtime()));
        }
    }

    private static boolean hasSymlinkParent(Path root, Path p) {
        for (Path q = p.getParent(); q != null && q.startsWith(root) && !q.equals(root); q = q.getParent()) {
            if (Files.isSymbolicLink(q)) {
                return true;
            }
        }
        return false;
    }

    private static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(order[i]);
            }
        }
        return s;
    }
}
