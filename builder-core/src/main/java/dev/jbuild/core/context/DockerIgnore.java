package dev.jbuild.core.context;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Finding and reading {@code .dockerignore} files the way BuildKit's Dockerfile frontend does.
 *
 * <p>Reading follows moby's {@code ignorefile.ReadAll}: the input is split into lines at
 * {@code \n} (a {@code \r} before it is dropped); a UTF-8 byte order mark at the start of the first
 * line is dropped; a line whose first character is {@code #} is a comment (a {@code #} after leading
 * blanks is not); each line is trimmed and blank ones are skipped; a leading {@code !} is kept as the
 * exception marker while the rest is trimmed again and cleaned ({@code filepath.Clean}: repeated
 * slashes, {@code .} and {@code ..} segments, trailing slash), then one leading {@code /} is removed.
 * A lone {@code !} is kept (the matcher rejects it). Lines longer than Go's scanner accepts (64 KiB
 * including the line break) make the read fail, as they do in Docker.
 */
public final class DockerIgnore {
    /** The conventional ignore file at the context root. */
    public static final String FILE_NAME = ".dockerignore";

    /** Go's {@code bufio.MaxScanTokenSize}: a line and its line break must fit in it. */
    private static final int MAX_LINE_BYTES = 64 * 1024;

    private DockerIgnore() {}

    /**
     * Reads ignore patterns as moby's {@code ignorefile.ReadAll} does (see the class description).
     * Unlike moby, each resulting pattern is also checked for syntax here, so that a malformed one is
     * reported with its file and line rather than when the matcher is built. A lone {@code !} is not
     * a syntax error: it is kept, and {@link PatternMatcher#compile} rejects it.
     *
     * @param r the file content
     * @param sourceName how to name the file in errors
     * @throws IgnoreFileException for a malformed pattern (naming {@code sourceName} and the 1-based
     *     line), an overlong line, or an I/O failure
     */
    public static List<String> readPatterns(Reader r, String sourceName) throws IgnoreFileException {
        String text;
        try {
            text = readAll(r);
        } catch (IOException e) {
            IgnoreFileException ex = new IgnoreFileException(sourceName, 0, "cannot read ignore file: " + e, null);
            ex.initCause(e);
            throw ex;
        }
        List<String> out = new ArrayList<>();
        int lineNo = 0;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? n : nl;
            String line = text.substring(pos, end);
            pos = nl < 0 ? n : nl + 1;
            if (utf8Length(line) + 1 > MAX_LINE_BYTES) {
                throw new IgnoreFileException(sourceName, lineNo + 1, "line too long (bufio.Scanner: token too long)",
                        null);
            }
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (lineNo == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            lineNo++;
            String pattern = normalizeLine(line);
            if (pattern == null) {
                continue;
            }
            try {
                IgnorePattern.parse(pattern);
            } catch (IgnoreFileException e) {
                // "!" (and "!/", which cleans to it) is kept, as moby keeps it; compiling rejects it
                if (!IgnorePattern.ILLEGAL_EXCLUSION.equals(e.reason())) {
                    throw e.at(sourceName, lineNo);
                }
            }
            out.add(pattern);
        }
        return Collections.unmodifiableList(out);
    }

    /** {@link #readPatterns(Reader, String)} on a string. */
    public static List<String> readPatterns(String content, String sourceName) throws IgnoreFileException {
        return readPatterns(new StringReader(content), sourceName);
    }

    /**
     * Reads an ignore file from disk. Its bytes are decoded as UTF-8 (malformed sequences become
     * U+FFFD); the file's path names it in errors.
     */
    public static List<String> readPatterns(Path file) throws IgnoreFileException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            IgnoreFileException ex = new IgnoreFileException(file.toString(), 0, "cannot read ignore file: " + e, null);
            ex.initCause(e);
            throw ex;
        }
        return readPatterns(decodeUtf8(bytes), file.toString());
    }

    /**
     * Locates the ignore file for a build as BuildKit does: {@code <name>.dockerignore} next to the
     * Dockerfile (where {@code <name>} is the Dockerfile's file name, e.g.
     * {@code build/app.Dockerfile.dockerignore}) wins over {@code <contextDir>/.dockerignore}. A
     * candidate counts only if it is a regular file (symbolic links followed); an empty one still
     * counts. Returns empty when neither exists.
     *
     * @param contextDir the build context directory
     * @param dockerfile the Dockerfile as the user named it (not necessarily inside the context), or
     *     {@code null} for the default {@code <contextDir>/Dockerfile}
     */
    public static Optional<Path> locate(Path contextDir, Path dockerfile) {
        Path df = dockerfile != null ? dockerfile : contextDir.resolve("Dockerfile");
        Path name = df.getFileName();
        if (name != null) {
            Path specific = df.resolveSibling(name.toString() + FILE_NAME);
            if (Files.isRegularFile(specific)) {
                return Optional.of(specific);
            }
        }
        Path general = contextDir.resolve(FILE_NAME);
        if (Files.isRegularFile(general)) {
            return Optional.of(general);
        }
        return Optional.empty();
    }

    /**
     * Locates and reads the build's ignore patterns ({@link #locate} then {@link #readPatterns(Path)});
     * an empty list when there is no ignore file.
     */
    public static List<String> loadPatterns(Path contextDir, Path dockerfile) throws IgnoreFileException {
        Optional<Path> file = locate(contextDir, dockerfile);
        if (file.isEmpty()) {
            return List.of();
        }
        return readPatterns(file.get());
    }

    /** Locates, reads and compiles the build's ignore patterns. */
    public static PatternMatcher loadMatcher(Path contextDir, Path dockerfile) throws IgnoreFileException {
        Optional<Path> file = locate(contextDir, dockerfile);
        if (file.isEmpty()) {
            return PatternMatcher.empty();
        }
        List<String> patterns = readPatterns(file.get());
        try {
            return PatternMatcher.compile(patterns);
        } catch (IgnoreFileException e) {
            throw e.at(file.get().toString(), 0);
        }
    }

    /**
     * One line after comment detection: {@code null} if the line is a comment or blank, otherwise the
     * normalised pattern.
     */
    static String normalizeLine(String line) {
        if (line.startsWith("#")) {
            return null;
        }
        String pattern = GoPath.trimSpace(line);
        if (pattern.isEmpty()) {
            return null;
        }
        boolean invert = pattern.charAt(0) == '!';
        if (invert) {
            pattern = GoPath.trimSpace(pattern.substring(1));
        }
        if (!pattern.isEmpty()) {
            pattern = GoPath.clean(pattern);
            if (pattern.length() > 1 && pattern.charAt(0) == '/') {
                pattern = pattern.substring(1);
            }
        }
        return invert ? "!" + pattern : pattern;
    }

    private static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        }
        return bytes;
    }

    private static String readAll(Reader r) throws IOException {
        StringBuilder sb = new StringBuilder();
        char[] buf = new char[8192];
        int k;
        while ((k = r.read(buf)) >= 0) {
            sb.append(buf, 0, k);
        }
        return sb.toString();
    }

    private static String decodeUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
