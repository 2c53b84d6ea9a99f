package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * jbuild's state directory: content-addressed blobs, unpacked layer snapshots, local tags.
 *
 * <pre>
 * root/
 *   blobs/sha256/&lt;hex&gt;        blobs, only ever created by an atomic rename of complete, verified content
 *   diffids/sha256/&lt;hex&gt;      layer blob digest -&gt; diff-id (sha256 of the uncompressed tar), one small file each
 *   members/sha256/&lt;hex&gt;      a gzip layer blob's member index (GzipMemberIndex), to copy unchanged members from
 *   snapshots/&lt;diffid hex&gt;/    fs/ (the unpacked layer) and entries (its metadata); renamed into place when complete
 *   snapshots/&lt;hex&gt;.lock      per-layer unpack lock
 *   rootfs/&lt;diffid hex&gt;[-v]/    (0700) root/ (a layer as an overlay lower dir, exact owners/modes/devices/whiteouts) and info
 *   rootfs/&lt;name&gt;.lock         per-snapshot unpack lock
 *   tmp/                       temp files (blob writers, atomic writes, trash); cleaned by open() and prune()
 *   images.json                local tags, replaced atomically
 *   images.lock                serialises tag updates
 *   lock                       the store lock: builds hold it shared, prune holds it exclusive
 * </pre>
 *
 * <p>A Store is thread-safe, and any number of processes may use one root at once. Every writing
 * operation (blob writers, snapshot unpacking, tagging) takes a shared hold on the store lock for
 * its duration; a build should in addition hold {@link #lockShared()} from its start until its
 * result is tagged, so that {@link #prune} (which takes the lock exclusively, waiting for every
 * shared holder) never removes what the build wrote but has not referenced yet.
 */
public final class Store {
    private final Path root;
    private final Path tmp;
    private final LockFile lock;
    private final BlobStore blobs;
    private final SnapshotStore snapshots;
    private final RootfsSnapshots rootfs;
    private final ImageStore images;
    private final StepCache steps;

    private Store(Path root) {
        this.root = root;
        this.tmp = root.resolve("tmp");
        this.lock = LockFile.of(root.resolve("lock"), false);
        this.blobs = new BlobStore(this);
        this.snapshots = new SnapshotStore(this);
        this.rootfs = new RootfsSnapshots(this);
        this.images = new ImageStore(this);
        this.steps = new StepCache(this, root.resolve("steps"));
    }

    /**
     * Opens (creating when missing) the store at {@code root}, and removes temp files that
     * crashed or killed processes left behind (those no live writer holds).
     */
    public static Store open(Path root) throws IOException {
        Path r = root.toAbsolutePath().normalize();
        // Unpacked layers and builds' scratch trees (a RUN's upper and work dirs) are made and deleted by the
        // thousand: spread over block groups, each tree in one, their new files need not wait behind the recently
        // deleted inodes of other trees (ext4 without a journal skips each of them when it allocates one: up to
        // milliseconds per new file on a busy machine, against a tenth of that in a quiet group).
        // Set once per store (the marker says so): the calls load the native-call library, which every later
        // command, a no-op build included, would otherwise pay for at start-up.
        Files.createDirectories(r);
        Path hinted = r.resolve(".topdirs");
        boolean hint = !Files.exists(hinted);
        if (hint) {
            Posix.setTopDir(r);
        }
        for (String d : new String[] {"blobs/sha256", "diffids/sha256", "snapshots", "tmp"}) {
            Files.createDirectories(r.resolve(d));
        }
        if (hint) {
            Posix.setTopDir(r.resolve("snapshots"));
            Posix.setTopDir(r.resolve("tmp"));
            try {
                Files.createFile(hinted);
            } catch (IOException e) {
                // another process was first, or a read-only store: the next open sets the hints again
            }
        }
        // One canonical path per store, so that every Store object of this JVM on this root shares
        // the same lock objects (two channels on one lock file would break POSIX locking).
        r = r.toRealPath();
        Path lockFile = r.resolve("lock");
        if (!Files.exists(lockFile)) {
            try {
                Files.createFile(lockFile);
            } catch (java.nio.file.FileAlreadyExistsException ignored) {
                // another process was first
            }
        }
        Store s = new Store(r);
        s.cleanTmp(false);
        return s;
    }

    /** {@code $JBUILD_ROOT}, else {@code $XDG_DATA_HOME/jbuild}, else {@code ~/.local/share/jbuild}. */
    public static Path defaultRoot() {
        return defaultRoot(System.getenv(), System.getProperty("user.home"));
    }

    static Path defaultRoot(Map<String, String> env, String home) {
        String jr = env.get("JBUILD_ROOT");
        if (jr != null && !jr.isEmpty()) {
            return Paths.get(jr);
        }
        String xdg = env.get("XDG_DATA_HOME");
        // The XDG spec: a relative value is invalid and must be ignored.
        if (xdg != null && !xdg.isEmpty() && Paths.get(xdg).isAbsolute()) {
            return Paths.get(xdg, "jbuild");
        }
        return Paths.get(home, ".local", "share", "jbuild");
    }

    public Path root() {
        return root;
    }

    public BlobStore blobs() {
        return blobs;
    }

    public SnapshotStore snapshots() {
        return snapshots;
    }

    /** Layers unpacked as overlay lower directories, for containers (RUN). */
    public RootfsSnapshots rootfs() {
        return rootfs;
    }

    /** The build cache's step index. */
    public StepCache steps() {
        return steps;
    }

    public ImageStore images() {
        return images;
    }

    /**
     * A shared hold on the store: many builds (threads or processes) at once; {@link #prune} waits
     * until every shared hold is released. Re-entrant. Close it when the build has tagged (or
     * otherwise referenced) what it wrote.
     */
    public StoreLock lockShared() throws IOException {
        return lock.shared();
    }

    /** The exclusive hold that {@link #prune} takes; blocks while anyone holds a shared hold. */
    public StoreLock lockExclusive() throws IOException {
        return lock.exclusive();
    }

    /** The exclusive hold if it can be had within {@code timeout}. */
    public Optional<StoreLock> tryLockExclusive(Duration timeout) throws IOException {
        return Optional.ofNullable(lock.tryAcquire(false, timeout));
    }

    /**
     * Garbage collection: under the exclusive lock (so it waits for running builds), removes every
     * blob not reachable from a tag or from {@code extraRoots} (manifests and indexes are followed
     * through their {@code config}, {@code layers}, {@code manifests} and {@code subject}
     * descriptors), and every snapshot whose diff-id belongs to no reachable layer. A digest in
     * {@code extraRoots} may also name a snapshot by its diff-id.
     */
    @SuppressWarnings("try") // held for its scope only
    public PruneResult prune(Set<Digest> extraRoots) throws IOException {
        try (StoreLock ignored = lockExclusive()) {
            return new GarbageCollector(this).collect(extraRoots);
        }
    }

    Path tmpDir() {
        return tmp;
    }

    Path path(String relative) {
        return root.resolve(relative);
    }

    /**
     * Removes abandoned temp files. {@code all}: the caller holds the exclusive lock, so no writer
     * can be running and everything unlocked goes.
     */
    void cleanTmp(boolean all) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (BlobWriter.isLive(p)) {
                    continue;
                }
                try {
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        if (all || Fs.abandoned(p, name)) {
                            Fs.deleteTree(p);
                        }
                        continue;
                    }
                    if (!all && !Fs.abandoned(p, name)) {
                        continue;
                    }
                    deleteIfUnlocked(p);
                } catch (NoSuchFileException ignored) {
                    // renamed or deleted by its owner meanwhile
                }
            }
        }
    }

    /** Deletes a temp file unless a (live) writer holds a lock on it. */
    private static void deleteIfUnlocked(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return; // held in this JVM
            }
            if (l == null) {
                return; // held by another process
            }
            try {
                Files.deleteIfExists(p);
            } finally {
                l.release();
            }
        }
    }

    @Override
    public String toString() {
        return "Store[" + root + "]";
    }
}
