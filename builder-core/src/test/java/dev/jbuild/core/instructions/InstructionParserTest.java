package dev.jbuild.core.instructions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.dockerfile.DockerfileParser;
import dev.jbuild.dockerfile.DockerfileSyntaxException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class InstructionParserTest {

    static Stages stages(String text) {
        return Stages.of(DockerfileParser.parse("Dockerfile", text));
    }

    /** The first instruction of the first stage of "FROM scratch\n" + line. */
    @SuppressWarnings("unchecked")
    static <T extends Instruction> T one(String line) {
        return (T) stages("FROM scratch\n" + line + "\n").stages().get(0).instructions().get(0);
    }

    static DockerfileSyntaxException reject(String text) {
        return assertThrows(DockerfileSyntaxException.class, () -> stages(text));
    }

    @Test
    void unknownInstructionSuggestsTheNearestKeyword() {
        DockerfileSyntaxException e = reject("FROM scratch\n\n   RUNN echo\n");
        assertEquals("unknown instruction: RUNN (did you mean RUN?)", e.reason());
        assertEquals(3, e.line());
        assertEquals(4, e.column());
        assertEquals("Dockerfile:3:4: unknown instruction: RUNN (did you mean RUN?)", e.getMessage());
        assertEquals("unknown instruction: frm (did you mean from?)", reject("frm scratch\n").reason());
        assertEquals("unknown instruction: XYZZY", reject("FROM scratch\nXYZZY\n").reason());
    }

    @Test
    void unknownAndMalformedFlags() {
        assertEquals("unknown flag: --chmown (did you mean chown?)", reject("FROM scratch\nCOPY --chmown=1 a b\n").reason());
        assertEquals("unknown flag: --from", reject("FROM scratch\nADD --from=x a b\n").reason());
        assertEquals("missing a value on flag: --chown", reject("FROM scratch\nCOPY --chown a b\n").reason());
        assertEquals("duplicate flag specified: --link", reject("FROM scratch\nCOPY --link --link a b\n").reason());
        assertEquals("expecting boolean value for flag --link, not: yes",
                reject("FROM scratch\nCOPY --link=yes a b\n").reason());
        assertEquals("missing a value on flag: --link", reject("FROM scratch\nCOPY --link= a b\n").reason());
        assertEquals("unknown flag: --platfrom (did you mean platform?)", reject("FROM --platfrom=linux scratch\n").reason());
        assertEquals("unknown flag: --plat", reject("FROM --plat=linux scratch\n").reason());
    }

    @Test
    void flagErrorsPointAtTheFlag() {
        DockerfileSyntaxException e = reject("FROM scratch\nCOPY --link \\\n  --chmown=1 a b\n");
        assertEquals(3, e.line());
        assertEquals(3, e.column());
    }

    @Test
    void copyFlagsAndSources() {
        Instruction.Copy c = one("COPY --from=build --chown=app:app --chmod=0755 --link --parents "
                + "--exclude=*.tmp --exclude=.git a b /dst/");
        assertEquals(List.of("a", "b"), c.sources());
        assertEquals("/dst/", c.destination());
        assertEquals("build", c.from());
        assertEquals("app:app", c.chown());
        assertEquals("0755", c.chmod());
        assertTrue(c.link());
        assertTrue(c.parents());
        assertEquals(List.of("*.tmp", ".git"), c.excludes());
        assertEquals("COPY requires at least two arguments, but only one was provided. Destination could not be determined",
                reject("FROM scratch\nCOPY a\n").reason());
        Instruction.Copy json = one("COPY [\"a b\", \"/c d/\"]");
        assertEquals(List.of("a b"), json.sources());
        assertEquals("/c d/", json.destination());
    }

    @Test
    void addFlags() {
        Instruction.Add a = one("ADD --checksum=sha256:abc --unpack=false --keep-git-dir https://x/y.tar /z");
        assertEquals("sha256:abc", a.checksum());
        assertEquals(Boolean.FALSE, a.unpack());
        assertEquals(Boolean.TRUE, a.keepGitDir());
        Instruction.Add plain = one("ADD a /z");
        assertNull(plain.unpack());
        assertFalse(plain.link());
    }

    @Test
    void heredocSourcesBecomeContents() {
        Instruction.Copy c = (Instruction.Copy) stages("FROM scratch\nCOPY <<A <<-'B' real /dst/\nhello $X\nA\n\tbye\n\tB\n")
                .stages().get(0).instructions().get(0);
        assertEquals(List.of("real"), c.sources());
        assertEquals(2, c.contents().size());
        assertEquals(new Instruction.SourceContent("A", "hello $X\n", true), c.contents().get(0));
        assertEquals(new Instruction.SourceContent("B", "bye\n", false), c.contents().get(1));
        assertEquals("COPY cannot accept a heredoc as a destination",
                reject("FROM scratch\nCOPY a <<EOF\nx\nEOF\n").reason());
    }

    @Test
    void runFlagsAndForms() {
        Instruction.Run r = one("RUN --mount=type=cache,target=/root/.cache,sharing=locked,id=c "
                + "--mount=type=secret,id=tok,required --network=none --security=insecure echo hi");
        assertEquals(List.of("echo hi"), r.command().args());
        assertTrue(r.command().prependShell());
        assertEquals("none", r.network());
        assertEquals("insecure", r.security());
        assertEquals(2, r.mountFlags().size());
        Instruction.Run exec = one("RUN [\"echo\", \"hi\"]");
        assertEquals(List.of("echo", "hi"), exec.command().args());
        assertFalse(exec.command().prependShell());
        Instruction.Run heredoc = (Instruction.Run) stages("FROM scratch\nRUN <<EOF\necho a\nEOF\n")
                .stages().get(0).instructions().get(0);
        assertEquals(List.of(new Instruction.InlineFile("EOF", "echo a\n", false)), heredoc.command().files());
        assertEquals("invalid network mode \"bridge\"", reject("FROM scratch\nRUN --network=bridge x\n").reason());
        assertEquals("security \"privileged\" is not valid", reject("FROM scratch\nRUN --security=privileged x\n").reason());
    }

    @Test
    void mountsAreParsedWithBuildkitDefaultsAndErrors() {
        Mount bind = MountParser.parse("type=bind,source=/a,target=/b", w -> w);
        assertTrue(bind.readOnly());
        Mount cache = MountParser.parse("type=cache,target=/c,mode=0700,uid=1000", w -> w);
        assertFalse(cache.readOnly());
        assertEquals(0700, cache.mode());
        assertEquals(1000L, cache.uid());
        Mount tmpfs = MountParser.parse("type=tmpfs,target=/t,size=64m", w -> w);
        assertEquals(64L << 20, tmpfs.sizeLimit());
        Mount rw = MountParser.parse("target=/x,rw", w -> w);
        assertFalse(rw.readOnly());
        Mount quoted = MountParser.parse("type=bind,\"target=/a,b\"", w -> w);
        assertEquals("/a,b", quoted.target());
        assertEquals("unsupported mount type \"cahce\" (did you mean cache?)",
                assertThrows(IllegalArgumentException.class, () -> MountParser.parse("type=cahce", w -> w)).getMessage());
        assertEquals("mode not allowed for \"bind\" type mounts",
                assertThrows(IllegalArgumentException.class, () -> MountParser.parse("target=/a,mode=0700", w -> w)).getMessage());
        assertEquals("invalid secret mount. one of source, target required",
                assertThrows(IllegalArgumentException.class, () -> MountParser.parse("type=secret", w -> w)).getMessage());
        assertEquals("unexpected key 'targte' in 'targte=/a' (did you mean target?)",
                assertThrows(IllegalArgumentException.class, () -> MountParser.parse("targte=/a", w -> w)).getMessage());
        assertEquals("'from' doesn't support variable expansion, define alias stage instead",
                reject("FROM scratch\nRUN --mount=from=$X,target=/a true\n").reason());
    }

    @Test
    void fromForms() {
        Stages s = stages("FROM --platform=linux/arm64 alpine:3 AS Builder\nFROM builder\nFROM scratch\n");
        Instruction.From f = s.stages().get(0).from();
        assertEquals("alpine:3", f.baseName());
        assertEquals("builder", f.stageName());
        assertEquals("linux/arm64", f.platform());
        assertEquals(s.stages().get(0), s.find("BUILDER"));
        assertEquals(s.stages().get(2), s.find("2"));
        assertNull(s.find("3"));
        assertEquals("invalid name for build stage: \"1st\", name can't start with a number or contain symbols",
                reject("FROM a AS 1st\n").reason());
        assertEquals("FROM requires either one or three arguments", reject("FROM a b\n").reason());
        assertEquals("duplicate stage name \"x\"", reject("FROM a AS x\nFROM b AS X\n").reason());
    }

    @Test
    void metaArgsAndStageBoundaries() {
        Stages s = stages("ARG A=1 B\nARG C\nFROM scratch\nARG A\n");
        assertEquals(2, s.metaArgs().size());
        assertEquals(new Instruction.ArgDefinition("A", "1"), s.metaArgs().get(0).args().get(0));
        assertEquals(new Instruction.ArgDefinition("B", null), s.metaArgs().get(0).args().get(1));
        assertEquals(1, s.stages().get(0).instructions().size());
        assertEquals("no build stage in current context", reject("ARG A\nRUN x\nFROM scratch\n").reason());
        assertEquals("dockerfile contains no stages to build", reject("ARG A\n").reason());
        assertEquals("ARG names can not be blank", reject("FROM scratch\nARG =x\n").reason());
    }

    @Test
    void envAndLabelPairs() {
        Instruction.Env e = one("ENV A=1 B=\"two words\"");
        assertEquals(List.of(new Instruction.KeyValue("A", "1", false), new Instruction.KeyValue("B", "\"two words\"", false)),
                e.env());
        Instruction.Env legacy = one("ENV A some value");
        assertEquals(new Instruction.KeyValue("A", "some value", true), legacy.env().get(0));
        Instruction.Label l = one("LABEL a=b");
        assertEquals("a", l.labels().get(0).key());
        assertEquals("LABEL requires at least one argument", reject("FROM scratch\nLABEL\n").reason());
    }

    @Test
    void healthcheck() {
        Instruction.Healthcheck h = one("HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s "
                + "--start-interval=1s --retries=4 CMD curl -f http://localhost/");
        assertEquals(List.of("CMD-SHELL", "curl -f http://localhost/"), h.test());
        assertEquals(Duration.ofSeconds(90), h.interval());
        assertEquals(Duration.ofMillis(500), h.timeout());
        assertEquals(4, h.retries());
        Instruction.Healthcheck exec = one("HEALTHCHECK CMD [\"true\"]");
        assertEquals(List.of("CMD", "true"), exec.test());
        Instruction.Healthcheck none = one("healthcheck none");
        assertEquals(List.of("NONE"), none.test());
        assertEquals("HEALTHCHECK NONE takes no arguments", reject("FROM scratch\nHEALTHCHECK NONE x\n").reason());
        assertEquals("Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)",
                reject("FROM scratch\nHEALTHCHECK CONNECT TCP 7000\n").reason());
        assertEquals("Interval \"interval\" cannot be less than 1ms",
                reject("FROM scratch\nHEALTHCHECK --interval=10us CMD x\n").reason());
        assertEquals("--retries cannot be negative (-1)", reject("FROM scratch\nHEALTHCHECK --retries=-1 CMD x\n").reason());
        assertEquals("Missing command after HEALTHCHECK CMD", reject("FROM scratch\nHEALTHCHECK CMD\n").reason());
    }

    @Test
    void onbuild() {
        Instruction.Onbuild o = one("ONBUILD RUN echo hi");
        assertEquals("RUN echo hi", o.expression());
        Instruction.Onbuild h = (Instruction.Onbuild) stages("FROM scratch\nONBUILD RUN <<EOF\necho a\nEOF\n")
                .stages().get(0).instructions().get(0);
        assertEquals("RUN <<EOF\necho a\nEOF", h.expression());
        assertEquals("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                reject("FROM scratch\nONBUILD ONBUILD RUN x\n").reason());
        assertEquals("FROM isn't allowed as an ONBUILD trigger", reject("FROM scratch\nONBUILD FROM x\n").reason());
    }

    @Test
    void singleArgumentInstructions() {
        assertEquals("/app", ((Instruction.Workdir) one("WORKDIR /app")).path());
        assertEquals("SIGTERM", ((Instruction.StopSignal) one("STOPSIGNAL SIGTERM")).signal());
        assertEquals("1000:1000", ((Instruction.User) one("USER 1000:1000")).user());
        assertEquals("a b", ((Instruction.Maintainer) one("MAINTAINER a b")).maintainer());
        assertEquals("WORKDIR requires exactly one argument", reject("FROM scratch\nWORKDIR\n").reason());
        assertEquals(List.of("/a", "/b"), ((Instruction.Volume) one("VOLUME [\"/a\", \"/b\"]")).volumes());
        assertEquals("VOLUME specified can not be an empty string", reject("FROM scratch\nVOLUME [\"\"]\n").reason());
        assertEquals(List.of("443", "80/tcp"), ((Instruction.Expose) one("EXPOSE 80/tcp 443")).ports());
        assertEquals(List.of("/bin/bash", "-c"), ((Instruction.Shell) one("SHELL [\"/bin/bash\", \"-c\"]")).shell());
        assertEquals("SHELL requires the arguments to be in JSON form", reject("FROM scratch\nSHELL /bin/bash -c\n").reason());
        Instruction.Entrypoint empty = one("ENTRYPOINT []");
        assertTrue(empty.command().args().isEmpty());
        Instruction.Cmd shell = one("CMD echo $HOME");
        assertEquals(List.of("echo $HOME"), shell.command().args());
    }
}
