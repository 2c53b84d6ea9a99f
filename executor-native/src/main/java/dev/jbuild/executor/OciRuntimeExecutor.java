package dev.jbuild.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs steps with an OCI runtime ({@code --runtime=runc|crun|PATH}), as root. The native helper, in its
 * {@code oci} mode, makes a private mount namespace, mounts the overlay rootfs there, creates the mount points
 * (so that they are known and reported), then runs {@code RUNTIME --root <stateDir>/runtime/<name> run --bundle
 * DIR --pid-file F ID} in that namespace and {@code RUNTIME delete -f ID} after it. When the helper gets
 * SIGTERM (a timeout, an interrupt, or the JVM dying: its PR_SET_PDEATHSIG is SIGTERM) it SIGKILLs the
 * container's init, which takes the whole PID namespace down, and still deletes the container.
 *
 * <p>crun refuses a hybrid cgroup v1/v2 layout (a tmpfs /sys/fs/cgroup with cgroup2 on
 * /sys/fs/cgroup/unified) even with its cgroup manager disabled. For crun, the helper therefore hides the
 * cgroup2 mount in its private mount namespace (a read-only empty tmpfs over /sys/fs/cgroup/unified, invisible to
 * the host) and passes {@code --cgroup-manager=disabled}: crun then sees a plain v1 layout and creates no
 * cgroup (jbuild sets no limits). runc handles the hybrid layout itself and creates (and deletes) a cgroup per
 * step.
 *
 * <p>The runtime's errors are read from its JSON log ({@code --log}): a failure to start (including an
 * executable that is not found) is an IOException carrying the runtime's message.
 */
final class OciRuntimeExecutor implements Executor {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Path binary;
    private final boolean crun;
    private final Path stateDir;

    OciRuntimeExecutor(String name, Path binary, Path stateDir) throws IOException {
        this.name = name;
        this.binary = binary;
        this.crun = binary.getFileName().toString().contains("crun");
        this.stateDir = stateDir.toAbsolutePath();
        SandboxHelper.ensure(this.stateDir);
        RunDir.scratch(this.stateDir);
    }

    @Override
    public String name() {
        return name;
    }

    Path binary() {
        return binary;
    }

    @Override
    public ExecResult run(ExecSpec spec, OutputSink output) throws IOException {
        if (!isRoot())
            throw new IOException("the " + name + " runtime needs root; unprivileged builds use the native runtime");
        Path helper = SandboxHelper.ensure(stateDir);
        HelperSpec.checkDirs(spec);
        Path runtimeRoot = stateDir.resolve("runtime").resolve(name);
        Files.createDirectories(runtimeRoot);
        try (RunDir dir = RunDir.create(stateDir, true)) {
            String id = dir.base.getFileName() + "-" + dir.id; // jbuild-exec-<pid>-<random>-<n>
            Path hostnameFile = null;
            if (spec.hostname() != null && !spec.hostname().isEmpty()) {
                hostnameFile = dir.path("hostname");
                Files.writeString(hostnameFile, spec.hostname() + "\n");
            }
            Path bundle = dir.path("bundle");
            Files.createDirectory(bundle);
            Files.write(bundle.resolve("config.json"), OciConfig.build(spec, dir.rootfs(), hostnameFile));
            Path pidFile = dir.path("pid");
            Path log = dir.path("runtime.log");

            List<String> global = new ArrayList<>(List.of(binary.toString(), "--root", runtimeRoot.toString(),
                    "--log", log.toString(), "--log-format", "json"));
            if (crun) global.add("--cgroup-manager=disabled");
            List<String> runArgs = new ArrayList<>(global);
            runArgs.addAll(List.of("run", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id));
            List<String> cleanup = new ArrayList<>(global);
            cleanup.addAll(List.of("delete", "-f", id));

            HelperSpec s = HelperSpec.common(spec, dir);
            for (String a : runArgs) s.add("runtime-arg", a);
            for (String a : cleanup) s.add("cleanup-arg", a);
            s.add("pid-file", pidFile);
            s.add("hide-cgroup2", crun ? 1 : 0);
            s.write(dir.spec());

            ProcessBuilder pb = new ProcessBuilder(helper.toString(), "oci", dir.spec().toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            ProcessRunner.Outcome o = ProcessRunner.run(pb, output, spec.timeout());
            HelperSpec.Report report = HelperSpec.Report.read(dir.report());
            if (report.error() == null && o.exitCode() != 0 && !o.timedOut()) {
                String err = runtimeError(log);
                if (err != null) throw new IOException(name + ": " + err);
            }
            return NativeExecutor.result(o, report);
        }
    }

    /** The last error-level message of the runtime's JSON log, if any. */
    private static String runtimeError(Path log) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        String err = null;
        for (String line : lines) {
            if (line.isBlank()) continue;
            try {
                JsonNode n = JSON.readTree(line);
                String level = n.path("level").asText("");
                if (level.equals("error") || level.equals("fatal")) err = n.path("msg").asText(line);
            } catch (IOException e) {
                err = line.strip();
            }
        }
        return err;
    }

    /** Root of the initial user namespace (root of jbuild's own user namespace cannot run runc as root). */
    static boolean isRoot() {
        return UserNamespace.effectiveUid() == 0 && UserNamespace.initial();
    }
}
