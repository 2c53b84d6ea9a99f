package dev.jbuild.dockerfile.shell;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Locates the BuildKit conformance vectors; a missing property or file is an error, never a skip. */
final class SharedConformance {

    private SharedConformance() {
    }

    static List<String> readLines(String relative) {
        Path file = dev.jbuild.dockerfile.SharedData.path(relative);
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Go's strings.TrimSpace (Unicode white space at both ends). */
    static String trimSpace(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && Runes.isSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && Runes.isSpace(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }

    /** Go's strings.TrimLeft(s, " "). */
    static String trimLeftSpaces(String s) {
        int from = 0;
        while (from < s.length() && s.charAt(from) == ' ') {
            from++;
        }
        return s.substring(from);
    }
}
