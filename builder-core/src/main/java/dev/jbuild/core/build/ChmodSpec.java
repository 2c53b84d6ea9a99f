package dev.jbuild.core.build;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code --chmod} value as BuildKit takes it: an octal mode ({@code 0755}), or chmod's symbolic
 * clauses ({@code u=rwx,go=rx}, {@code +x}, {@code a-w,u+X}) applied to each copied entry's own
 * mode. A clause without who applies to all (no umask, as BuildKit's parser does).
 */
final class ChmodSpec {
    private final Integer octal;
    private final List<Clause> clauses;

    private record Clause(int who, char op, int perms, boolean conditionalX, char copyFrom) {}

    private ChmodSpec(Integer octal, List<Clause> clauses) {
        this.octal = octal;
        this.clauses = clauses;
    }

    static ChmodSpec parse(String s) throws BuildException {
        if (s.matches("[0-9]+")) {
            if (!s.matches("[0-7]+") || Long.parseLong(s, 8) > 07777) {
                throw new BuildException("invalid chmod parameter: '" + s
                        + "'. it should be octal string and between 0 and 07777");
            }
            return new ChmodSpec(Integer.parseInt(s, 8), List.of());
        }
        List<Clause> clauses = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            int i = 0;
            int who = 0;
            while (i < part.length() && "ugoa".indexOf(part.charAt(i)) >= 0) {
                who |= switch (part.charAt(i)) {
                    case 'u' -> 04700;
                    case 'g' -> 02070;
                    case 'o' -> 01007;
                    default -> 07777;
                };
                i++;
            }
            if (who == 0) {
                who = 07777;
            }
            if (i >= part.length()) {
                throw new BuildException("invalid chmod parameter: '" + s + "': missing operator in \"" + part + "\"");
            }
            while (i < part.length()) {
                char op = part.charAt(i++);
                if (op != '+' && op != '-' && op != '=') {
                    throw new BuildException("invalid chmod parameter: '" + s + "': unexpected '" + op + "'");
                }
                int perms = 0;
                boolean x = false;
                char copy = 0;
                while (i < part.length() && "rwxXstugo".indexOf(part.charAt(i)) >= 0) {
                    char c = part.charAt(i++);
                    switch (c) {
                        case 'r' -> perms |= 0444;
                        case 'w' -> perms |= 0222;
                        case 'x' -> perms |= 0111;
                        case 'X' -> x = true;
                        case 's' -> perms |= 06000;
                        case 't' -> perms |= 01000;
                        default -> copy = c;
                    }
                }
                clauses.add(new Clause(who, op, perms, x, copy));
            }
        }
        return new ChmodSpec(null, clauses);
    }

    /** The new mode of an entry that had {@code mode}. */
    int apply(int mode, boolean directory) {
        if (octal != null) {
            return octal;
        }
        int m = mode & 07777;
        for (Clause c : clauses) {
            int bits = c.perms();
            if (c.conditionalX() && (directory || (mode & 0111) != 0)) {
                bits |= 0111;
            }
            if (c.copyFrom() != 0) {
                int src = switch (c.copyFrom()) {
                    case 'u' -> (m >> 6) & 7;
                    case 'g' -> (m >> 3) & 7;
                    default -> m & 7;
                };
                bits |= src << 6 | src << 3 | src;
            }
            bits &= c.who();
            switch (c.op()) {
                case '+' -> m |= bits;
                case '-' -> m &= ~bits;
                default -> m = (m & ~c.who()) | bits;
            }
        }
        return m & 07777;
    }
}
