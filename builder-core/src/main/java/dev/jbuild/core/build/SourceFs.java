package dev.jbuild.core.build;

import dev.jbuild.store.LayerEntry;
import java.util.List;

/** Where COPY/ADD read from: the build context, or the root filesystem of a stage or image. */
interface SourceFs {
    /**
     * The entry at a clean relative path ("" is the root), following symlinks in the directories
     * of the path, and in the last component when {@code followLast}; null when it does not exist.
     * The entry's path is the one asked for. Symlinks that leave the filesystem are errors.
     */
    Stat stat(String path, boolean followLast) throws BuildException;

    /** What {@link #stat} answers: an entry's metadata and content, before it gets a place in the image. */
    record Stat(LayerEntry.Type type, int mode, long uid, long gid, java.time.Instant mtime, long size,
            String linkTarget, LayerEntry.ContentSource content) {
        static Stat of(LayerEntry e) {
            return new Stat(e.type(), e.mode(), e.uid(), e.gid(), e.mtime(), e.size(), e.linkTarget(), e.content());
        }

        boolean isDirectory() {
            return type == LayerEntry.Type.DIRECTORY;
        }

        /** This entry placed at {@code path} with the given owner and permission bits. */
        LayerEntry at(String path, long newUid, long newGid, int newMode) {
            return new LayerEntry(path, type, newMode, newUid, newGid, mtime, size, linkTarget, content, 0, 0,
                    java.util.Map.of());
        }
    }

    /** Whether entries may be hard links (a stage's or an image's files), whose targets name paths of this source. */
    default boolean mayHoldHardLinks() {
        return false;
    }

    /** The names in a directory, sorted. */
    List<String> list(String dir) throws BuildException;

    /** Every entry below a directory, parents before children, symlinks not followed; paths relative to the root. */
    List<LayerEntry> walk(String dir) throws BuildException;

    /** Where a path is resolved to when symlinks are followed (the clean relative path). */
    String resolve(String path) throws BuildException;

    /** "the build context", "stage build", "image alpine:3": for messages. */
    String describe();

    /** Whether files keep their owners (true for stages and images; the context's are always root's). */
    boolean keepsOwners();
}
