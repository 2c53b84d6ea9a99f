package dev.jbuild.dockerfile.ast;

import java.util.List;

/**
 * A parsed Dockerfile: its parser directives, its instructions in order, the escape character in
 * force, and the warnings BuildKit would print.
 */
public record Dockerfile(
        String source,
        List<Directive> directives,
        List<Node> instructions,
        char escape,
        List<ParseWarning> warnings,
        SourceRange range) {

    public Dockerfile {
        directives = List.copyOf(directives);
        instructions = List.copyOf(instructions);
        warnings = List.copyOf(warnings);
    }

    /** The value of a parser directive, or null. */
    public String directive(String name) {
        for (Directive d : directives) {
            if (d.name().equals(name)) {
                return d.value();
            }
        }
        return null;
    }

    /** BuildKit's AST dump: one parenthesised line per instruction (the parser tests' format). */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        for (Node n : instructions) {
            sb.append('(').append(n.dump()).append(")\n");
        }
        return sb.toString();
    }
}
