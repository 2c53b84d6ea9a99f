package dev.jbuild.core.build;

import dev.jbuild.store.UpperDiff;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The overlay upper and work directories of a build's RUN steps, kept for the next step when a step is
 * done with them: a new directory costs an inode, and on a file system that allocates them slowly (ext4
 * without a journal skips every recently deleted inode) two of them were a tenth of a {@code RUN true}
 * step. A work directory is reusable once its step's container is gone (overlayfs empties it at the next
 * mount; the helper removes the volatile marker it leaves); an upper directory only when its step left it
 * exactly as it was made: empty, mode 0755, the owner of a new directory, no extended attributes.
 */
final class StepDirs {
    /** One step's directories. */
    record Pair(Path upper, Path work) {}

    private static final java.nio.file.attribute.FileAttribute<?> PRIVATE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Path scratch;
    private final ConcurrentLinkedDeque<Path> uppers = new ConcurrentLinkedDeque<>();
    private final ConcurrentLinkedDeque<Path> works = new ConcurrentLinkedDeque<>();

    StepDirs(Path scratch) {
        this.scratch = scratch;
    }

    /** Directories for a step, reused when a finished step gave some back. */
    Pair take() throws IOException {
        Path upper = uppers.poll();
        if (upper == null) {
            upper = newDirectory(scratch, "upper-");
            // The merged root takes the upper directory's attributes: make it what an image root is.
            Files.setPosixFilePermissions(upper, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path work = works.poll();
        if (work == null) {
            work = newDirectory(scratch, "work-");
        }
        return new Pair(upper, work);
    }

    /**
     * A new directory in the build's scratch directory, named PREFIX and a random number. Not
     * Files.createTempDirectory: its SecureRandom cost the first RUN of a build ~6 ms of set-up, for names in a
     * directory only this build writes to (the store's, never a shared /tmp); creating fails rather than reuses.
     */
    static Path newDirectory(Path scratch, String prefix) throws IOException {
        while (true) {
            Path dir = scratch.resolve(prefix + Long.toUnsignedString(
                    java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36));
            try {
                return Files.createDirectory(dir, PRIVATE); // as createTempDirectory: a secret may go in it
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // another name
            }
        }
    }

    /**
     * Gives a finished step's directories back: call it only once the step's container is gone. The upper
     * directory is kept only when nothing (not even the step's root) changed in it.
     */
    void release(Pair p) throws IOException {
        works.push(p.work());
        if (UpperDiff.pristine(p.upper(), scratch, 0755)) {
            uppers.push(p.upper());
        }
    }
}
