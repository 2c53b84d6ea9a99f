package dev.jbuild.executor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run's scratch files, in a per-JVM scratch directory on a tmpfs when there is one ($XDG_RUNTIME_DIR, else
 * /dev/shm; else {@code <stateDir>/exec}): {@code <id>.spec} and {@code <id>.report} for the helper and, for OCI
 * runtimes, a directory {@code <id>/} with the bundle, pid file, log and hostname file. The rootfs mount point
 * ({@code root/}), the empty lower dir of scratch builds ({@code empty/}) and the mount point of the helper's
 * tmpfs of mount-point stubs ({@code stubs/}) are shared by all runs: every run mounts in a private mount
 * namespace, so on the host they stay empty directories.
 * Creating and deleting a run's files on a tmpfs costs a fraction of a millisecond, where a journalled disk
 * may take several.
 *
 * <p>Only known names are deleted, never recursively. The scratch directory ({@code jbuild-exec-<pid>-<random>},
 * mode 0700) is removed at JVM exit, after the running helpers have stopped their containers; those of JVMs that
 * are gone are removed when an executor is created.
 */
final class RunDir implements AutoCloseable {
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final Map<Path, Path> SCRATCH = new ConcurrentHashMap<>();
    private static final String PREFIX = "jbuild-exec-";
    private static final List<String> BUNDLE_FILES = List.of("hostname", "pid", "runtime.log", "bundle/config.json");

    final Path base;
    final String id;
    private final boolean withDir;

    private RunDir(Path base, String id, boolean withDir) {
        this.base = base;
        this.id = id;
        this.withDir = withDir;
    }

    /** A new run's files; WITHDIR: also a directory of its own (for OCI bundles). */
    static RunDir create(Path stateDir, boolean withDir) throws IOException {
        Path base = scratch(stateDir);
        String id = String.valueOf(COUNTER.incrementAndGet());
        RunDir r = new RunDir(base, id, withDir);
        if (withDir) Files.createDirectory(base.resolve(id));
        return r;
    }

    Path spec() { return base.resolve(id + ".spec"); }
    Path report() { return base.resolve(id + ".report"); }
    Path rootfs() { return base.resolve("root"); }
    Path emptyDir() { return base.resolve("empty"); }
    Path stubsDir() { return base.resolve("stubs"); }

    /** A file in the run's own directory. */
    Path path(String name) {
        if (!withDir) throw new IllegalStateException("no run directory");
        return base.resolve(id).resolve(name);
    }

    @Override
    public void close() {
        List<Path> paths = new ArrayList<>(List.of(spec(), report()));
        if (withDir) {
            for (String f : BUNDLE_FILES) paths.add(path(f));
            paths.add(path("bundle"));
            paths.add(base.resolve(id));
        }
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /** This JVM's scratch directory for runs under STATEDIR, created on first use. */
    static Path scratch(Path stateDir) throws IOException {
        Path existing = SCRATCH.get(stateDir);
        if (existing != null && Files.isDirectory(existing)) return existing;
        synchronized (SCRATCH) {
            existing = SCRATCH.get(stateDir);
            if (existing != null && Files.isDirectory(existing)) return existing;
            Path parent = scratchParent(stateDir);
            cleanStale(parent);
            // A new directory, never one that exists: in a shared directory (/dev/shm) a name someone made first
            // is only skipped, so the name need not be unguessable (a SecureRandom cost the first RUN ~8 ms).
            Path base;
            while (true) {
                base = parent.resolve(PREFIX + ProcessHandle.current().pid() + "-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffffL));
                try {
                    Files.createDirectory(base,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    break;
                } catch (java.nio.file.FileAlreadyExistsException taken) {
                    // another name
                }
            }
            Files.createDirectory(base.resolve("root"));
            Files.createDirectory(base.resolve("empty"));
            Files.createDirectory(base.resolve("stubs"));
            if (SCRATCH.isEmpty()) Runtime.getRuntime().addShutdownHook(new Thread(RunDir::removeAll, "jbuild-exec-cleanup"));
            SCRATCH.put(stateDir, base);
            return base;
        }
    }

    private static Path scratchParent(Path stateDir) throws IOException {
        List<Path> candidates = new ArrayList<>();
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && xdg.startsWith("/")) candidates.add(Path.of(xdg));
        candidates.add(Path.of("/dev/shm"));
        for (Path c : candidates) {
            if (Files.isDirectory(c) && Files.isWritable(c)) return c;
        }
        return Files.createDirectories(stateDir.resolve("exec"));
    }

    private static void removeAll() {
        ProcessRunner.stopAll(); // the helpers still use their files (an OCI runtime's pid file and log)
        for (Path base : SCRATCH.values()) removeScratch(base);
    }

    private static void removeScratch(Path base) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(base)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.endsWith(".spec") || n.endsWith(".report")) Files.deleteIfExists(p);
                else if (n.matches("[0-9]+")) {
                    for (String f : BUNDLE_FILES) Files.deleteIfExists(p.resolve(f));
                    Files.deleteIfExists(p.resolve("bundle"));
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(base.resolve("root"));
            Files.deleteIfExists(base.resolve("empty"));
            Files.deleteIfExists(base.resolve("stubs"));
            Files.deleteIfExists(base);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Removes the scratch directories of JVMs that are gone (killed mid-run). */
    private static void cleanStale(Path parent) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path p : ds) {
                String rest = p.getFileName().toString().substring(PREFIX.length());
                int dash = rest.indexOf('-');
                if (dash <= 0 || !Files.isWritable(p)) continue;
                try {
                    if (ProcessHandle.of(Long.parseLong(rest.substring(0, dash))).isEmpty()) removeScratch(p);
                } catch (NumberFormatException ignored) {
                    // not ours
                }
            }
        } catch (IOException ignored) {
            // best effort
        }
    }
}
