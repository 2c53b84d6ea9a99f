package dev.jbuild.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jbuild.dockerfile.ast.Dockerfile;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: whatever the text, the parser answers with an AST or a DockerfileSyntaxException,
 * never another exception, and pathological shapes (deep nesting, long lines, many
 * continuations) stay cheap.
 */
class ParserRobustnessTest {
    private static final String[] PIECES = {
        "RUN ", "COPY ", "ADD ", "ONBUILD ", "HEALTHCHECK ", "ENV ", "LABEL ", "ARG ", "FROM ", "CMD ", "SHELL ",
        "\\\n", "`\n", "\n", "\r\n", " ", "\t", "<<EOF", "<<-EOF", "<<'EOF'", "EOF\n", "\tEOF\n", "#", "# escape=`\n",
        "# syntax=x\n", "[", "]", "\"", "'", ",", "--", "--flag=", "=", "a", "b c", "$", "${", "}", ":-", "\uFEFF",
        "`", "\\", "\u00A0", "é", "{", "null", "1", "NONE", "CMD",
    };

    @Test
    void randomTokenSoupNeverEscapesAsAnotherException() {
        Random random = new Random(20261122L);
        int parsed = 0;
        int rejected = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(40);
            for (int j = 0; j < n; j++) {
                sb.append(PIECES[random.nextInt(PIECES.length)]);
            }
            String text = sb.toString();
            try {
                Dockerfile df = DockerfileParser.parse("fuzz", text);
                df.dump();
                parsed++;
            } catch (DockerfileSyntaxException e) {
                rejected++;
            } catch (RuntimeException | StackOverflowError e) {
                fail("input " + ast(text) + " threw " + e, e);
            }
        }
        // Both outcomes must actually occur, or the generator tests nothing.
        if (parsed < 1000 || rejected < 100) {
            fail("generator too narrow: " + parsed + " parsed, " + rejected + " rejected");
        }
    }

    private static String ast(String s) {
        return dev.jbuild.dockerfile.ast.GoQuote.quote(s);
    }

    @Test
    void deeplyNestedJsonIsShellFormNotAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        Dockerfile df = DockerfileParser.parse("deep", "CMD " + deep + "\n");
        assertEquals(1, df.instructions().get(0).args().size());
        Dockerfile open = DockerfileParser.parse("deep", "CMD " + "[".repeat(60_000) + "\n");
        assertEquals(1, open.instructions().get(0).args().size());
    }

    @Test
    void deeplyNestedOnbuildIsAnErrorNotAStackOverflow() {
        String text = "FROM x\n" + "ONBUILD ".repeat(5_000) + "RUN true\n";
        try {
            DockerfileParser.parse("deep", text);
        } catch (DockerfileSyntaxException e) {
            assertEquals(2, e.line());
            return;
        }
        fail("5,000 nested ONBUILDs were accepted");
    }

    @Test
    void manyContinuationsAndLongLines() {
        StringBuilder sb = new StringBuilder("FROM x\nRUN true");
        for (int i = 0; i < 50_000; i++) {
            sb.append(" \\\n && echo ").append(i);
        }
        sb.append('\n');
        Dockerfile df = DockerfileParser.parse("long", sb.toString());
        assertEquals(50_002, df.instructions().get(1).range().endLine());
        String line = "RUN echo " + "x".repeat(DockerfileParser.MAX_LINE_BYTES - 10) + "\n";
        assertEquals(2, DockerfileParser.parse("long", "FROM x\n" + line).instructions().size());
        String manyFlags = "COPY " + "--a=b ".repeat(10_000) + "x y\n";
        assertEquals(10_000, DockerfileParser.parse("flags", manyFlags).instructions().get(0).flags().size());
    }
}
