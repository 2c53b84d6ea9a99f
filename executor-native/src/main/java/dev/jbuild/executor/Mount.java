package dev.jbuild.executor;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An extra mount of a step's container, applied in order after the standard ones ({@code /proc}, {@code /sys},
 * {@code /dev}, the {@code /etc} files).
 *
 * @param type BIND (a host file or directory, recursively) or TMPFS
 * @param source the host path of a BIND mount; null for TMPFS
 * @param target absolute path inside the rootfs (symbolic links resolve inside the rootfs); created when missing
 *     (and then reported in {@link ExecResult#createdPaths()})
 * @param readOnly mounted read-only
 * @param tmpfsSize TMPFS size limit in bytes; 0 for the kernel's default (half the RAM)
 * @param tmpfsMode TMPFS root directory mode (e.g. {@code 01777}); 0 for 01777
 */
public record Mount(Type type, Path source, String target, boolean readOnly, long tmpfsSize, int tmpfsMode) {
    public enum Type {
        BIND,
        TMPFS
    }

    public Mount {
        Objects.requireNonNull(type, "type");
        target = ExecSpec.checkAbsolute(target, "mount target");
        if (type == Type.BIND) {
            Objects.requireNonNull(source, "a bind mount needs a source");
            if (!source.isAbsolute()) throw new IllegalArgumentException("bind mount source must be absolute: " + source);
        } else if (source != null) {
            throw new IllegalArgumentException("a tmpfs mount has no source");
        }
        if (tmpfsSize < 0) throw new IllegalArgumentException("tmpfs size < 0");
        if (tmpfsMode < 0 || tmpfsMode > 07777) throw new IllegalArgumentException("bad tmpfs mode " + Integer.toOctalString(tmpfsMode));
    }

    public static Mount bind(Path source, String target, boolean readOnly) {
        return new Mount(Type.BIND, source, target, readOnly, 0, 0);
    }

    public static Mount tmpfs(String target, long size, int mode) {
        return new Mount(Type.TMPFS, null, target, false, size, mode);
    }
}
