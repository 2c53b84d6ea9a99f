package dev.jbuild.dockerfile.antlr;

import dev.jbuild.dockerfile.DockerfileSyntaxException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.Lexer;
import org.antlr.v4.runtime.Token;

/**
 * Run-time decisions of {@link LineLexer}: parser directives and their placement, the escape
 * character, joining of continuation lines, and heredoc bodies. The rules are BuildKit's
 * (frontend/dockerfile/parser), so that every file parses to the same logical lines.
 */
public abstract class LineLexerBase extends Lexer {
    // BuildKit's directive syntax after the '#'; Go's \s is [\t\n\f\r ].
    private static final Pattern DIRECTIVE =
            Pattern.compile("([a-zA-Z][a-zA-Z0-9]*)[\\t\\n\\f\\r ]*=[\\t\\n\\f\\r ]*(.+?)[\\t\\n\\f\\r ]*");
    private static final Set<String> VALID_DIRECTIVES = Set.of("syntax", "escape", "check");

    private char escape = '\\';
    private boolean directivesOpen = true;
    private final Set<String> seenDirectives = new HashSet<>();
    private final List<DirectiveLine> directives = new ArrayList<>();
    private final List<LogicalLine> logicalLines = new ArrayList<>();
    private LogicalLine current;
    private final Deque<LogicalLine.HeredocBody> pendingHeredocs = new ArrayDeque<>();
    private Function<LogicalLine, List<LogicalLine.HeredocBody>> heredocResolver = l -> List.of();

    protected LineLexerBase(CharStream input) {
        super(input);
    }

    /** A parser directive as written, with its 1-based line. */
    public record DirectiveLine(String name, String value, int line, int column) {}

    /**
     * Called when an instruction's logical line is complete: parses it and answers the heredocs
     * whose bodies follow it (empty for none).
     */
    public void setHeredocResolver(Function<LogicalLine, List<LogicalLine.HeredocBody>> resolver) {
        this.heredocResolver = resolver;
    }

    public char escape() {
        return escape;
    }

    public List<DirectiveLine> directives() {
        return directives;
    }

    /** Every instruction's logical line, in file order. */
    public List<LogicalLine> logicalLines() {
        return logicalLines;
    }

    protected void hashLine() {
        String line = trimLeadingSpace(trimNewline(getText()));
        if (directivesOpen) {
            Matcher m = DIRECTIVE.matcher(trimLeadingSpace(line.substring(1)));
            String key = m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
            if (key != null && VALID_DIRECTIVES.contains(key)) {
                if (!seenDirectives.add(key)) {
                    throw new DockerfileSyntaxException(
                            "only one " + key + " parser directive can be used", _tokenStartLine, 0);
                }
                String value = m.group(2);
                if (key.equals("escape")) {
                    if (!value.equals("`") && !value.equals("\\")) {
                        throw new DockerfileSyntaxException(
                                "invalid escape token '" + value + "' does not match ` or \\", _tokenStartLine, 0);
                    }
                    escape = value.charAt(0);
                }
                directives.add(new DirectiveLine(key, value, _tokenStartLine, _tokenStartCharPositionInLine + 1));
                setType(LineLexer.DIRECTIVE);
                return;
            }
            directivesOpen = false;
        }
        setType(LineLexer.COMMENT);
    }

    protected void blankLine() {
        directivesOpen = false;
    }

    protected void instructionLine() {
        directivesOpen = false;
        String raw = trimNewline(getText());
        int lead = leadingSpace(raw);
        String line = raw.substring(lead);
        current = new LogicalLine(_tokenStartLine, escape);
        int cut = continuationCut(line);
        if (cut >= 0) {
            current.append(line.substring(0, cut), _tokenStartLine, _tokenStartCharPositionInLine + lead);
            setType(LineLexer.LINE_CONT);
            mode(LineLexer.CONTINUATION);
        } else {
            current.append(line, _tokenStartLine, _tokenStartCharPositionInLine + lead);
            setType(LineLexer.LINE_END);
            endInstruction();
        }
    }

    protected void continuationLine() {
        String line = trimNewline(getText());
        int cut = continuationCut(line);
        if (cut >= 0) {
            current.append(line.substring(0, cut), _tokenStartLine, _tokenStartCharPositionInLine);
            setType(LineLexer.LINE_CONT);
        } else {
            current.append(line, _tokenStartLine, _tokenStartCharPositionInLine);
            setType(LineLexer.LINE_END);
            endInstruction();
        }
    }

    protected void continuationComment() {
        // A comment inside a continuation is dropped but still belongs to the instruction's lines.
        current.endLine(_tokenStartLine);
    }

    protected void emptyContinuationLine() {
        current.markEmptyContinuation();
        current.endLine(_tokenStartLine);
    }

    protected void heredocLine() {
        String raw = getText();
        LogicalLine.HeredocBody head = pendingHeredocs.peekFirst();
        String candidate = trimNewline(raw);
        if (head.chomp()) {
            int i = 0;
            while (i < candidate.length() && candidate.charAt(i) == '\t') {
                i++;
            }
            candidate = candidate.substring(i);
        }
        current.endLine(_tokenStartLine);
        if (candidate.equals(head.name())) {
            head.terminate();
            pendingHeredocs.removeFirst();
            setType(LineLexer.HEREDOC_END);
            if (pendingHeredocs.isEmpty()) {
                mode(DEFAULT_MODE);
            }
        } else {
            head.append(raw);
            setType(LineLexer.HEREDOC_BODY);
        }
    }

    @Override
    public Token nextToken() {
        if (_input.LA(1) == CharStream.EOF) {
            if (_mode == LineLexer.CONTINUATION) {
                // An escape before the end of the file ends the instruction.
                endInstruction();
            }
            if (_mode == LineLexer.HEREDOC) {
                throw new DockerfileSyntaxException("unterminated heredoc", current.startLine(), 0);
            }
        }
        return super.nextToken();
    }

    private void endInstruction() {
        logicalLines.add(current);
        List<LogicalLine.HeredocBody> heredocs = heredocResolver.apply(current);
        if (heredocs.isEmpty()) {
            mode(DEFAULT_MODE);
        } else {
            current.heredocs().addAll(heredocs);
            pendingHeredocs.addAll(heredocs);
            mode(LineLexer.HEREDOC);
        }
    }

    /**
     * Where the joined text ends when the line ends in a continuation, or -1. BuildKit's rule: the
     * escape character, then only spaces and tabs, and the escape not itself escaped.
     */
    private int continuationCut(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        if (end == 0 || line.charAt(end - 1) != escape) {
            return -1;
        }
        if (end >= 2 && line.charAt(end - 2) == escape) {
            return -1;
        }
        return end - 1;
    }

    static String trimNewline(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return end == s.length() ? s : s.substring(0, end);
    }

    static String trimLeadingSpace(String s) {
        int lead = leadingSpace(s);
        return lead == 0 ? s : s.substring(lead);
    }

    static int leadingSpace(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Go's unicode.IsSpace. */
    public static boolean isSpace(int c) {
        return dev.jbuild.dockerfile.shell.Runes.isSpace(c);
    }
}
