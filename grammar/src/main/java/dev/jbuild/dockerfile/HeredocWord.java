package dev.jbuild.dockerfile;

import dev.jbuild.dockerfile.ast.Heredoc;
import dev.jbuild.dockerfile.shell.EnvGetter;
import dev.jbuild.dockerfile.shell.ShellLex;
import dev.jbuild.dockerfile.shell.ShellSyntaxException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises a word that opens a heredoc ({@code <<EOF}, {@code <<-"EOF"}, {@code 3<<EOF}) with
 * BuildKit's rules: the delimiter is one shell word, and any quoting in it turns expansion of the
 * body off.
 */
public final class HeredocWord {
    // Go's \s is [\t\n\f\r ].
    private static final Pattern HEREDOC = Pattern.compile("(\\d*)<<(-?)[\\t\\n\\f\\r ]*([^<]*)");

    private HeredocWord() {}

    /** The heredoc the word opens (with empty content), or null when it opens none. */
    public static Heredoc parse(String word) throws ShellSyntaxException {
        Matcher m = HEREDOC.matcher(word);
        if (!m.matches()) {
            return null;
        }
        String rest = m.group(3);
        if (rest.isEmpty()) {
            return null;
        }
        List<String> plain = new ShellLex('\\').skipUnsetEnv(true).processWords(rest, EnvGetter.empty());
        if (plain.size() != 1) {
            return null;
        }
        List<String> raw = new ShellLex('\\').skipUnsetEnv(true).rawQuotes(true).processWords(rest, EnvGetter.empty());
        if (raw.size() != plain.size()) {
            throw new ShellSyntaxException("internal lexing of heredoc produced inconsistent results: " + rest);
        }
        int fd;
        try {
            fd = m.group(1).isEmpty() ? 0 : Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            fd = 0; // Go's ParseUint error leaves 0
        }
        boolean expand = quotes(plain.get(0)) == quotes(raw.get(0));
        return new Heredoc(plain.get(0), fd, expand, !m.group(2).isEmpty(), "");
    }

    /** {@link #parse} that answers null on a lexing error, as BuildKit's MustParseHeredoc does. */
    public static Heredoc parseOrNull(String word) {
        try {
            return parse(word);
        } catch (ShellSyntaxException e) {
            return null;
        }
    }

    private static int quotes(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                n++;
            }
        }
        return n;
    }
}
