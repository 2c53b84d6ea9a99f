package dev.jbuild.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.dockerfile.ast.Heredoc;
import dev.jbuild.dockerfile.ast.Node;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cases the BuildKit files do not cover: heredocs, directives, BOM, CRLF, flags, errors, positions. */
class DockerfileParserTest {

    private static Dockerfile parse(String text) {
        return DockerfileParser.parse("Dockerfile", text);
    }

    private static DockerfileSyntaxException reject(String text) {
        return assertThrows(DockerfileSyntaxException.class, () -> parse(text));
    }

    @Test
    void heredocBodyIsAttachedAndNotPartOfTheLine() {
        Dockerfile df = parse("FROM busybox\nRUN <<EOF\necho hello\necho world\nEOF\nCMD x\n");
        assertEquals("(from \"busybox\")\n(run \"<<EOF\")\n(cmd \"x\")\n", df.dump());
        Node run = df.instructions().get(1);
        assertEquals(List.of(new Heredoc("EOF", 0, true, false, "echo hello\necho world\n")), run.heredocs());
        assertEquals(2, run.range().startLine());
        assertEquals(5, run.range().endLine());
    }

    @Test
    void severalHeredocsOnOneInstruction() {
        Dockerfile df = parse("FROM x\nCOPY <<FILE1 <<FILE2 /dest/\nfirst\nFILE1\nsecond\nFILE2\n");
        Node copy = df.instructions().get(1);
        assertEquals(2, copy.heredocs().size());
        assertEquals("first\n", copy.heredocs().get(0).content());
        assertEquals("FILE2", copy.heredocs().get(1).name());
        assertEquals("second\n", copy.heredocs().get(1).content());
        assertEquals("copy \"<<FILE1\" \"<<FILE2\" \"/dest/\"", copy.dump());
    }

    @Test
    void chompedHeredocEndsAtTabIndentedTerminatorAndStripsTabs() {
        Dockerfile df = parse("FROM x\nRUN <<-EOT bash\n\techo a\n\t\techo b\n\tEOT\n");
        Heredoc h = df.instructions().get(1).heredocs().get(0);
        assertTrue(h.chomp());
        assertEquals("\techo a\n\t\techo b\n", h.content());
        assertEquals("echo a\necho b\n", h.chompedContent());
    }

    @Test
    void quotedDelimiterDisablesExpansion() {
        Dockerfile df = parse("FROM x\nRUN <<\"EOF\" cat\n$HOME\nEOF\nRUN 3<<'A'\nb\nA\nRUN <<E\"O\"F\nc\nEOF\n");
        Heredoc dq = df.instructions().get(1).heredocs().get(0);
        assertEquals("EOF", dq.name());
        assertFalse(dq.expand());
        Heredoc sq = df.instructions().get(2).heredocs().get(0);
        assertEquals(3, sq.fileDescriptor());
        assertFalse(sq.expand());
        Heredoc partial = df.instructions().get(3).heredocs().get(0);
        assertEquals("EOF", partial.name());
        assertFalse(partial.expand());
    }

    @Test
    void execFormAndOtherInstructionsHaveNoHeredocs() {
        Dockerfile df = parse("FROM x\nRUN [\"cat\", \"<<EOF\"]\nCMD cat <<EOF\nENV a=<<EOF\n");
        for (Node n : df.instructions()) {
            assertTrue(n.heredocs().isEmpty(), n.dump());
        }
    }

    @Test
    void onbuildRunHeredoc() {
        Dockerfile df = parse("FROM x\nONBUILD RUN <<EOF\necho hi\nEOF\n");
        Node onbuild = df.instructions().get(1);
        assertEquals("(onbuild (run \"<<EOF\"))\n", "(" + onbuild.dump() + ")\n");
        assertEquals("echo hi\n", onbuild.heredocs().get(0).content());
    }

    @Test
    void unterminatedHeredocIsAnError() {
        DockerfileSyntaxException e = reject("FROM x\nRUN <<EOF\necho hi\n");
        assertEquals("unterminated heredoc", e.reason());
        assertEquals(2, e.line());
    }

    @Test
    void directivesAreReadOnlyAtTheTop() {
        Dockerfile df = parse("# syntax=docker/dockerfile:1\n#  ESCAPE = `\n# check=skip=all\nFROM x\n# escape=\\\nRUN a `\n  b\n");
        assertEquals("docker/dockerfile:1", df.directive("syntax"));
        assertEquals("`", df.directive("escape"));
        assertEquals("skip=all", df.directive("check"));
        assertEquals('`', df.escape());
        assertEquals("(from \"x\")\n(run \"a   b\")\n", df.dump());
    }

    @Test
    void unknownDirectiveOrBlankLineEndsTheDirectiveBlock() {
        assertEquals('\\', parse("# foo=bar\n# escape=`\nFROM x\n").escape());
        assertEquals('\\', parse("\n# escape=`\nFROM x\n").escape());
        assertNull(parse("# comment\n# syntax=a\nFROM x\n").directive("syntax"));
    }

    @Test
    void duplicateOrInvalidDirectivesAreErrors() {
        DockerfileSyntaxException dup = reject("# escape=`\n# escape=\\\nFROM x\n");
        assertEquals("only one escape parser directive can be used", dup.reason());
        assertEquals(2, dup.line());
        assertTrue(reject("# escape=x\nFROM x\n").reason().startsWith("invalid escape token 'x'"));
    }

    @Test
    void byteOrderMarkIsDropped() {
        byte[] bom = "\uFEFF# escape=`\nFROM x\n".getBytes(StandardCharsets.UTF_8);
        Dockerfile df = DockerfileParser.parse("Dockerfile", bom);
        assertEquals('`', df.escape());
        assertEquals("(from \"x\")\n", df.dump());
    }

    @Test
    void crlfLineEndings() {
        Dockerfile df = parse("FROM x\r\nRUN a \\\r\n  b\r\nLABEL k=v\r\n");
        assertEquals("(from \"x\")\n(run \"a   b\")\n(label \"k\" \"v\" \"=\")\n", df.dump());
    }

    @Test
    void continuationMayFallInsideTheKeyword() {
        assertEquals("(run \"echo hi\")\n", parse("RU\\\nN echo hi\n").dump());
    }

    @Test
    void keywordsAreCaseInsensitiveButKeptAsWritten() {
        Node n = parse("fRoM Image AS b\n").instructions().get(0);
        assertEquals("fRoM", n.keyword());
        assertEquals("from \"Image\" \"AS\" \"b\"", n.dump());
    }

    @Test
    void flagsQuotesAndTerminator() {
        Node n = parse("COPY --from=build --chown=\"a b\" --link -- --not-a-flag /dst\n").instructions().get(0);
        assertEquals(List.of("--from=build", "--chown=a b", "--link"), n.flags().stream().map(f -> f.text()).toList());
        assertEquals("from", n.flags().get(0).name());
        assertEquals("build", n.flags().get(0).value());
        assertNull(n.flags().get(2).value());
        assertEquals("copy [\"--from=build\" \"--chown=a b\" \"--link\"] \"--not-a-flag\" \"/dst\"", n.dump());
    }

    @Test
    void flagsWithBacktickEscape() {
        Node n = parse("# escape=`\nRUN --mount=type=bind,target=`\"a b`\" echo\n").instructions().get(0);
        assertEquals("--mount=type=bind,target=\"a", n.flags().get(0).text());
    }

    @Test
    void invalidJsonFallsBackToShellForm() {
        Dockerfile df = parse("CMD ['a', 'b']\nCMD [\"a\" \"b\"]\nCMD [\"a\"] trailing\nCMD []\n");
        assertEquals("(cmd \"['a', 'b']\")\n(cmd \"[\\\"a\\\" \\\"b\\\"]\")\n(cmd \"[\\\"a\\\"] trailing\")\n(cmd)\n",
                df.dump());
        assertFalse(df.instructions().get(0).json());
        assertTrue(df.instructions().get(3).json());
    }

    @Test
    void jsonEscapesAreDecoded() {
        Node n = parse("ENTRYPOINT [\"a\\/b\", \"\\u00e9\\t\", \"\\ud83d\\ude00\"]\n").instructions().get(0);
        assertEquals(List.of("a/b", "é\t", "😀"), n.args().stream().map(a -> a.value()).toList());
    }

    @Test
    void nonStringJsonArrayIsRejectedWithPosition() {
        DockerfileSyntaxException e = reject("FROM x\nCMD [\"a\", 1]\n");
        assertEquals("when using JSON array syntax, arrays must be comprised of strings only", e.reason());
        assertEquals(2, e.line());
        assertEquals(11, e.column());
        assertEquals("Dockerfile:2:11: when using JSON array syntax, arrays must be comprised of strings only",
                e.getMessage());
    }

    @Test
    void healthcheckForms() {
        Dockerfile df = parse("HEALTHCHECK NONE\nHEALTHCHECK --interval=5s CMD [\"curl\", \"-f\"]\nHEALTHCHECK CMD curl -f x\nHEALTHCHECK\n");
        assertEquals("(healthcheck \"NONE\")\n(healthcheck [\"--interval=5s\"] \"CMD\" \"curl\" \"-f\")\n"
                + "(healthcheck \"CMD\" \"curl -f x\")\n(healthcheck)\n", df.dump());
        assertTrue(df.instructions().get(1).json());
    }

    @Test
    void envForms() {
        Dockerfile df = parse("ENV a b c\nENV x=\"1 2\" y=3\nARG p=\"q r\" s\n");
        assertEquals("(env \"a\" \"b c\" \"\")\n(env \"x\" \"\\\"1 2\\\"\" \"=\" \"y\" \"3\" \"=\")\n"
                + "(arg \"p=\\\"q r\\\"\" \"s\")\n", df.dump());
        assertEquals("ENV must have two arguments", reject("ENV PATH\n").reason());
        assertTrue(reject("ENV a=b c\n").reason().startsWith("Syntax error - can't find = in \"c\""));
    }

    @Test
    void emptyContinuationLineIsAWarning() {
        Dockerfile df = parse("RUN a \\\n\n  b\n");
        assertEquals("(run \"a   b\")\n", df.dump());
        assertEquals(1, df.warnings().size());
        assertEquals("NoEmptyContinuation", df.warnings().get(0).rule());
    }

    @Test
    void commentsInsideContinuationAreDroppedAndLinesCounted() {
        Dockerfile df = parse("RUN a \\\n # note\n b \\\n# tail\n");
        Node n = df.instructions().get(0);
        assertEquals("run \"a  b\"", n.dump());
        assertEquals(1, n.range().startLine());
        assertEquals(4, n.range().endLine());
    }

    @Test
    void sourcePositionsOfArguments() {
        Node n = parse("FROM x\n  COPY --chown=1 \\\n     src   dst\n").instructions().get(1);
        assertEquals(2, n.range().startLine());
        assertEquals(3, n.range().startColumn());
        assertEquals(3, n.range().endLine());
        assertEquals(2, n.flags().get(0).range().startLine());
        assertEquals(8, n.flags().get(0).range().startColumn());
        assertEquals(3, n.args().get(0).range().startLine());
        assertEquals(6, n.args().get(0).range().startColumn());
        assertEquals(12, n.args().get(1).range().startColumn());
    }

    @Test
    void emptyFileAndCommentsOnlyAreRejected() {
        assertEquals("file with no instructions", reject("").reason());
        assertEquals("file with no instructions", reject("# a\n\n   # b\n").reason());
    }

    @Test
    void overlongLineIsRejectedLikeBuildkit() {
        String big = "RUN echo " + "x".repeat(DockerfileParser.MAX_LINE_BYTES) + "\n";
        DockerfileSyntaxException e = assertThrows(DockerfileSyntaxException.class,
                () -> DockerfileParser.parse("Dockerfile", ("FROM x\n" + big).getBytes(StandardCharsets.UTF_8)));
        assertEquals(2, e.line());
    }

    @Test
    void unknownInstructionIsKeptForTheNextStage() {
        Node n = parse("FRM x\n").instructions().get(0);
        assertEquals("frm", n.command());
        assertEquals("frm", n.dump());
    }

    @Test
    void escapedEscapeAtEndOfLineIsNotAContinuation() {
        Dockerfile df = parse("RUN echo \\\\\nCMD x\n");
        assertEquals(2, df.instructions().size());
    }

    @Test
    void continuationAtEndOfFile() {
        assertEquals("(run \"echo a\")\n", parse("RUN echo a\\").dump());
    }
}
