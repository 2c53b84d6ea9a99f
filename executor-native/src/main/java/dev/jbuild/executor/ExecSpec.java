package dev.jbuild.executor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * What to run and on which filesystem.
 *
 * @param lowerDirs read-only layers, TOP FIRST (overlay lowerdir order); may be empty (a scratch build)
 * @param upperDir overlay upper dir (empty at first, on the same filesystem as workDir); the step's changes land
 *     here: new and changed files, whiteouts (character devices 0/0) for deleted ones, the opaque xattr on
 *     directories that replaced a lower one ({@code trusted.overlay.opaque}, or {@code user.overlay.opaque} when
 *     the native executor runs unprivileged; see {@link OverlayUpper})
 * @param workDir overlay work dir (empty, or the work dir of an earlier step on the same upper dir). The overlay
 *     is mounted {@code volatile} (no sync of the upper filesystem, notably none at unmount, which would sync
 *     the whole filesystem every step); the helper clears the {@code work/incompat/volatile} marker that this
 *     leaves, so a later step may use the same upper and work dirs again
 * @param args the command and its arguments (exec form); args[0] is looked up in {@code PATH} of {@code env}
 *     when it has no slash
 * @param env the environment, {@code NAME=value}
 * @param cwd absolute working directory inside the rootfs; created when missing
 * @param uid user id (in the rootfs' terms)
 * @param gid group id
 * @param additionalGids supplementary groups (jbuild resolves the user's groups from the image)
 * @param hostname the container's hostname (also written to /etc/hostname); null or empty for none
 * @param network HOST or NONE
 * @param mounts extra mounts, in order
 * @param resolvConf host file bind-mounted read-only on /etc/resolv.conf; null for none
 * @param hosts host file bind-mounted read-only on /etc/hosts; null for none
 * @param insecure {@code RUN --security=insecure}: all capabilities, /sys writable, /proc unmasked
 * @param timeout null for none
 */
public record ExecSpec(
        List<Path> lowerDirs,
        Path upperDir,
        Path workDir,
        List<String> args,
        List<String> env,
        String cwd,
        long uid,
        long gid,
        List<Long> additionalGids,
        String hostname,
        Network network,
        List<Mount> mounts,
        Path resolvConf,
        Path hosts,
        boolean insecure,
        Duration timeout) {

    public ExecSpec {
        lowerDirs = List.copyOf(lowerDirs);
        for (Path p : lowerDirs) requireAbsolute(p, "lower dir");
        requireAbsolute(Objects.requireNonNull(upperDir, "upperDir"), "upper dir");
        requireAbsolute(Objects.requireNonNull(workDir, "workDir"), "work dir");
        args = List.copyOf(args);
        if (args.isEmpty()) throw new IllegalArgumentException("no command");
        env = List.copyOf(env);
        for (String s : args) noNul(s, "argument");
        for (String s : env) {
            noNul(s, "environment entry");
            if (s.indexOf('=') <= 0) throw new IllegalArgumentException("environment entry is not NAME=value: " + s);
        }
        cwd = checkAbsolute(cwd, "cwd");
        if (uid < 0 || uid > 0xFFFFFFFEL) throw new IllegalArgumentException("bad uid " + uid);
        if (gid < 0 || gid > 0xFFFFFFFEL) throw new IllegalArgumentException("bad gid " + gid);
        additionalGids = List.copyOf(additionalGids);
        for (long g : additionalGids) if (g < 0 || g > 0xFFFFFFFEL) throw new IllegalArgumentException("bad gid " + g);
        if (hostname != null) {
            noNul(hostname, "hostname");
            if (hostname.length() > 64 || hostname.indexOf('\n') >= 0)
                throw new IllegalArgumentException("bad hostname " + hostname);
        }
        Objects.requireNonNull(network, "network");
        mounts = List.copyOf(mounts);
        if (resolvConf != null) requireAbsolute(resolvConf, "resolv.conf");
        if (hosts != null) requireAbsolute(hosts, "hosts");
        if (timeout != null && (timeout.isNegative() || timeout.isZero()))
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }

    public static Builder builder() {
        return new Builder();
    }

    private static void requireAbsolute(Path p, String what) {
        if (!p.isAbsolute()) throw new IllegalArgumentException(what + " must be absolute: " + p);
        noNul(p.toString(), what);
    }

    private static void noNul(String s, String what) {
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException(what + " contains NUL: " + s);
    }

    /** An absolute path inside the rootfs, cleaned lexically ({@code .}, {@code ..}, double and trailing slashes). */
    static String checkAbsolute(String path, String what) {
        Objects.requireNonNull(path, what);
        noNul(path, what);
        if (!path.startsWith("/")) throw new IllegalArgumentException(what + " must be absolute: " + path);
        Deque<String> parts = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) parts.pollLast();
            else parts.addLast(part);
        }
        return "/" + String.join("/", parts);
    }

    /** Fills in the defaults: no layers, {@code /}, root, {@code PATH} only, host network, hostname "jbuild". */
    public static final class Builder {
        private final List<Path> lowerDirs = new ArrayList<>();
        private Path upperDir, workDir;
        private final List<String> args = new ArrayList<>();
        private final List<String> env = new ArrayList<>();
        private String cwd = "/";
        private long uid, gid;
        private final List<Long> additionalGids = new ArrayList<>();
        private String hostname = "jbuild";
        private Network network = Network.HOST;
        private final List<Mount> mounts = new ArrayList<>();
        private Path resolvConf, hosts;
        private boolean insecure;
        private Duration timeout;
        private boolean envSet;

        public Builder lowerDirs(List<Path> dirs) { lowerDirs.clear(); lowerDirs.addAll(dirs); return this; }
        public Builder upperDir(Path p) { upperDir = p; return this; }
        public Builder workDir(Path p) { workDir = p; return this; }
        public Builder args(String... a) { return args(List.of(a)); }
        public Builder args(List<String> a) { args.clear(); args.addAll(a); return this; }
        public Builder env(List<String> e) { env.clear(); env.addAll(e); envSet = true; return this; }
        public Builder env(String... e) { return env(List.of(e)); }
        public Builder cwd(String c) { cwd = c; return this; }
        public Builder user(long u, long g, Long... groups) {
            uid = u;
            gid = g;
            additionalGids.clear();
            additionalGids.addAll(List.of(groups));
            return this;
        }
        public Builder additionalGids(List<Long> groups) { additionalGids.clear(); additionalGids.addAll(groups); return this; }
        public Builder hostname(String h) { hostname = h; return this; }
        public Builder network(Network n) { network = n; return this; }
        public Builder mount(Mount m) { mounts.add(m); return this; }
        public Builder mounts(List<Mount> m) { mounts.clear(); mounts.addAll(m); return this; }
        public Builder resolvConf(Path p) { resolvConf = p; return this; }
        public Builder hosts(Path p) { hosts = p; return this; }
        public Builder insecure(boolean i) { insecure = i; return this; }
        public Builder timeout(Duration t) { timeout = t; return this; }

        public ExecSpec build() {
            List<String> e = envSet ? env : List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            return new ExecSpec(lowerDirs, upperDir, workDir, args, e, cwd, uid, gid, additionalGids, hostname,
                    network, mounts, resolvConf, hosts, insecure, timeout);
        }
    }
}
