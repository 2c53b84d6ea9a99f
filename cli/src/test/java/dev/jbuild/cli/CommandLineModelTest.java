package dev.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * The command line's model, which is written as code ({@link Specs}): every option reaches its field, defaults and
 * required parameters are what the usage says, and the commands parse as before.
 */
class CommandLineModelTest {
    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void everyBuildOptionReachesItsField() {
        BuildCommand b = new BuildCommand();
        new CommandLine(b.spec).parseArgs("-t", "a:1", "--tag", "b", "--build-arg", "X=1", "--build-arg", "Y",
                "-f", "F", "--target", "T", "--platform", "linux/arm64", "-o", "type=oci,dest=x", "--push", "--pull",
                "--compression", "zstd", "--format", "docker", "--annotation", "k=v", "--runtime", "runc",
                "--network", "none", "--secret", "id=s,src=f", "--ssh", "default", "--allow", "network.host",
                "--no-cache", "--no-cache-filter", "s1", "--cache-from", "type=local,src=c", "--cache-to",
                "type=inline", "--explain", "-q", "--progress", "plain", "-j", "3", "--metadata-file", "m.json",
                "--iidfile", "id.txt", "--root", "R", "--insecure-registry", "h:5000", "--tls-ca-cert", "ca.pem",
                "--config", "cfg", "ctx");
        BuildOptions o = b.options;
        assertEquals(Path.of("ctx"), o.context);
        assertEquals(List.of("a:1", "b"), o.tags);
        assertEquals(List.of("X=1", "Y"), o.buildArgs);
        assertEquals(Path.of("F"), o.file);
        assertEquals("T", o.target);
        assertEquals("linux/arm64", o.platform);
        assertEquals(List.of("type=oci,dest=x"), o.outputs);
        assertTrue(o.push);
        assertTrue(o.pull);
        assertEquals("zstd", o.compression);
        assertEquals("docker", o.format);
        assertEquals(List.of("k=v"), o.annotations);
        assertEquals("runc", o.runtime);
        assertEquals("none", o.network);
        assertEquals(List.of("id=s,src=f"), o.secrets);
        assertEquals(List.of("default"), o.ssh);
        assertEquals(List.of("network.host"), o.allow);
        assertTrue(o.noCache);
        assertEquals(List.of("s1"), o.noCacheFilter);
        assertEquals(List.of("type=local,src=c"), o.cacheFrom);
        assertEquals(List.of("type=inline"), o.cacheTo);
        assertTrue(o.explain);
        assertTrue(o.quiet);
        assertEquals("plain", o.progress);
        assertEquals(3, o.jobs);
        assertEquals(Path.of("m.json"), o.metadataFile);
        assertEquals(Path.of("id.txt"), o.iidfile);
        assertEquals(Path.of("R"), b.store.root);
        assertEquals(List.of("h:5000"), o.registry.insecureRegistries);
        assertEquals(Path.of("ca.pem"), o.registry.caCert);
        assertEquals(Path.of("cfg"), o.registry.config);
    }

    @Test
    void buildDefaultsAreTheUsagesAndListsAreNeverNull() {
        BuildCommand b = new BuildCommand();
        new CommandLine(b.spec).parseArgs();
        BuildOptions o = b.options;
        assertNull(o.context);
        assertEquals("gzip", o.compression);
        assertEquals("oci", o.format);
        assertEquals("native", o.runtime);
        assertEquals("default", o.network);
        assertEquals("auto", o.progress);
        assertNull(o.jobs);
        assertFalse(o.push || o.pull || o.noCache || o.explain || o.quiet);
        for (List<String> l : List.of(o.tags, o.buildArgs, o.outputs, o.annotations, o.secrets, o.ssh, o.allow,
                o.noCacheFilter, o.cacheFrom, o.cacheTo, o.registry.insecureRegistries)) {
            assertTrue(l.isEmpty(), l.toString());
        }
    }

    @Test
    void aSecondParseStartsFromTheInitialValues() {
        BuildCommand b = new BuildCommand();
        CommandLine cl = new CommandLine(b.spec);
        cl.parseArgs("-t", "a", "--compression", "none", "-q", "ctx");
        cl.parseArgs("-t", "b");
        assertEquals(List.of("b"), b.options.tags);
        assertEquals("gzip", b.options.compression);
        assertFalse(b.options.quiet);
        assertNull(b.options.context);
    }

    @ParameterizedTest
    @CsvSource({
        "push, NAME[:TAG]",
        "pull, NAME[:TAG|@DIGEST]",
        "history, IMAGE",
        "inspect, IMAGE",
        "rmi, IMAGE",
        "tag, SOURCE_IMAGE[:TAG]",
    })
    void aMissingRequiredParameterIsAUsageError(String command, String label) {
        Run r = run(command);
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().startsWith("Missing required parameter"), r.err());
        assertTrue(r.err().contains(label), r.err());
        assertTrue(r.err().contains("Usage: jbuild " + command), r.err());
    }

    @Test
    void optionalParametersAndRequiredOptions() {
        Run tag = run("tag", "a");
        assertEquals(2, tag.status());
        assertTrue(tag.err().startsWith("Missing required parameter: 'TARGET_IMAGE[:TAG]'"), tag.err());
        Run save = run("save", "img");
        assertEquals(2, save.status());
        assertTrue(save.err().startsWith("Missing required option: '--output=FILE'"), save.err());
        ImagesCommand images = new ImagesCommand();
        new CommandLine(images.spec).parseArgs("-q");
        assertNull(images.filter);
        assertTrue(images.quiet);
        LoginCommand login = new LoginCommand();
        new CommandLine(login.spec).parseArgs("-u", "me", "--password-stdin");
        assertNull(login.server);
        assertEquals("me", login.username);
        assertTrue(login.passwordStdin);
    }

    @Test
    void enumOptionsConvertAndNameTheBadValue() {
        ParseCommand p = new ParseCommand();
        new CommandLine(p.spec).parseArgs("--format", "json", "--expand", "Dockerfile");
        assertEquals(ParseCommand.Format.json, p.format);
        assertTrue(p.expand);
        assertEquals("Dockerfile", p.fileParameter);
        Run bad = run("parse", "--format", "xml", "Dockerfile");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("Invalid value for option '--format': expected one of [dump, json]"), bad.err());
    }

    @Test
    void everyCommandHasHelpAndVersion() {
        Run usage = run("--help");
        assertEquals(0, usage.status());
        for (String c : List.of("build", "images", "history", "inspect", "tag", "rmi", "load", "save", "prune", "fsck",
                "pull", "push", "login", "logout", "parse", "help")) {
            assertTrue(usage.out().lines().anyMatch(l -> l.trim().startsWith(c + " ")), c + " not in\n" + usage.out());
            if (!c.equals("help")) {
                Run help = run(c, "--help");
                assertEquals(0, help.status(), c);
                assertTrue(help.out().startsWith("Usage: jbuild " + c), help.out());
                Run version = run(c, "-V");
                assertEquals(0, version.status(), c);
                assertTrue(version.out().startsWith("jbuild "), c + ": " + version.out());
            }
        }
        Run version = run("--version");
        assertEquals("jbuild " + Main.version(), version.out().trim());
    }

    @Test
    void topLevelOptionsBeforeASubcommandStillParse() {
        Run r = run("--root", "/nonexistent/../x", "--config", "/nonexistent", "tag", "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Usage: jbuild tag"), r.out());
    }

    @Test
    void theCommandIsNamedOrTheBareBuild() {
        assertEquals("push", Main.command(new String[] {"--root", "push", "push", "x"}));
        assertEquals("build", Main.command(new String[] {"--insecure-registry=h:5000", "build", "."}));
        assertEquals("build", Main.command(new String[] {"-t", "pull", "."}));
        assertEquals("images", Main.command(new String[] {"--config", "c", "images"}));
        assertNull(Main.command(new String[] {"--root", "r"}));
    }

    @Test
    void aFirstBuildOnAStoreIsExpectedToPull(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path fresh = tmp.resolve("fresh");
        Path used = tmp.resolve("used");
        java.nio.file.Files.createDirectories(used);
        assertTrue(StartupWarmup.registryLikely(new String[] {"--root", fresh.toString(), "build", "."}));
        assertTrue(StartupWarmup.registryLikely(new String[] {"--root=" + fresh, "-t", "x", "."}));
        assertFalse(StartupWarmup.registryLikely(new String[] {"--root", used.toString(), "build", "."}));
        assertFalse(StartupWarmup.registryLikely(new String[] {"build", "--root", used.toString(), "."}));
        assertTrue(StartupWarmup.registryLikely(new String[] {"--root", used.toString(), "push", "x"}));
        assertTrue(StartupWarmup.registryLikely(new String[] {"--root", used.toString(), "pull", "x"}));
        assertFalse(StartupWarmup.registryLikely(new String[] {"--root", fresh.toString(), "images"}));
    }
}
