package dev.jbuild.executor;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The default executor: the embedded helper {@code jbuild-sandbox} (see src/main/c/jbuild-sandbox.c) sets the
 * container up itself, as Bazel's linux-sandbox does — namespaces (mount, PID, UTS, IPC; network for
 * {@link Network#NONE}; user when jbuild is not root), the overlay rootfs, /proc, /sys, /dev, the /etc files,
 * the extra mounts, pivot_root — and runs the command as PID 2 under a tiny init (PID 1) that reaps zombies and
 * forwards signals. Unprivileged, the caller is root in a user namespace (through newuidmap/newgidmap with the
 * user's /etc/subuid and /etc/subgid ranges, else the caller alone mapped to 0) and the overlay uses
 * {@code userxattr}. Already root of a user namespace ({@link UserNamespace}: how the jbuild command runs
 * unprivileged), the containers share it and the overlay uses {@code userxattr}.
 *
 * <p>Linux ties a parent-death signal to the thread that started the process: {@link #run} starts the helper on
 * the calling thread and waits on it, so the helper lives exactly as long as the call (or the JVM).
 */
final class NativeExecutor implements Executor {
    private final Path stateDir;

    NativeExecutor(Path stateDir) throws IOException {
        this.stateDir = stateDir.toAbsolutePath();
        SandboxHelper.ensure(this.stateDir);
        RunDir.scratch(this.stateDir);
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public ExecResult run(ExecSpec spec, OutputSink output) throws IOException {
        Path helper = SandboxHelper.ensure(stateDir);
        HelperSpec.checkDirs(spec);
        try (RunDir dir = RunDir.create(stateDir, false)) {
            // stubs: where the helper mounts the tmpfs layer of the mount points the image lacks
            HelperSpec.common(spec, dir).add("stubs", dir.stubsDir()).write(dir.spec());
            ProcessBuilder pb = new ProcessBuilder(helper.toString(), "run", dir.spec().toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            ProcessRunner.Outcome o = ProcessRunner.run(pb, output, spec.timeout());
            return result(o, HelperSpec.Report.read(dir.report()));
        }
    }

    static ExecResult result(ProcessRunner.Outcome o, HelperSpec.Report report) throws IOException {
        if (report.error() != null) throw new IOException(report.error());
        if (!report.present() && !o.timedOut())
            throw new IOException("jbuild-sandbox failed (exit status " + o.exitCode() + ")"
                    + (o.stderrTail().isEmpty() ? "" : ": " + o.stderrTail()));
        return new ExecResult(o.exitCode(), report.created(), o.timedOut());
    }
}
