package dev.jbuild.dockerfile.ast;

import java.util.List;
import java.util.Locale;

/**
 * One instruction as the parser sees it, before its arguments are interpreted: the keyword as
 * written, the flags, and the argument values in BuildKit's shapes (one string for shell form;
 * one per element for exec form; key, value, separator triples for ENV and LABEL; the nested
 * instruction for ONBUILD).
 *
 * @param keyword   the instruction word as written ({@code run}, {@code RUN}, or an unknown word)
 * @param child     the trigger instruction of an ONBUILD, else null
 * @param json      the arguments were a JSON array (exec form)
 * @param original  the joined logical line
 */
public record Node(
        String keyword,
        List<Flag> flags,
        List<Arg> args,
        Node child,
        boolean json,
        List<Heredoc> heredocs,
        String original,
        SourceRange range) {

    public Node {
        flags = List.copyOf(flags);
        args = List.copyOf(args);
        heredocs = List.copyOf(heredocs);
    }

    /** The keyword in lower case, the form every later stage compares against. */
    public String command() {
        return keyword.toLowerCase(Locale.ROOT);
    }

    public Node withHeredocs(List<Heredoc> docs) {
        return new Node(keyword, flags, args, child, json, docs, original, range);
    }

    public Node withRange(SourceRange newRange) {
        return new Node(keyword, flags, args, child, json, heredocs, original, newRange);
    }

    /** BuildKit's {@code Node.Dump()} of this instruction, without the surrounding parentheses. */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append(command());
        if (!flags.isEmpty()) {
            sb.append(" [");
            for (int i = 0; i < flags.size(); i++) {
                if (i > 0) {
                    sb.append(' ');
                }
                GoQuote.quote(flags.get(i).text(), sb);
            }
            sb.append(']');
        }
        if (child != null) {
            sb.append(" (").append(child.dump()).append(')');
        }
        for (Arg a : args) {
            sb.append(' ');
            GoQuote.quote(a.value(), sb);
        }
        return sb.toString().strip();
    }
}
