package dev.jbuild.dockerfile.bench;

import dev.jbuild.dockerfile.DockerfileParser;
import dev.jbuild.dockerfile.ast.Dockerfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Parse throughput, run by bench/parse.sh (not a test: timings belong in benchmarks). Reports
 * Dockerfiles per second over a corpus, and the median time to parse one 1,000-line Dockerfile
 * once the JIT is warm.
 */
public final class ParseBenchmark {
    private static long sink;

    public static void main(String[] args) throws IOException {
        Path corpusDir = Path.of(args.length > 0 ? args[0] : "../shared/corpus/dockerfiles");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        List<byte[]> corpus = new ArrayList<>();
        long lines = 0;
        long bytes = 0;
        try (Stream<Path> s = Files.walk(corpusDir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                byte[] b = Files.readAllBytes(p);
                corpus.add(b);
                bytes += b.length;
                lines += new String(b, StandardCharsets.UTF_8).lines().count();
            }
        }
        if (corpus.isEmpty()) {
            throw new IllegalStateException("no Dockerfiles under " + corpusDir);
        }
        byte[] big = thousandLines(corpus);
        System.out.printf("corpus: %d files, %d lines, %.1f MB (%s)%n", corpus.size(), lines, bytes / 1e6, corpusDir);
        System.out.printf("big file: %d lines, %d KB%n",
                new String(big, StandardCharsets.UTF_8).lines().count(), big.length / 1024);
        System.out.printf("java %s, %d cores%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());

        long coldStart = System.nanoTime();
        parseAll(corpus);
        System.out.printf("first pass (cold JIT): %.0f ms for the corpus%n", (System.nanoTime() - coldStart) / 1e6);

        runFor(corpus, seconds); // warm-up
        long[] result = runFor(corpus, seconds);
        double elapsed = result[1] / 1e9;
        System.out.printf("throughput: %.0f Dockerfiles/s, %.0f lines/s, %.1f MB/s (%d passes in %.1f s)%n",
                result[0] * corpus.size() / elapsed, result[0] * lines / elapsed, result[0] * bytes / 1e6 / elapsed,
                result[0], elapsed);

        for (int i = 0; i < 200; i++) {
            sink += DockerfileParser.parse("big", big).instructions().size();
        }
        double[] times = new double[300];
        for (int i = 0; i < times.length; i++) {
            long t0 = System.nanoTime();
            Dockerfile df = DockerfileParser.parse("big", big);
            times[i] = (System.nanoTime() - t0) / 1e6;
            sink += df.instructions().size();
        }
        Arrays.sort(times);
        System.out.printf("1,000-line Dockerfile: median %.2f ms, p90 %.2f ms, max %.2f ms (target: well under 10 ms)%n",
                times[times.length / 2], times[times.length * 9 / 10], times[times.length - 1]);
        if (sink == 42) {
            System.out.println();
        }
    }

    private static long[] runFor(List<byte[]> corpus, double seconds) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        long passes = 0;
        do {
            parseAll(corpus);
            passes++;
        } while (System.nanoTime() < deadline);
        return new long[] {passes, System.nanoTime() - start};
    }

    private static void parseAll(List<byte[]> corpus) {
        for (byte[] b : corpus) {
            sink += DockerfileParser.parse("bench", b).instructions().size();
        }
    }

    /** About 1,000 lines of real Dockerfile text: corpus files joined until the count is reached. */
    private static byte[] thousandLines(List<byte[]> corpus) {
        StringBuilder sb = new StringBuilder();
        long n = 0;
        for (byte[] b : corpus) {
            String text = new String(b, StandardCharsets.UTF_8);
            // Directives are only valid at the top; drop them from the files joined later.
            if (n > 0) {
                text = text.replaceAll("(?m)^#\\s*(syntax|escape|check)\\s*=.*$", "#");
            }
            sb.append(text).append('\n');
            n = sb.chars().filter(c -> c == '\n').count();
            if (n >= 1000) {
                break;
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
