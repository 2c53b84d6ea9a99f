package dev.jbuild.executor;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading an overlay upper dir the way a layer diff needs it: whiteouts (a deleted file or directory is a
 * character device 0/0) and opaque directories (a directory that replaced a lower one carries
 * {@code trusted.overlay.opaque=y}, or {@code user.overlay.opaque=y} when the overlay was mounted with
 * {@code userxattr} by an unprivileged native executor). Java cannot read {@code trusted.*} attributes, so the
 * opaque markers are read by the native helper.
 */
public final class OverlayUpper {
    private OverlayUpper() {}

    /** Whether PATH (in an upper dir) is a whiteout: a character device with device number 0/0. */
    public static boolean isWhiteout(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0170000) != 0020000) return false;
        long rdev = (Long) Files.getAttribute(path, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        return rdev == 0;
    }

    /**
     * The directories under {@code upperDir} marked opaque, as absolute paths in the rootfs ({@code /a/b}), in
     * walk order (parents first). Reading {@code trusted.*} needs root; unprivileged, only {@code user.*} markers
     * are seen (which is what an unprivileged overlay writes).
     *
     * @param stateDir jbuild's store root, where the helper is extracted
     */
    public static List<String> opaqueDirectories(Path upperDir, Path stateDir) throws IOException {
        Path helper = SandboxHelper.ensure(stateDir.toAbsolutePath());
        Process p = new ProcessBuilder(helper.toString(), "opaque", upperDir.toAbsolutePath().toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        byte[] out;
        byte[] err;
        try (InputStream in = p.getInputStream(); InputStream es = p.getErrorStream()) {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            in.transferTo(bo);
            out = bo.toByteArray();
            err = es.readAllBytes();
        }
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
        if (code != 0) throw new IOException(new String(err, StandardCharsets.UTF_8).strip());
        List<String> dirs = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) {
                dirs.add(new String(out, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return dirs;
    }
}
