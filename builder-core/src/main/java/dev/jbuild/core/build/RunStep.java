package dev.jbuild.core.build;

import dev.jbuild.core.instructions.Instruction;
import dev.jbuild.core.instructions.Mount;
import dev.jbuild.dockerfile.HeredocWord;
import dev.jbuild.dockerfile.ast.Heredoc;
import dev.jbuild.executor.ExecResult;
import dev.jbuild.executor.ExecSpec;
import dev.jbuild.executor.Executor;
import dev.jbuild.executor.OutputSink;
import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * One RUN instruction: the command line as BuildKit forms it (SHELL, heredocs), its mounts, and a
 * run in a container whose changes become the step's layer.
 */
final class RunStep {
    static final String HOSTNAME = "buildkitsandbox";
    private static final int TAIL_LINES = 12;

    private RunStep() {}

    /** The command line BuildKit runs for a RUN (dispatchRun): heredocs and the shell applied. */
    static List<String> commandLine(Instruction.Run run, List<String> shell, Path scratch, List<dev.jbuild.executor.Mount> mounts)
            throws IOException {
        List<String> args = run.command().args();
        List<Instruction.InlineFile> files = run.command().files();
        if (!files.isEmpty()) {
            Heredoc single = args.size() == 1 ? HeredocWord.parseOrNull(args.get(0)) : null;
            if (single != null) {
                Instruction.InlineFile f = files.get(0);
                String data = f.chomp() ? f.data().replaceAll("(?m)^\\t+", "") : f.data();
                if (data.startsWith("#!")) {
                    // A script with a shebang runs as a file, mounted where BuildKit mounts it.
                    Path dir = StepDirs.newDirectory(scratch, "pipes-");
                    Path script = dir.resolve(f.name());
                    Files.writeString(script, data);
                    script.toFile().setExecutable(true, false);
                    mounts.add(dev.jbuild.executor.Mount.bind(dir, "/dev/pipes", true));
                    return List.of("/dev/pipes/" + f.name());
                }
                args = List.of(data);
            } else {
                StringBuilder b = new StringBuilder(args.get(0));
                for (Instruction.InlineFile f : files) {
                    b.append('\n').append(f.data()).append(f.name());
                }
                args = List.of(b.toString());
            }
        }
        if (!run.command().prependShell()) {
            return args;
        }
        List<String> out = new ArrayList<>(shell.isEmpty() ? List.of("/bin/sh", "-c") : shell);
        out.add(String.join(" ", args));
        return out;
    }

    /** BuildKit's history text of a RUN: {@code |N K=V ... args}, build args in scope first. */
    static String historyText(List<String> args, Map<String, String> buildArgs, Map<String, String> env) {
        List<String> parts = new ArrayList<>();
        if (!buildArgs.isEmpty()) {
            parts.add("|" + buildArgs.size());
            buildArgs.forEach((k, v) -> parts.add(k + "=" + (env.containsKey(k) ? env.get(k) : v == null ? "" : v)));
        }
        parts.addAll(args);
        return String.join(" ", parts);
    }

    /** Collects the step's output for the progress display and keeps the last lines for an error. */
    static final class Output implements OutputSink {
        /** Receives each whole line of output and whether it came from stderr. */
        interface Lines {
            void line(String line, boolean stderr);
        }

        private final Lines progress;
        private final Deque<String> tail = new ArrayDeque<>();
        private final StringBuilder out = new StringBuilder();
        private final StringBuilder err = new StringBuilder();

        Output(Lines progress) {
            this.progress = progress;
        }

        @Override
        public synchronized void stdout(byte[] b, int off, int len) {
            feed(out, new String(b, off, len, StandardCharsets.UTF_8), false);
        }

        @Override
        public synchronized void stderr(byte[] b, int off, int len) {
            feed(err, new String(b, off, len, StandardCharsets.UTF_8), true);
        }

        private void feed(StringBuilder buf, String text, boolean stderr) {
            buf.append(text);
            int nl;
            while ((nl = buf.indexOf("\n")) >= 0) {
                line(buf.substring(0, nl), stderr);
                buf.delete(0, nl + 1);
            }
        }

        private void line(String l, boolean stderr) {
            progress.line(l, stderr);
            tail.addLast(l);
            if (tail.size() > TAIL_LINES) {
                tail.removeFirst();
            }
        }

        synchronized List<String> tail() {
            if (out.length() > 0) {
                line(out.toString(), false);
                out.setLength(0);
            }
            if (err.length() > 0) {
                line(err.toString(), true);
                err.setLength(0);
            }
            return List.copyOf(tail);
        }
    }

    /** Runs the step; a non-zero exit becomes BuildKit's error with the last lines of output. */
    static ExecResult execute(Executor executor, ExecSpec spec, Output output, String commandForMessage)
            throws BuildException, IOException {
        ExecResult r;
        try {
            r = executor.run(spec, output);
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            // The command could not start (e.g. exec "/bin/sh": executable file not found): a build error.
            throw new BuildException(e.getMessage(), e);
        }
        if (r.exitCode() != 0) {
            StringBuilder msg = new StringBuilder("process \"").append(commandForMessage)
                    .append("\" did not complete successfully: exit code: ").append(r.exitCode());
            List<String> tail = output.tail();
            if (!tail.isEmpty()) {
                msg.append("\n---- last lines of output ----");
                for (String l : tail) {
                    msg.append("\n").append(l);
                }
            }
            throw new BuildException(msg.toString());
        }
        return r;
    }

    /** Cache directories locked by a step of this JVM: a file lock excludes other processes only. */
    private static final java.util.Map<Path, java.util.concurrent.Semaphore> LOCKED =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A lock held while a {@code sharing=locked} cache mount is in use, against other steps and processes. */
    static final class CacheLock implements AutoCloseable {
        private final java.util.concurrent.Semaphore inJvm;
        private final FileLock file;

        private CacheLock(java.util.concurrent.Semaphore inJvm, FileLock file) {
            this.inJvm = inJvm;
            this.file = file;
        }

        @Override
        public void close() {
            try {
                file.release();
                file.channel().close();
            } catch (IOException ignored) {
                // the lock dies with its channel anyway
            } finally {
                inJvm.release();
            }
        }
    }

    static CacheLock lockCache(Path lockFile) throws IOException {
        java.util.concurrent.Semaphore inJvm = LOCKED.computeIfAbsent(lockFile.toAbsolutePath().normalize(),
                p -> new java.util.concurrent.Semaphore(1));
        inJvm.acquireUninterruptibly();
        try {
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                return new CacheLock(inJvm, ch.lock());
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            inJvm.release();
            throw e;
        }
    }

    /** Cache ids become directory names that cannot escape the cache directory. */
    static String cacheDirName(String id) {
        StringBuilder sb = new StringBuilder();
        for (char c : id.toCharArray()) {
            sb.append(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' ? c : '_');
        }
        String hash = dev.jbuild.oci.Digest.sha256(id.getBytes(StandardCharsets.UTF_8)).shortHex();
        return sb + "-" + hash;
    }

    static boolean isCacheMount(Mount m) {
        return m.type().equals("cache");
    }

    static List<LayerEntry> noEntries() {
        return List.of();
    }
}
