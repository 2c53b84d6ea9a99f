package dev.jbuild.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each call of the JNI library (src/main/c/jbuild-posix.c) against what the kernel then reports through the JDK. */
class PosixTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void root() throws IOException {
        Overlay.requireRoot();
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void theLibraryLoadsFromTheUsersCacheUnderItsChecksum() throws Exception {
        assertTrue(Posix.available());
        NativeLibraryFile.Library lib = NativeLibraryFile.Library.of("libjbuild-posix");
        Path expected = NativeLibraryFile.userCacheDir().resolve("libjbuild-posix-" + lib.sha256() + ".so");
        String maps = Files.readString(Path.of("/proc/self/maps"));
        assertTrue(maps.contains(expected.toString()), "not mapped from " + expected + ":\n" + maps);
        assertEquals(lib.sha256(), dev.jbuild.oci.Digest.sha256(Files.readAllBytes(expected)).hex());
    }

    @Test
    void geteuidIsTheProcesssUser() throws IOException {
        assertEquals(uid(Path.of("/proc/self").toRealPath()), Posix.geteuid());
        assertEquals(0, Posix.geteuid());
    }

    @Test
    void mknodMakesFifosAndCharacterDevicesWithTheirNumbers() throws IOException {
        Path fifo = tmp.resolve("fifo");
        Posix.mknod(fifo, Posix.S_IFIFO | 0640, 0, 0);
        assertEquals(Posix.S_IFIFO | 0640, mode(fifo));
        Path whiteout = tmp.resolve("wh");
        Posix.mknod(whiteout, Posix.S_IFCHR, 0, 0);
        assertEquals(Posix.S_IFCHR, mode(whiteout) & Posix.S_IFMT);
        assertEquals(0L, Files.getAttribute(whiteout, "unix:rdev"));
        Path dev = tmp.resolve("dev");
        Posix.mknod(dev, Posix.S_IFCHR | 0600, 259, 300); // major > 0xff and minor > 0xff: glibc's makedev
        long rdev = (Long) Files.getAttribute(dev, "unix:rdev");
        assertEquals(259, Posix.major(rdev));
        assertEquals(300, Posix.minor(rdev));
        FileSystemException e = assertThrows(FileAlreadyExistsException.class,
                () -> Posix.mknod(fifo, Posix.S_IFIFO | 0600, 0, 0));
        assertEquals(Posix.EEXIST, Posix.errno(e));
        assertEquals("mknod: File exists (errno 17)", e.getReason());
        assertEquals(fifo.toString(), e.getFile());
    }

    @Test
    void lchownChangesTheLinkNotItsTarget() throws IOException {
        Path target = Files.createFile(tmp.resolve("t"));
        Path link = Files.createSymbolicLink(tmp.resolve("l"), target);
        Posix.lchown(link, 1234, 5678);
        assertEquals(1234, uid(link));
        assertEquals(5678, (Integer) Files.getAttribute(link, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(0, uid(target));
        Posix.lchown(target, 0xfffffffeL, 7);
        assertEquals(0xfffffffe, uid(target));
        assertThrows(FileSystemException.class, () -> Posix.lchown(target, 0xffffffffL, 0));
        assertEquals(Posix.ENOENT, Posix.errno(assertThrows(NoSuchFileException.class,
                () -> Posix.lchown(tmp.resolve("missing"), 0, 0))));
    }

    @Test
    void chmodSetsTheSpecialBits() throws IOException {
        Path f = Files.createFile(tmp.resolve("f"));
        Posix.chmod(f, 07755);
        assertEquals(07755, mode(f) & 07777);
        Posix.chmod(f, 0400);
        assertEquals(0400, mode(f) & 07777);
    }

    @Test
    void symlinkAndReadlinkKeepTheTargetsBytes() throws IOException {
        Path link = tmp.resolve("l");
        Posix.symlink("a//b/./", link);
        assertEquals("a//b/./", Posix.readlink(link));
        assertTrue(Files.isSymbolicLink(link));
        // longer than readlink's first buffer (256 bytes), non-ASCII
        String longTarget = "ü/".repeat(700) + "end";
        Path longLink = tmp.resolve("long");
        Posix.symlink(longTarget, longLink);
        assertEquals(longTarget, Posix.readlink(longLink));
        assertEquals(Posix.EEXIST, Posix.errno(assertThrows(FileAlreadyExistsException.class,
                () -> Posix.symlink("x", link))));
        Path file = Files.createFile(tmp.resolve("f"));
        FileSystemException notLink = assertThrows(FileSystemException.class, () -> Posix.readlink(file));
        assertEquals(Posix.EINVAL, Posix.errno(notLink));
        assertEquals("readlink: Invalid argument (errno 22)", notLink.getReason());
    }

    @Test
    void lutimesSetsTheLinksTimesWithNanoseconds() throws IOException {
        Path target = Files.createFile(tmp.resolve("t"));
        FileTime before = Files.getLastModifiedTime(target);
        Path link = Files.createSymbolicLink(tmp.resolve("l"), target);
        Instant t = Instant.ofEpochSecond(1_000_000_000L, 123_456_789);
        Posix.lutimes(link, t);
        assertEquals(FileTime.from(t), Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS));
        assertEquals(FileTime.from(t), Files.getAttribute(link, "lastAccessTime", LinkOption.NOFOLLOW_LINKS));
        assertEquals(before, Files.getLastModifiedTime(target));
        Posix.lutimes(target, Instant.EPOCH);
        assertEquals(FileTime.from(Instant.EPOCH), Files.getLastModifiedTime(target));
    }

    @Test
    void xattrsAreSetReadListedAndRemoved() throws IOException {
        Path f = Files.createFile(tmp.resolve("f"));
        assertEquals(Map.of(), Posix.listXattrs(f));
        assertNull(Posix.getXattr(f, "user.absent")); // ENODATA
        Posix.removeXattr(f, "user.absent"); // ENODATA ignored
        byte[] big = new byte[3000];
        Arrays.fill(big, (byte) 'v');
        big[0] = 0;
        Posix.setXattr(f, "user.big", big);
        Posix.setXattr(f, "user.empty", new byte[0]);
        Posix.setXattr(f, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(big, Posix.getXattr(f, "user.big"));
        assertArrayEquals(new byte[0], Posix.getXattr(f, "user.empty"));
        Map<String, byte[]> all = Posix.listXattrs(f);
        assertEquals(List.of("trusted.overlay.opaque", "user.big", "user.empty"), List.copyOf(all.keySet()));
        assertArrayEquals(big, all.get("user.big"));
        assertArrayEquals("y".getBytes(StandardCharsets.UTF_8), all.get("trusted.overlay.opaque"));
        Posix.removeXattr(f, "user.big");
        assertNull(Posix.getXattr(f, "user.big"));
        assertEquals(List.of("trusted.overlay.opaque", "user.empty"), List.copyOf(Posix.listXattrs(f).keySet()));
        // a symlink's own attributes (trusted.* is allowed on links, user.* is not)
        Path link = Files.createSymbolicLink(tmp.resolve("l"), f);
        Posix.setXattr(link, "trusted.x", new byte[] {1, 2});
        assertArrayEquals(new byte[] {1, 2}, Posix.getXattr(link, "trusted.x"));
        assertNull(Posix.getXattr(f, "trusted.x"));
        FileSystemException onLink = assertThrows(FileSystemException.class,
                () -> Posix.setXattr(link, "user.x", new byte[] {1}));
        assertEquals(Posix.EPERM, Posix.errno(onLink));
        FileSystemException missing = assertThrows(NoSuchFileException.class,
                () -> Posix.setXattr(tmp.resolve("missing"), "user.x", new byte[] {1}));
        assertEquals("lsetxattr user.x: No such file or directory (errno 2)", missing.getReason());
        assertEquals(Posix.ENOENT, Posix.errno(assertThrows(NoSuchFileException.class,
                () -> Posix.listXattrs(tmp.resolve("missing")))));
        assertEquals(Posix.ENOENT, Posix.errno(assertThrows(NoSuchFileException.class,
                () -> Posix.getXattr(tmp.resolve("missing"), "user.x"))));
    }

    @Test
    void setTopDirSetsExt4sFlagAsChattrWould() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("d"));
        boolean set = Posix.setTopDir(dir);
        Process proc = new ProcessBuilder("lsattr", "-d", dir.toString()).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, proc.waitFor(), out);
        assertEquals(set, out.split("\\s+")[0].contains("T"), out);
        assertFalse(Posix.setTopDir(tmp.resolve("missing")));
        assertFalse(Posix.setTopDir(Files.createFile(tmp.resolve("file")))); // O_DIRECTORY
    }

    @Test
    void extractionWritesOnceAndReplacesAFileThatDoesNotMatch() throws IOException {
        NativeLibraryFile.Library lib = NativeLibraryFile.Library.of("libjbuild-posix");
        Path dir = tmp.resolve("cache");
        Path file = NativeLibraryFile.extract(lib, dir);
        assertEquals(dir.resolve("libjbuild-posix-" + lib.sha256() + ".so"), file);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        Object inode = Files.readAttributes(file, "unix:ino").get("ino");
        assertEquals(file, NativeLibraryFile.extract(lib, dir));
        assertEquals(inode, Files.readAttributes(file, "unix:ino").get("ino"), "rewritten although it matched");
        Files.write(file, new byte[] {1, 2, 3});
        NativeLibraryFile.extract(lib, dir);
        assertEquals(lib.sha256(), dev.jbuild.oci.Digest.sha256(Files.readAllBytes(file)).hex());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "temporary files left");
        }
    }

    @Test
    void extractionRefusesADirectoryOthersCanWriteTo() throws IOException {
        NativeLibraryFile.Library lib = NativeLibraryFile.Library.of("libjbuild-posix");
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Posix.chmod(shared, 01777); // as /tmp
        IOException e = assertThrows(IOException.class, () -> NativeLibraryFile.extract(lib, shared));
        assertTrue(e.getMessage().contains("writable by other users"), e.getMessage());
        Path other = Files.createDirectory(tmp.resolve("other"));
        Posix.lchown(other, 4321, 4321);
        e = assertThrows(IOException.class, () -> NativeLibraryFile.extract(lib, other));
        assertTrue(e.getMessage().contains("belongs to uid 4321"), e.getMessage());
        Path link = Files.createSymbolicLink(tmp.resolve("link"), Files.createDirectory(tmp.resolve("real")));
        assertThrows(IOException.class, () -> NativeLibraryFile.extract(lib, link));
        try (var files = Files.list(tmp.resolve("real"))) {
            assertEquals(0, files.count(), "a library was written through the link");
        }
    }

    /** The native removal deletes the tree only: links to outside it are removed, never followed. */
    @Test
    void removeTreeRemovesTheTreeAndNothingItLinksTo() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside/dir"));
        Path kept = Files.writeString(outside.resolve("kept"), "kept");
        Path tree = tmp.resolve("tree");
        for (int i = 0; i < 300; i++) {
            Path d = Files.createDirectories(tree.resolve("d" + i % 7).resolve("e" + i % 3));
            Files.writeString(d.resolve("f" + i), "x");
        }
        Files.createSymbolicLink(tree.resolve("to-dir"), outside);
        Files.createSymbolicLink(tree.resolve("d0/to-file"), kept);
        Files.createLink(tree.resolve("d1/hard"), kept);
        Posix.mknod(tree.resolve("fifo"), 0010644, 0, 0);
        Path locked = Files.createDirectories(tree.resolve("locked/sub"));
        Files.writeString(locked.resolve("f"), "x");
        Posix.chmod(locked, 0);
        Posix.chmod(tree.resolve("locked"), 0500);

        assertTrue(Posix.removeTree(tree));
        assertFalse(Files.exists(tree, LinkOption.NOFOLLOW_LINKS));
        assertEquals("kept", Files.readString(kept));
        assertEquals(List.of(kept), Files.list(outside).toList(), "what the links pointed at is untouched");

        assertTrue(Posix.removeTree(tree), "a path already gone");
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertTrue(Posix.removeTree(file));
        assertFalse(Files.exists(file));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), outside);
        assertTrue(Posix.removeTree(link));
        assertTrue(Files.isDirectory(outside) && !Files.exists(link, LinkOption.NOFOLLOW_LINKS));
    }
}
