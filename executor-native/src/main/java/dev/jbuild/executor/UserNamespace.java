package dev.jbuild.executor;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * jbuild run by a user other than root re-runs itself as root of a user namespace, as {@code buildah unshare} and
 * rootless podman do: the user is root there and its {@code /etc/subuid} and {@code /etc/subgid} ranges are ids 1..N
 * (through {@code newuidmap}/{@code newgidmap}), or the user alone is root when it has no range. Inside, the store's
 * layer snapshots get the layers' real owners, a step's upper directory reads in the container's ids, the native
 * helper sets containers up as that root (no nested namespace) and whatever a step made can be removed; on the
 * host, those files belong to the user's subordinate ids.
 *
 * <p>The JVM is started again with the same command line (read from {@code /proc/self/cmdline}) by the helper's
 * {@code userns} mode, with {@code user.home} and {@code user.name} of the user (inside, the user is root, whose
 * passwd entry would otherwise give them), stdin, stdout and stderr passed on, and {@value #MARKER}=1 in the
 * environment. This JVM waits for it; SIGTERM to this JVM is passed on so that the inner one cleans up.
 */
public final class UserNamespace {
    /** Set in the environment of the JVM started inside the namespace. */
    public static final String MARKER = "JBUILD_USERNS";

    private UserNamespace() {}

    /**
     * Whether this JVM should re-run itself in a user namespace: Linux, not root, and not already the JVM that
     * {@link #rerun} started.
     */
    public static boolean wanted() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) return false;
        if ("1".equals(System.getenv(MARKER))) return false;
        return effectiveUid() > 0;
    }

    /** This process's effective uid (the owner of /proc/self), -1 when unknown. */
    static int effectiveUid() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return uid instanceof Integer i ? i : -1;
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** Whether this process is in the initial user namespace (its uid map is the identity of every id). */
    public static boolean initial() {
        try {
            String[] f = Files.readString(Path.of("/proc/self/uid_map"), StandardCharsets.US_ASCII).strip().split("\\s+");
            return f.length == 3 && f[0].equals("0") && f[1].equals("0") && f[2].equals("4294967295");
        } catch (IOException e) {
            return true; // no /proc: nothing to tell
        }
    }

    /**
     * Runs this JVM's command line again as root of a new user namespace and waits for it.
     *
     * @param stateDir jbuild's store root, where the helper is extracted
     * @return the exit status of the JVM that ran inside, or empty when no namespace could be made (unprivileged
     *     user namespaces disabled, say): the caller then goes on by itself
     */
    public static OptionalInt rerun(Path stateDir) throws IOException {
        Path helper = SandboxHelper.ensure(stateDir.toAbsolutePath());
        List<String> self = commandLine();
        List<String> cmd = new ArrayList<>();
        cmd.add(helper.toString());
        cmd.add("userns");
        Path report = Files.createTempFile("jbuild-userns-", ".report");
        try {
            cmd.add(report.toString());
            cmd.add(self.get(0));
            cmd.add("-Duser.home=" + System.getProperty("user.home"));
            cmd.add("-Duser.name=" + System.getProperty("user.name"));
            cmd.addAll(self.subList(1, self.size()));
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            pb.environment().put(MARKER, "1");
            Process p = pb.start();
            Thread passOn = new Thread(() -> {
                if (p.isAlive()) {
                    p.destroy(); // SIGTERM: the helper passes it on, the inner JVM stops its step and cleans up
                    try {
                        p.waitFor(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }, "jbuild-userns-stop");
            Runtime.getRuntime().addShutdownHook(passOn);
            int status;
            try {
                status = p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while jbuild ran in a user namespace");
            }
            try {
                Runtime.getRuntime().removeShutdownHook(passOn);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway, and finds the process gone
            }
            HelperSpec.Report r = HelperSpec.Report.read(report);
            if (r.error() != null) return OptionalInt.empty();
            return OptionalInt.of(status);
        } finally {
            Files.deleteIfExists(report);
        }
    }

    /** This JVM's command line: the java binary, then its arguments as given. */
    static List<String> commandLine() throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (args.isEmpty()) throw new IOException("cannot read this JVM's command line from /proc/self/cmdline");
        // argv[0] may be a bare name found on PATH: run the very same binary
        args.set(0, Path.of("/proc/self/exe").toRealPath().toString());
        return args;
    }
}
