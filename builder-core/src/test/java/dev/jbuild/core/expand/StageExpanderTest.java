package dev.jbuild.core.expand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.core.instructions.Instruction;
import dev.jbuild.core.instructions.Stages;
import dev.jbuild.dockerfile.DockerfileParser;
import dev.jbuild.dockerfile.DockerfileSyntaxException;
import dev.jbuild.oci.Platform;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expansion as BuildKit does it; each expectation is what `docker build` produces for the same file. */
class StageExpanderTest {
    static final Platform AMD64 = Platform.parse("linux/amd64");
    static final Platform ARM64 = Platform.parse("linux/arm64");

    static List<ExpandedStage> expand(String text, Map<String, String> buildArgs) {
        Stages stages = Stages.of(DockerfileParser.parse("Dockerfile", text));
        StageExpander ex = new StageExpander(stages, buildArgs, AMD64, ARM64, null);
        List<ExpandedStage> out = new ArrayList<>();
        for (var s : stages.stages()) {
            var parent = stages.find(s.from().baseName());
            out.add(ex.expand(s, parent == null || parent.index() >= s.index() ? null : out.get(parent.index()), List.of()));
        }
        return out;
    }

    static List<ExpandedStage> expand(String text) {
        return expand(text, Map.of());
    }

    @SuppressWarnings("unchecked")
    static <T extends Instruction> T ins(ExpandedStage s, int i) {
        return (T) s.instructions().get(i);
    }

    @Test
    void oneValuePerVariableForTheWholeInstruction() {
        ExpandedStage s = expand("FROM scratch\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n").get(0);
        Instruction.Env e = ins(s, 1);
        assertEquals("hello", e.env().get(1).value());
        assertEquals("bye", ((Instruction.Env) ins(s, 2)).env().get(0).value());
        assertEquals(Map.of("abc", "bye", "def", "hello", "ghi", "bye"), s.imageEnv());
    }

    @Test
    void metaArgsOnlyInFromUnlessRedeclared() {
        String df = "ARG IMG=alpine\nARG TAG=3.20\nFROM ${IMG}:${TAG} AS base\nLABEL a=\"[$TAG]\"\nARG TAG\nLABEL b=\"[$TAG]\"\n";
        ExpandedStage s = expand(df).get(0);
        assertEquals("alpine:3.20", s.baseName());
        assertEquals("[]", ((Instruction.Label) ins(s, 0)).labels().get(0).value());
        assertEquals("[3.20]", ((Instruction.Label) ins(s, 2)).labels().get(0).value());
        ExpandedStage over = expand(df, Map.of("TAG", "edge")).get(0);
        assertEquals("alpine:edge", over.baseName());
        assertEquals("[edge]", ((Instruction.Label) ins(over, 2)).labels().get(0).value());
    }

    @Test
    void argDefaultsBuildArgsAndEnvPrecedence() {
        String df = "FROM scratch\nARG V=default\nENV E=$V\nARG V2\nLABEL v2=\"x${V2}x\"\nENV V=fromenv\nLABEL v=$V\n";
        ExpandedStage plain = expand(df).get(0);
        assertEquals("default", ((Instruction.Env) ins(plain, 1)).env().get(0).value());
        assertEquals("xx", ((Instruction.Label) ins(plain, 3)).labels().get(0).value());
        assertEquals("fromenv", ((Instruction.Label) ins(plain, 5)).labels().get(0).value());
        ExpandedStage withArgs = expand(df, Map.of("V", "cli", "V2", "two")).get(0);
        assertEquals("cli", ((Instruction.Env) ins(withArgs, 1)).env().get(0).value());
        assertEquals("xtwox", ((Instruction.Label) ins(withArgs, 3)).labels().get(0).value());
        // An undeclared build arg is not visible.
        ExpandedStage undeclared = expand("FROM scratch\nLABEL x=\"[$NOPE]\"\n", Map.of("NOPE", "1")).get(0);
        assertEquals("[]", ((Instruction.Label) ins(undeclared, 0)).labels().get(0).value());
        // ARG values are in RUN's environment but not in the image's.
        assertEquals("two", withArgs.env().get("V2"));
        assertEquals(Map.of("E", "cli", "V", "fromenv"), withArgs.imageEnv());
        assertTrue(!plain.env().containsKey("V2"), "an ARG without value is not set");
    }

    @Test
    void automaticPlatformArgs() {
        String df = "FROM --platform=$BUILDPLATFORM golang AS build\nARG TARGETARCH\nARG BUILDOS\n"
                + "LABEL t=$TARGETARCH b=$BUILDOS p=$TARGETPLATFORM\nFROM --platform=${TARGETPLATFORM} scratch\n";
        List<ExpandedStage> stages = expand(df);
        assertEquals("linux/amd64", stages.get(0).platform());
        Instruction.Label l = ins(stages.get(0), 2);
        assertEquals("arm64", l.labels().get(0).value());
        assertEquals("linux", l.labels().get(1).value());
        assertEquals("", l.labels().get(2).value());
        assertEquals("linux/arm64", stages.get(1).platform());
    }

    @Test
    void childStageInheritsEnvAndArgs() {
        String df = "FROM scratch AS base\nARG A=1\nENV B=2\nFROM base\nLABEL l=\"$A-$B\"\nFROM scratch\nLABEL l=\"$A-$B\"\n";
        List<ExpandedStage> s = expand(df);
        assertEquals("1-2", ((Instruction.Label) ins(s.get(1), 0)).labels().get(0).value());
        assertEquals("-", ((Instruction.Label) ins(s.get(2), 0)).labels().get(0).value());
    }

    @Test
    void expandsWhereBuildkitExpandsAndNowhereElse() {
        String df = "FROM scratch\nARG D=/dst P=\"80 443/udp\" U=app S=SIGINT\nWORKDIR $D/w\nUSER ${U}:${U}\n"
                + "STOPSIGNAL $S\nVOLUME $D/v\nEXPOSE $P\nCOPY --chown=$U --chmod=${MODE:-644} src-$U $D/\n"
                + "RUN --mount=type=cache,target=$D/cache echo $D\nCMD echo $D\n";
        ExpandedStage s = expand(df).get(0);
        assertEquals("/dst/w", ((Instruction.Workdir) ins(s, 1)).path());
        assertEquals("app:app", ((Instruction.User) ins(s, 2)).user());
        assertEquals("SIGINT", ((Instruction.StopSignal) ins(s, 3)).signal());
        assertEquals(List.of("/dst/v"), ((Instruction.Volume) ins(s, 4)).volumes());
        assertEquals(List.of("80", "443/udp"), ((Instruction.Expose) ins(s, 5)).ports());
        Instruction.Copy c = ins(s, 6);
        assertEquals("app", c.chown());
        assertEquals("644", c.chmod());
        assertEquals(List.of("src-app"), c.sources());
        assertEquals("/dst/", c.destination());
        Instruction.Run r = ins(s, 7);
        assertEquals("/dst/cache", r.mounts().get(0).target());
        assertEquals(List.of("echo $D"), r.command().args());
        assertEquals(List.of("echo $D"), ((Instruction.Cmd) ins(s, 8)).command().args());
    }

    @Test
    void heredocContentExpandsUnlessDelimiterQuoted() {
        String df = "FROM scratch\nARG N=world\nCOPY <<A <<\"B\" /\nhello $N \"q\"\nA\nbye $N\nB\n";
        Instruction.Copy c = ins(expand(df).get(0), 1);
        assertEquals("hello world \"q\"\n", c.contents().get(0).data());
        assertEquals("bye $N\n", c.contents().get(1).data());
    }

    @Test
    void errorsNameTheLine() {
        DockerfileSyntaxException e = assertThrows(DockerfileSyntaxException.class,
                () -> expand("FROM scratch\n\nWORKDIR ${DIR:?must be set}\n"));
        assertEquals(3, e.line());
        assertTrue(e.reason().contains("must be set"), e.reason());
        DockerfileSyntaxException from = assertThrows(DockerfileSyntaxException.class,
                () -> expand("FROM scratch AS a\nFROM scratch\nARG X=a\nCOPY --from=$X /a /b\n"));
        assertEquals("variable expansion is not supported for --from, define a new stage with FROM using ARG "
                + "from global scope as a workaround", from.reason());
        assertEquals(4, from.line());
        assertEquals("base name ($NOTHING) should not be blank",
                assertThrows(DockerfileSyntaxException.class, () -> expand("FROM $NOTHING\n")).reason());
    }

    @Test
    void metaArgReferencesEarlierMetaArg() {
        Map<String, String> args = new LinkedHashMap<>();
        ExpandedStage s = expand("ARG REG=example.com\nARG IMG=$REG/app\nFROM $IMG\n", args).get(0);
        assertEquals("example.com/app", s.baseName());
    }

    @Test
    void proxyArgsReachRunWithoutDeclarationButNotExpansion() {
        String df = "FROM scratch\nLABEL p=\"[$HTTP_PROXY]\"\n";
        Stages stages = Stages.of(DockerfileParser.parse("Dockerfile", df));
        StageExpander ex = new StageExpander(stages, Map.of("HTTP_PROXY", "http://proxy:3128", "https_proxy", "s",
                "OTHER", "x"), AMD64, AMD64, null);
        assertEquals(Map.of("HTTP_PROXY", "http://proxy:3128", "https_proxy", "s"), ex.proxyEnv());
        ExpandedStage s = ex.expandAll().get(0);
        assertEquals("[]", ((Instruction.Label) ins(s, 0)).labels().get(0).value());
    }
}
