package dev.jbuild.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the progress display needs to know about the terminal (Linux: jbuild runs containers, so it is Linux). */
final class Terminal {
    private Terminal() {}

    /** Whether this process's stderr is a terminal that understands cursor movement. */
    static boolean stderrIsTerminal() {
        String term = System.getenv("TERM");
        if (term == null || term.isEmpty() || term.equals("dumb")) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The terminal's width: $COLUMNS when set (shells export it), else 80. */
    static int columns() {
        String c = System.getenv("COLUMNS");
        try {
            int n = c == null ? 0 : Integer.parseInt(c.trim());
            return n >= 20 ? n : 80;
        } catch (NumberFormatException e) {
            return 80;
        }
    }
}
