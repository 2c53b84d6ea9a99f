package dev.jbuild.executor.bench;

import dev.jbuild.executor.ExecResult;
import dev.jbuild.executor.ExecSpec;
import dev.jbuild.executor.Executor;
import dev.jbuild.executor.Executors;
import dev.jbuild.executor.OutputSink;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-step overhead of each installed runtime: runs {@code true} N times (default 50, after 5 warm-up runs) on a
 * busybox-static rootfs, each time with a fresh upper and work dir, and prints milliseconds per step (the time of
 * {@link Executor#run}: helper start, namespaces, overlay, mounts, the process, teardown).
 *
 * <p>Usage: StepBench [ITERATIONS] [RUNTIME...] (runtimes default to native plus runc and crun when installed).
 * Issue 5's target: under 15 ms per step with the native helper.
 */
public final class StepBench {
    private StepBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        List<String> runtimes = new ArrayList<>(args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.of("native"));
        if (args.length <= 1) {
            for (String r : List.of("runc", "crun")) if (onPath(r)) runtimes.add(r);
        }
        Path base = Files.createTempDirectory("jbuild-stepbench-");
        try {
            Path lower = Files.createDirectories(base.resolve("lower/bin"));
            Files.copy(Path.of("/usr/bin/busybox"), lower.resolve("busybox"));
            for (String a : List.of("sh", "true")) Files.createSymbolicLink(lower.resolve(a), Path.of("busybox"));
            Files.createDirectories(base.resolve("lower/etc"));
            Path state = Files.createDirectories(base.resolve("state"));
            System.out.printf("%-8s %6s %8s %8s %8s %8s%n", "runtime", "steps", "mean ms", "median", "p90", "min");
            for (String runtime : runtimes) {
                Executor ex = Executors.forName(runtime, state);
                for (int i = 0; i < 5; i++) step(ex, base, base.resolve("lower"), "w" + i);
                double[] ms = new double[n];
                for (int i = 0; i < n; i++) ms[i] = step(ex, base, base.resolve("lower"), runtime + i);
                double[] sorted = ms.clone();
                Arrays.sort(sorted);
                double mean = Arrays.stream(ms).average().orElse(0);
                System.out.printf("%-8s %6d %8.2f %8.2f %8.2f %8.2f%n", runtime, n, mean, sorted[n / 2],
                        sorted[(int) Math.ceil(n * 0.9) - 1], sorted[0]);
            }
        } finally {
            deleteTree(base);
        }
    }

    private static double step(Executor ex, Path base, Path lower, String name) throws IOException {
        Path dir = Files.createDirectories(base.resolve("steps").resolve(name));
        Path upper = Files.createDirectories(dir.resolve("upper"));
        Path work = Files.createDirectories(dir.resolve("work"));
        ExecSpec spec = ExecSpec.builder().lowerDirs(List.of(lower)).upperDir(upper).workDir(work)
                .args("true").env("PATH=/bin").build();
        long t0 = System.nanoTime();
        ExecResult r = ex.run(spec, OutputSink.discard());
        long t1 = System.nanoTime();
        if (r.exitCode() != 0) throw new IllegalStateException(ex.name() + ": true exited " + r.exitCode());
        deleteTree(dir);
        return (t1 - t0) / 1e6;
    }

    private static boolean onPath(String program) {
        for (String d : (System.getenv("PATH") + ":/usr/local/sbin:/usr/sbin:/sbin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) return true;
        }
        return false;
    }

    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
