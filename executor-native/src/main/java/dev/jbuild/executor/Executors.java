package dev.jbuild.executor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Gets the executor {@code jbuild --runtime=...} names. */
public final class Executors {
    private Executors() {}

    /**
     * @param nameOrPath {@code "native"} (also for null or empty: the default), {@code "runc"}, {@code "crun"}
     *     (looked up on PATH and in /usr/local/sbin, /usr/sbin, /sbin), or a path to an OCI runtime binary (with a
     *     runc-compatible command line; a file name containing "crun" is treated as crun)
     * @param stateDir jbuild's store root: the helper is extracted to {@code <stateDir>/bin}, runs use
     *     {@code <stateDir>/exec}, OCI runtimes keep their state in {@code <stateDir>/runtime/<name>}
     * @throws IOException when the runtime is not installed (with an install hint) or the helper cannot be set up
     */
    public static Executor forName(String nameOrPath, Path stateDir) throws IOException {
        String n = nameOrPath == null || nameOrPath.isBlank() ? "native" : nameOrPath.strip();
        if (n.equals("native")) return new NativeExecutor(stateDir);
        if (n.equals("runc") || n.equals("crun")) {
            Path bin = findOnPath(n);
            if (bin == null)
                throw new IOException(n + " is not installed (not found on PATH nor in /usr/local/sbin, /usr/sbin, /sbin):"
                        + " install it (e.g. apt-get install " + n + ") or use --runtime=native");
            return new OciRuntimeExecutor(n, bin, stateDir);
        }
        if (n.contains("/")) {
            Path bin = Path.of(n).toAbsolutePath();
            if (!Files.isRegularFile(bin) || !Files.isExecutable(bin))
                throw new IOException("OCI runtime " + bin + " is not an executable file");
            return new OciRuntimeExecutor(bin.getFileName().toString(), bin, stateDir);
        }
        throw new IOException("unknown runtime '" + n + "': use native, runc, crun or the path of an OCI runtime binary");
    }

    static Path findOnPath(String program) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) dirs.addAll(List.of(path.split(":")));
        dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }
}
