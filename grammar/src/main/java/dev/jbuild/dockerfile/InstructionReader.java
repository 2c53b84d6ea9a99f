package dev.jbuild.dockerfile;

import dev.jbuild.dockerfile.antlr.InstructionLexer;
import dev.jbuild.dockerfile.antlr.InstructionParser;
import dev.jbuild.dockerfile.antlr.InstructionParser.CommandInstructionContext;
import dev.jbuild.dockerfile.antlr.InstructionParser.ExecFormContext;
import dev.jbuild.dockerfile.antlr.InstructionParser.HealthcheckInstructionContext;
import dev.jbuild.dockerfile.antlr.InstructionParser.InstructionContext;
import dev.jbuild.dockerfile.antlr.InstructionParser.JsonValueContext;
import dev.jbuild.dockerfile.antlr.InstructionParser.ListInstructionContext;
import dev.jbuild.dockerfile.antlr.InstructionParser.OnbuildInstructionContext;
import dev.jbuild.dockerfile.antlr.InstructionParser.PlainInstructionContext;
import dev.jbuild.dockerfile.antlr.InstructionParser.TextContext;
import dev.jbuild.dockerfile.antlr.LineLexerBase;
import dev.jbuild.dockerfile.antlr.LogicalLine;
import dev.jbuild.dockerfile.ast.Arg;
import dev.jbuild.dockerfile.ast.Flag;
import dev.jbuild.dockerfile.ast.GoQuote;
import dev.jbuild.dockerfile.ast.Heredoc;
import dev.jbuild.dockerfile.ast.Node;
import dev.jbuild.dockerfile.ast.SourceRange;
import dev.jbuild.dockerfile.shell.EnvGetter;
import dev.jbuild.dockerfile.shell.ShellLex;
import dev.jbuild.dockerfile.shell.ShellSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.antlr.v4.runtime.BailErrorStrategy;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.misc.ParseCancellationException;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Parses one logical line with the instruction grammar and gives its arguments BuildKit's shapes
 * (frontend/dockerfile/parser/line_parsers.go). Also decides which heredocs follow the line.
 * Not thread-safe: one reader per Dockerfile, its lexer and parser reused for every line.
 */
final class InstructionReader {
    private static final Set<String> HEREDOC_COMMANDS = Set.of("add", "copy", "run");

    /** Deeper than this, '[' is not read as JSON (recursive descent needs a frame per level). */
    static final int MAX_JSON_DEPTH = 500;
    /** ONBUILD ONBUILD ... deeper than this is rejected before it is parsed recursively. */
    static final int MAX_ONBUILD_DEPTH = 16;

    private final InstructionLexer lexer = new InstructionLexer(CharStreams.fromString(""));
    private final InstructionParser parser = new InstructionParser(new CommonTokenStream(lexer));

    private LogicalLine line;
    private String text;
    private int base;

    InstructionReader() {
        lexer.removeErrorListeners();
        parser.removeErrorListeners();
        parser.setErrorHandler(new BailErrorStrategy());
        parser.getInterpreter().setPredictionMode(PredictionMode.LL);
    }

    /** Parses the line, remembers the node on it, and answers the heredocs that follow it. */
    List<LogicalLine.HeredocBody> read(LogicalLine logical) {
        Node node = parse(logical);
        logical.setParsed(node);
        return heredocs(node, logical);
    }

    Node parse(LogicalLine logical) {
        this.line = logical;
        String joined = logical.text();
        int start = 0;
        int end = joined.length();
        while (start < end && LineLexerBase.isSpace(joined.charAt(start))) {
            start++;
        }
        while (end > start && LineLexerBase.isSpace(joined.charAt(end - 1))) {
            end--;
        }
        this.text = joined.substring(start, end);
        this.base = start;
        if (text.isEmpty()) {
            return new Node("", List.of(), List.of(), null, false, List.of(), joined, range(0));
        }
        if (onbuildDepth(text) > MAX_ONBUILD_DEPTH) {
            // BuildKit nests these without limit and then rejects the chain; so do we, before recursing.
            throw new DockerfileSyntaxException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                    logical.startLine(), logical.columnOf(start));
        }
        lexer.setInputStream(CharStreams.fromString(text));
        lexer.setEscape(logical.escape());
        lexer.setJsonDisabled(bracketDepth(text) > MAX_JSON_DEPTH);
        parser.setTokenStream(new CommonTokenStream(lexer));
        InstructionContext ctx;
        try {
            ctx = parser.line().instruction();
        } catch (ParseCancellationException e) {
            // The grammar accepts every token sequence its lexer makes; reaching here is a bug.
            throw new DockerfileSyntaxException("cannot parse instruction: " + text, logical.startLine(), 0);
        }
        return node(ctx, joined);
    }

    private Node node(InstructionContext ctx, String original) {
        Token kw = ctx.start;
        String keyword = kw.getText();
        List<Flag> flags = new ArrayList<>();
        for (TerminalNode f : flagTokens(ctx)) {
            if (f.getSymbol().getType() == InstructionLexer.FLAG) {
                flags.add(new Flag(flagValue(f.getText()), range(f.getSymbol().getStartIndex())));
            }
        }
        List<Arg> args = new ArrayList<>();
        Node child = null;
        boolean json = false;
        if (ctx instanceof CommandInstructionContext c) {
            if (c.execOrShell() != null) {
                json = execOrString(c.execOrShell().execForm(), c.execOrShell().text(), args);
            }
        } else if (ctx instanceof ListInstructionContext c) {
            if (c.execOrList() != null) {
                if (c.execOrList().execForm() != null) {
                    json = exec(c.execOrList().execForm(), args);
                } else {
                    splitWhitespace(c.execOrList().text(), args);
                }
            }
        } else if (ctx instanceof HealthcheckInstructionContext c) {
            if (c.healthcheckArgs() != null) {
                var h = c.healthcheckArgs();
                args.add(new Arg(slice(h.healthcheckType().start, h.healthcheckType().stop),
                        range(h.healthcheckType().start.getStartIndex())));
                if (h.execOrShell() != null) {
                    json = execOrString(h.execOrShell().execForm(), h.execOrShell().text(), args);
                }
            }
        } else if (ctx instanceof OnbuildInstructionContext c) {
            if (c.instruction() != null) {
                int from = c.instruction().start.getStartIndex();
                child = node(c.instruction(), text.substring(from));
            }
        } else if (ctx instanceof PlainInstructionContext c && c.text() != null) {
            String command = keyword.toLowerCase(Locale.ROOT);
            int at = c.text().start.getStartIndex();
            String rest = slice(c.text().start, c.text().stop);
            switch (command) {
                case "from", "expose" -> splitWhitespace(c.text(), args);
                case "env" -> nameValue(rest, at, "ENV", args);
                case "label" -> nameValue(rest, at, "LABEL", args);
                case "arg" -> {
                    for (Word w : words(rest, at)) {
                        args.add(new Arg(w.text, range(w.offset)));
                    }
                }
                case "maintainer", "stopsignal", "user", "workdir" -> args.add(new Arg(rest, range(at)));
                default -> { } // unknown instruction: kept without arguments, rejected later
            }
        }
        return new Node(keyword, flags, args, child, json, List.of(), original, range(kw.getStartIndex()));
    }

    /** How many ONBUILD keywords the line starts with (flags between them skipped). */
    private static int onbuildDepth(String text) {
        int depth = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && LineLexerBase.isSpace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !LineLexerBase.isSpace(text.charAt(i))) {
                i++;
            }
            String word = text.substring(start, i);
            if (word.equalsIgnoreCase("onbuild")) {
                depth++;
            } else if (!word.startsWith("--")) {
                break;
            }
        }
        return depth;
    }

    /** The deepest '[' / '{' nesting outside JSON strings. */
    private static int bracketDepth(String text) {
        int depth = 0;
        int max = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                max = Math.max(max, ++depth);
            } else if ((c == ']' || c == '}') && depth > 0) {
                depth--;
            }
        }
        return max;
    }

    private static List<TerminalNode> flagTokens(InstructionContext ctx) {
        InstructionParser.FlagsContext flags;
        if (ctx instanceof CommandInstructionContext c) {
            flags = c.flags();
        } else if (ctx instanceof ListInstructionContext c) {
            flags = c.flags();
        } else if (ctx instanceof HealthcheckInstructionContext c) {
            flags = c.flags();
        } else if (ctx instanceof OnbuildInstructionContext c) {
            flags = c.flags();
        } else {
            flags = ((PlainInstructionContext) ctx).flags();
        }
        List<TerminalNode> out = new ArrayList<>(flags.FLAG());
        out.addAll(flags.DASHDASH());
        out.sort((a, b) -> Integer.compare(a.getSymbol().getTokenIndex(), b.getSymbol().getTokenIndex()));
        return out;
    }

    private boolean execOrString(ExecFormContext exec, TextContext shell, List<Arg> args) {
        if (exec != null) {
            return exec(exec, args);
        }
        args.add(new Arg(slice(shell.start, shell.stop), range(shell.start.getStartIndex())));
        return false;
    }

    private boolean exec(ExecFormContext exec, List<Arg> args) {
        for (JsonValueContext v : exec.jsonArray().jsonValue()) {
            if (v.JSON_STRING() == null) {
                throw new DockerfileSyntaxException(
                        "when using JSON array syntax, arrays must be comprised of strings only",
                        line.lineOf(base + v.start.getStartIndex()), line.columnOf(base + v.start.getStartIndex()));
            }
            Token t = v.JSON_STRING().getSymbol();
            args.add(new Arg(decodeJsonString(t.getText()), range(t.getStartIndex())));
        }
        return true;
    }

    /** BuildKit splits FROM, EXPOSE and non-JSON COPY/ADD/VOLUME on runs of [\t\v\f\r ]. */
    private void splitWhitespace(TextContext t, List<Arg> args) {
        // The text has no surrounding whitespace: the whole line was trimmed first.
        int to = t.stop.getStopIndex() + 1;
        int i = t.start.getStartIndex();
        while (i < to) {
            int wordStart = i;
            while (i < to && !isAsciiSpace(text.charAt(i))) {
                i++;
            }
            args.add(new Arg(text.substring(wordStart, i), range(wordStart)));
            while (i < to && isAsciiSpace(text.charAt(i))) {
                i++;
            }
        }
    }

    private static boolean isAsciiSpace(char c) {
        return c == ' ' || c == '\t' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** ENV and LABEL: {@code key value} (legacy) or {@code key=value ...}; triples key, value, separator. */
    private void nameValue(String rest, int at, String instruction, List<Arg> args) {
        List<Word> words = words(rest, at);
        if (words.isEmpty()) {
            return;
        }
        if (!words.get(0).text.contains("=")) {
            int i = 0;
            while (i < rest.length() && !isAsciiSpace(rest.charAt(i))) {
                i++;
            }
            int j = i;
            while (j < rest.length() && isAsciiSpace(rest.charAt(j))) {
                j++;
            }
            if (i == rest.length()) {
                throw new DockerfileSyntaxException(instruction + " must have two arguments",
                        line.lineOf(base + at), line.columnOf(base + at));
            }
            args.add(new Arg(rest.substring(0, i), range(at)));
            args.add(new Arg(rest.substring(j), range(at + j)));
            args.add(new Arg("", range(at + j)));
            return;
        }
        for (Word w : words) {
            int eq = w.text.indexOf('=');
            if (eq < 0) {
                throw new DockerfileSyntaxException("Syntax error - can't find = in " + GoQuote.quote(w.text)
                        + ". Must be of the form: name=value", line.lineOf(base + w.offset), line.columnOf(base + w.offset));
            }
            args.add(new Arg(w.text.substring(0, eq), range(w.offset)));
            args.add(new Arg(w.text.substring(eq + 1), range(w.offset + eq + 1)));
            args.add(new Arg("=", range(w.offset + eq)));
        }
    }

    private record Word(String text, int offset) {}

    /**
     * BuildKit's word splitter for ENV, LABEL and ARG: whitespace separates words except inside
     * quotes; quotes and escapes are kept for the expansion step to process.
     */
    private List<Word> words(String rest, int at) {
        char esc = line.escape();
        List<Word> out = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        final int spaces = 0;
        final int word = 1;
        final int quoted = 2;
        int phase = spaces;
        char quote = 0;
        boolean blankOk = false;
        int start = 0;
        int n = rest.length();
        for (int pos = 0; pos <= n; pos++) {
            char ch = pos < n ? rest.charAt(pos) : 0;
            if (phase == spaces) {
                if (pos == n) {
                    break;
                }
                if (LineLexerBase.isSpace(ch)) {
                    continue;
                }
                phase = word;
                start = pos;
            }
            if (pos == n) {
                if (blankOk || sb.length() > 0) {
                    out.add(new Word(sb.toString(), at + start));
                }
                break;
            }
            if (phase == word) {
                if (LineLexerBase.isSpace(ch)) {
                    phase = spaces;
                    if (blankOk || sb.length() > 0) {
                        out.add(new Word(sb.toString(), at + start));
                    }
                    sb.setLength(0);
                    blankOk = false;
                    continue;
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    blankOk = true;
                    phase = quoted;
                }
                if (ch == esc) {
                    if (pos + 1 == n) {
                        continue;
                    }
                    sb.append(ch);
                    pos++;
                    ch = rest.charAt(pos);
                }
                sb.append(ch);
                continue;
            }
            // quoted
            if (ch == quote) {
                phase = word;
            }
            if (ch == esc && quote != '\'') {
                if (pos + 1 == n) {
                    phase = word;
                    continue;
                }
                pos++;
                sb.append(ch);
                ch = rest.charAt(pos);
            }
            sb.append(ch);
        }
        return out;
    }

    /** A flag word with quotes and escapes processed, as BuildKit's extractBuilderFlags does. */
    private String flagValue(String raw) {
        char esc = line.escape();
        StringBuilder sb = new StringBuilder(raw.length());
        char quote = 0;
        boolean inQuote = false;
        int n = raw.length();
        for (int i = 0; i < n; i++) {
            char ch = raw.charAt(i);
            if (!inQuote) {
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                    inQuote = true;
                    continue;
                }
            } else if (ch == quote) {
                inQuote = false;
                continue;
            }
            if (ch == esc) {
                if (i + 1 == n) {
                    inQuote = false;
                    continue;
                }
                ch = raw.charAt(++i);
            }
            sb.append(ch);
        }
        return sb.toString();
    }

    /** Decodes a JSON string token as Go's encoding/json does (lone surrogates become U+FFFD). */
    static String decodeJsonString(String token) {
        StringBuilder sb = new StringBuilder(token.length());
        int n = token.length() - 1;
        for (int i = 1; i < n; i++) {
            char c = token.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = token.charAt(++i);
            switch (e) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = (char) Integer.parseInt(token.substring(i + 1, i + 5), 16);
                    i += 4;
                    if (Character.isHighSurrogate(u) && i + 6 < n + 1 && token.startsWith("\\u", i + 1)) {
                        char low = (char) Integer.parseInt(token.substring(i + 3, i + 7), 16);
                        if (Character.isLowSurrogate(low)) {
                            sb.append(u).append(low);
                            i += 6;
                            continue;
                        }
                    }
                    sb.append(Character.isSurrogate(u) ? '\uFFFD' : u);
                }
                default -> sb.append(e); // '"', '\\', '/'
            }
        }
        // Unpaired surrogates written literally in the file were already replaced when decoding UTF-8.
        return sb.toString();
    }

    private String slice(Token from, Token to) {
        return text.substring(from.getStartIndex(), to.getStopIndex() + 1);
    }

    private SourceRange range(int offsetInText) {
        int offset = base + offsetInText;
        return new SourceRange(line.lineOf(offset), line.columnOf(offset), line.endLine());
    }

    /** BuildKit's canContainHeredoc and heredocsFromLine. */
    private List<LogicalLine.HeredocBody> heredocs(Node node, LogicalLine logical) {
        Node target = node.command().equals("onbuild") && node.child() != null ? node.child() : node;
        String joined = logical.text();
        if (!HEREDOC_COMMANDS.contains(target.command()) || target.json() || !joined.contains("<<")) {
            return List.of();
        }
        List<String> words;
        try {
            words = new ShellLex('\\').rawQuotes(true).rawEscapes(true).skipUnsetEnv(true)
                    .processWords(joined, EnvGetter.empty());
        } catch (ShellSyntaxException e) {
            return List.of(); // BuildKit ignores this error: such a line simply has no heredocs
        }
        List<LogicalLine.HeredocBody> docs = new ArrayList<>();
        for (String w : words) {
            Heredoc h;
            try {
                h = HeredocWord.parse(w);
            } catch (ShellSyntaxException e) {
                throw new DockerfileSyntaxException(e.getMessage(), logical.startLine(), 0);
            }
            if (h != null) {
                docs.add(new LogicalLine.HeredocBody(h.name(), h.fileDescriptor(), h.expand(), h.chomp()));
            }
        }
        return docs;
    }
}
