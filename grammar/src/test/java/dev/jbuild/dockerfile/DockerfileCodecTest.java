package dev.jbuild.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.dockerfile.ast.Dockerfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every Dockerfile of the corpus and of BuildKit's parser tests decodes to the AST it was encoded from. */
class DockerfileCodecTest {
    static List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>(CorpusParseTest.corpus());
        try (Stream<Path> s = Files.walk(SharedData.path("conformance/buildkit/parser/testfiles"))) {
            s.filter(p -> p.getFileName().toString().equals("Dockerfile")).sorted().forEach(out::add);
        }
        return out;
    }

    @Test
    void everyAstRoundTrips() throws IOException {
        List<Path> files = files();
        assertTrue(files.size() > 450, "corpus and BuildKit's test files: " + files.size());
        int heredocs = 0;
        int onbuild = 0;
        int warnings = 0;
        for (Path p : files) {
            Dockerfile df = DockerfileParser.parse(p);
            Dockerfile back = DockerfileCodec.decode(DockerfileCodec.encode(df));
            assertEquals(df, back, p.toString());
            assertEquals(df.dump(), back.dump(), p.toString());
            onbuild += (int) df.instructions().stream().filter(n -> n.child() != null).count();
            warnings += df.warnings().size();
        }
        // here-documents (none in those files): expanded or not, chomped, on another file descriptor
        for (String text : List.of("# escape=`\nFROM busybox\nRUN <<EOF 3<<-'END' cat /dev/fd/3\necho $HOME\nEOF\n"
                + "\t\tquoted `\nEND\nCOPY <<a.txt <<\"b.txt\" /dst/\nA\na.txt\nB\nb.txt\n",
                "FROM scratch\nADD --chmod=644 <<EOT /x\né ü \uD83D\uDE00\nEOT\n")) {
            Dockerfile df = DockerfileParser.parse("Dockerfile", text);
            assertEquals(df, DockerfileCodec.decode(DockerfileCodec.encode(df)), text);
            heredocs += df.instructions().stream().mapToInt(n -> n.heredocs().size()).sum();
        }
        // the files hold every shape the encoding has to carry
        assertTrue(heredocs == 5 && onbuild > 0 && warnings > 0, heredocs + " " + onbuild + " " + warnings);
    }

    @Test
    void damagedBytesAreRefusedNotMisread() throws IOException {
        Dockerfile df = DockerfileParser.parse("Dockerfile",
                "# syntax=docker/dockerfile:1\nFROM busybox AS a\nRUN <<EOF\necho hi\nEOF\nONBUILD RUN true\n");
        byte[] b = DockerfileCodec.encode(df);
        for (int cut = 0; cut < b.length; cut++) {
            byte[] torn = Arrays.copyOf(b, cut);
            assertThrows(IllegalArgumentException.class, () -> DockerfileCodec.decode(torn), "cut at " + cut);
        }
        byte[] longer = Arrays.copyOf(b, b.length + 1);
        assertThrows(IllegalArgumentException.class, () -> DockerfileCodec.decode(longer));
        byte[] otherVersion = b.clone();
        otherVersion[7]++;
        assertThrows(IllegalArgumentException.class, () -> DockerfileCodec.decode(otherVersion));
    }

    @Test
    void theParserBuildIsNamed() {
        assertNotNull(DockerfileCodec.PARSER_BUILD);
        assertFalse(DockerfileCodec.PARSER_BUILD.isEmpty(), "the build resource is filtered");
    }
}
