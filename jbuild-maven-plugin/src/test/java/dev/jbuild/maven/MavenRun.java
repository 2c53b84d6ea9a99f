package dev.jbuild.maven;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs real {@code mvn} on a sample project, as a user would: the plugin comes from the repository that
 * maven-invoker-plugin's install goal filled under target/ (never ~/.m2, which other builds share), and what else
 * the build needs is read from the outer build's local repository (as a file:// repository, so it is not written
 * to) or Maven Central.
 */
final class MavenRun {
    private MavenRun() {}

    static final Path MODULE = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    static final Path IT_REPO = Path.of(required("jbuild.it.repo"));
    static final Path OUTER_REPO = Path.of(required("jbuild.it.outerRepo"));
    static final String VERSION = required("jbuild.it.version");
    static final Path TESTDATA = Path.of(required("jbuild.testdata"));

    record Result(int status, String log) {
        Result ok() {
            if (status != 0) {
                fail("exited with " + status + ":\n" + log);
            }
            return this;
        }

        Result failed() {
            if (status == 0) {
                fail("should have failed:\n" + log);
            }
            return this;
        }
    }

    private static String required(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException("system property " + name + " is unset: run the *IT tests through "
                    + "`mvn verify` (failsafe sets it)");
        }
        return v;
    }

    /**
     * settings.xml for the sample builds: the outer local repository as a read-only remote, and {@code servers}
     * (already XML) as given.
     */
    static Path settings(Path dir, String servers) throws IOException {
        String repo = "<id>outer-local</id><url>" + OUTER_REPO.toUri() + "</url>"
                + "<releases><enabled>true</enabled><checksumPolicy>ignore</checksumPolicy></releases><snapshots><enabled>false</enabled></snapshots>";
        Path file = dir.resolve("settings.xml");
        Files.createDirectories(dir);
        Files.writeString(file, "<settings>\n"
                + "  <servers>" + servers + "</servers>\n"
                + "  <profiles><profile><id>it</id>\n"
                + "    <repositories><repository>" + repo + "</repository></repositories>\n"
                + "    <pluginRepositories><pluginRepository>" + repo + "</pluginRepository></pluginRepositories>\n"
                + "  </profile></profiles>\n"
                + "  <activeProfiles><activeProfile>it</activeProfile></activeProfiles>\n"
                + "</settings>\n", StandardCharsets.UTF_8);
        return file;
    }

    /** {@code mvn -B ARGS} in {@code project}, its output in {@code project/../mvn-N.log}. */
    static Result mvn(Path project, Path settings, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-ntp", "-s", settings.toString(),
                "-Dmaven.repo.local=" + IT_REPO, "-Djbuild.version=" + VERSION));
        cmd.addAll(args);
        Path log = Files.createTempFile(project.getParent(), "mvn-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // The sample's build must not see the outer build's options (e.g. -ntp is given above).
        pb.environment().remove("MAVEN_OPTS");
        pb.environment().remove("MAVEN_ARGS");
        pb.environment().remove("JBUILD_ROOT");
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            fail("mvn " + args + " did not finish in 5 minutes:\n" + Files.readString(log));
        }
        return new Result(p.exitValue(), "$ " + String.join(" ", cmd) + "\n" + Files.readString(log));
    }

    /** A fresh copy of {@code testdata/maven/NAME} under target/it/CASE (the sample stays clean). */
    static Path copySample(String name, String caseName) throws IOException {
        Path src = TESTDATA.resolve("maven").resolve(name);
        Path dest = MODULE.resolve("target/it").resolve(caseName).resolve(name);
        deleteRecursively(dest.getParent());
        Files.createDirectories(dest);
        try (var paths = Files.walk(src)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path rel = src.relativize(p);
                if (rel.getNameCount() > 0 && rel.getName(0).toString().equals("target")) {
                    continue;
                }
                Path to = dest.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return dest;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /** Runs a tool; its output (stdout and stderr) and status. */
    static Result tool(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(cmd + " did not finish");
        }
        return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8));
    }
}
