package dev.jbuild.dockerfile;

import dev.jbuild.dockerfile.antlr.LineLexer;
import dev.jbuild.dockerfile.antlr.LineLexerBase;
import dev.jbuild.dockerfile.antlr.LineParser;
import dev.jbuild.dockerfile.antlr.LogicalLine;
import dev.jbuild.dockerfile.ast.Directive;
import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.dockerfile.ast.Heredoc;
import dev.jbuild.dockerfile.ast.Node;
import dev.jbuild.dockerfile.ast.ParseWarning;
import dev.jbuild.dockerfile.ast.SourceRange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;

/**
 * Dockerfile text to AST, accepting and rejecting exactly what BuildKit's parser does.
 *
 * <pre>{@code
 * Dockerfile df = DockerfileParser.parse(Path.of("Dockerfile"));
 * System.out.print(df.dump());
 * }</pre>
 *
 * Thread-safe: every call has its own lexers and parsers.
 */
public final class DockerfileParser {
    /** BuildKit reads lines with a bufio.Scanner and rejects longer ones. */
    public static final int MAX_LINE_BYTES = 64 * 1024 - 1;

    private DockerfileParser() {}

    public static Dockerfile parse(Path file) throws IOException {
        return parse(file.toString(), Files.readAllBytes(file));
    }

    public static Dockerfile parse(String source, byte[] content) {
        checkLineLengths(source, content);
        return parse(source, decode(content));
    }

    public static Dockerfile parse(String source, String text) {
        try {
            return parseText(source, text);
        } catch (DockerfileSyntaxException e) {
            throw e.source() == null ? e.withSource(source) : e;
        }
    }

    private static Dockerfile parseText(String source, String text) {
        LineLexer lexer = new LineLexer(CharStreams.fromString(text, source));
        InstructionReader reader = new InstructionReader();
        lexer.setHeredocResolver(reader::read);
        lexer.removeErrorListeners();
        lexer.addErrorListener(THROWING);
        LineParser parser = new LineParser(new CommonTokenStream(lexer));
        parser.removeErrorListeners();
        parser.addErrorListener(THROWING);
        parser.dockerfile();

        List<Node> nodes = new ArrayList<>();
        List<ParseWarning> warnings = new ArrayList<>();
        for (LogicalLine line : lexer.logicalLines()) {
            Node node = (Node) line.parsed();
            if (!line.heredocs().isEmpty()) {
                List<Heredoc> docs = new ArrayList<>();
                for (LogicalLine.HeredocBody b : line.heredocs()) {
                    docs.add(new Heredoc(b.name(), b.fileDescriptor(), b.expand(), b.chomp(), b.content()));
                }
                node = node.withHeredocs(docs);
            }
            if (node.range().endLine() != line.endLine()) {
                // The heredoc bodies were read after the line was parsed.
                node = node.withRange(new SourceRange(node.range().startLine(), node.range().startColumn(),
                        line.endLine()));
            }
            nodes.add(node);
            if (line.hasEmptyContinuation()) {
                warnings.add(new ParseWarning("NoEmptyContinuation",
                        "Empty continuation line found in: " + line.text(),
                        new SourceRange(line.startLine(), 1, line.endLine())));
            }
        }
        if (nodes.isEmpty()) {
            throw new DockerfileSyntaxException(source, "file with no instructions", 0, 0);
        }
        List<Directive> directives = new ArrayList<>();
        for (LineLexerBase.DirectiveLine d : lexer.directives()) {
            directives.add(new Directive(d.name(), d.value(), new SourceRange(d.line(), d.column(), d.line())));
        }
        SourceRange range = new SourceRange(nodes.get(0).range().startLine(), 1,
                nodes.get(nodes.size() - 1).range().endLine());
        return new Dockerfile(source, directives, nodes, lexer.escape(), warnings, range);
    }

    private static String decode(byte[] content) {
        // Invalid UTF-8 is kept as U+FFFD rather than refused, as Go's strings carry it through.
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(content))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException(e); // cannot happen with REPLACE
        }
    }

    private static void checkLineLengths(String source, byte[] content) {
        int line = 1;
        int start = 0;
        for (int i = 0; i <= content.length; i++) {
            if (i == content.length || content[i] == '\n') {
                if (i - start > MAX_LINE_BYTES) {
                    throw new DockerfileSyntaxException(source,
                            "dockerfile line greater than max allowed size of " + MAX_LINE_BYTES, line, 0);
                }
                line++;
                start = i + 1;
            }
        }
    }

    private static final BaseErrorListener THROWING = new BaseErrorListener() {
        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int charPositionInLine,
                String msg, RecognitionException e) {
            throw new DockerfileSyntaxException(msg, line, charPositionInLine + 1);
        }
    };
}
