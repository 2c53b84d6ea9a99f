package dev.jbuild.core.build;

import dev.jbuild.core.context.PatternMatcher;
import dev.jbuild.store.LayerEntry;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * COPY and ADD with Docker's path rules: a destination ending in '/' (or several sources) is a
 * directory; a source directory copies its contents; missing parents are created; wildcards match
 * per path segment; ADD unpacks local tar archives (plain, gzip, bzip2, xz, zstd). Produces the
 * entries of the step's layer (with their parent directories, as a layer diff has them).
 */
final class CopyExecutor {
    /** One COPY/ADD, its values already expanded. */
    record Spec(List<String> sources, List<Content> contents, String destination, String workdir, SourceFs from,
            Users.Ids chown, ChmodSpec chmod, boolean parents, boolean link, PatternMatcher excludes, boolean add,
            boolean unpack, Instant created) {}

    /** A source that is not a path: a heredoc, or a downloaded URL. */
    record Content(String name, LayerEntry.ContentSource data, long size, int mode, Instant mtime) {
        static Content heredoc(String name, String data, Instant created) {
            byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
            return new Content(name, () -> new java.io.ByteArrayInputStream(bytes), bytes.length, 0644, created);
        }
    }

    private final FileTree tree;
    private final Path scratch;
    /** The entries made so far by path; sorted once at the end (the context walk is nearly in order already). */
    private final Map<String, LayerEntry> out = new java.util.LinkedHashMap<>();

    /** @param scratch a directory for files unpacked from archives, alive until the layer is written */
    CopyExecutor(FileTree tree, Path scratch) {
        this.tree = tree;
        this.scratch = scratch;
    }

    List<LayerEntry> run(Spec spec) throws BuildException {
        String destRaw = spec.destination();
        String destAbs = destRaw.startsWith("/") ? destRaw : FileTree.join(spec.workdir(), destRaw);
        boolean destSlash = destRaw.endsWith("/") || destRaw.equals(".") || destRaw.endsWith("/.")
                || destRaw.equals("..") || destRaw.endsWith("/..");
        String dest = spec.link() ? FileTree.clean(destAbs) : resolveDest(FileTree.clean(destAbs));
        int declared = spec.sources().size() + spec.contents().size();
        if (declared > 1 && !destSlash) {
            throw new BuildException("When using " + (spec.add() ? "ADD" : "COPY")
                    + " with more than one source file, the destination must be a directory and end with a /");
        }
        List<String> matched = new ArrayList<>();
        pivots.clear();
        for (String source : spec.sources()) {
            List<String> found = expand(source, spec.from());
            int pivot = source.indexOf("/./");
            String prefix = pivot < 0 ? "" : FileTree.clean(source.substring(0, pivot));
            for (String f : found) {
                pivots.put(f, prefix);
            }
            matched.addAll(found);
        }
        boolean destIsDir = destSlash || matched.size() + spec.contents().size() > 1
                || (!spec.link() && tree.isDirectory(dest));
        for (String src : matched) {
            SourceFs.Stat st = spec.from().stat(src, true);
            if (st == null) {
                throw new BuildException("\"" + src + "\": not found in " + spec.from().describe());
            }
            if (st.isDirectory()) {
                String target = spec.parents() ? FileTree.join(dest, parentsPath(src)) : dest;
                copyDirectory(spec, src, st, target);
            } else if (spec.add() && spec.unpack() && st.type() == LayerEntry.Type.FILE && isArchive(st)) {
                unpack(spec, src, st, dest);
            } else {
                String target = destIsDir
                        ? FileTree.join(dest, spec.parents() ? parentsPath(src) : FileTree.baseName(src))
                        : dest;
                copied(spec, FileTree.clean(src), target, st);
            }
        }
        for (Content c : spec.contents()) {
            String target = destIsDir ? FileTree.join(dest, c.name()) : dest;
            SourceFs.Stat st = new SourceFs.Stat(LayerEntry.Type.FILE, c.mode(), 0, 0, c.mtime(), c.size(), null,
                    c.data());
            emit(spec, target, st, false);
        }
        return layerEntries();
    }

    /** Follows symlinks of the destination inside the image, as the copy would land there. */
    private String resolveDest(String dest) throws BuildException {
        try {
            return tree.resolve(dest, true);
        } catch (IllegalStateException e) {
            throw new BuildException("destination /" + dest + ": " + e.getMessage());
        }
    }

    /** A source with wildcards to the paths it matches (possibly none, as BuildKit allows); a plain path to itself. */
    private List<String> expand(String source, SourceFs fs) throws BuildException {
        String[] parts = FileTree.split(source);
        int depth = 0;
        for (String p : parts) {
            if (p.equals("..")) {
                if (--depth < 0) {
                    throw new BuildException("\"" + source + "\": points outside " + fs.describe());
                }
            } else if (!p.isEmpty() && !p.equals(".")) {
                depth++;
            }
        }
        String clean = FileTree.clean(source);
        if (!Glob.hasMeta(clean)) {
            if (fs.stat(clean, true) == null) {
                throw new BuildException("\"" + (clean.isEmpty() ? "." : clean) + "\": not found in " + fs.describe());
            }
            return List.of(clean);
        }
        List<String> found = new ArrayList<>();
        try {
            glob(fs, "", FileTree.split(clean), 0, found);
        } catch (IllegalArgumentException e) {
            throw new BuildException("\"" + source + "\": invalid wildcard: " + e.getMessage());
        }
        return found;
    }

    private static void glob(SourceFs fs, String dir, String[] parts, int i, List<String> found) throws BuildException {
        if (i == parts.length) {
            found.add(dir);
            return;
        }
        String part = parts[i];
        if (!Glob.hasMeta(part)) {
            String next = FileTree.join(dir, part);
            if (fs.stat(next, i < parts.length - 1) != null) {
                glob(fs, next, parts, i + 1, found);
            }
            return;
        }
        SourceFs.Stat st = fs.stat(dir, true);
        if (st == null || !st.isDirectory()) {
            return;
        }
        for (String name : fs.list(dir)) {
            if (Glob.matches(part, name)) {
                glob(fs, FileTree.join(dir, name), parts, i + 1, found);
            }
        }
    }

    private final Map<String, String> pivots = new java.util.HashMap<>();

    /** {@code --parents}: the source path kept below the destination, from a "/./" pivot when there is one. */
    private String parentsPath(String src) {
        String prefix = pivots.getOrDefault(src, "");
        if (!prefix.isEmpty() && src.startsWith(prefix + "/")) {
            return src.substring(prefix.length() + 1);
        }
        return src;
    }

    private void copyDirectory(Spec spec, String src, SourceFs.Stat st, String target) throws BuildException {
        if (!target.isEmpty()) {
            LayerEntry existing = spec.link() ? null : tree.get(target);
            if (existing != null && existing.type() != LayerEntry.Type.DIRECTORY) {
                throw new BuildException("cannot copy directory \"" + src + "\" to /" + target
                        + ": it is a file, not a directory");
            }
            if (existing == null) {
                copied(spec, FileTree.clean(src), target, st);
            }
        }
        String base = spec.from().resolve(src);
        String prefix = base.isEmpty() ? "" : base + "/";
        List<LayerEntry> walk = spec.from().walk(src);
        // A big copy to a directory that the image has nothing at or below: no destination needs looking up in the
        // image (20,000 lookups of W3's COPY, ~15 ms of its no-op build). Only for big ones: the check reads the
        // image's tree whole, which the lookups of a small copy need not.
        fresh = !target.isEmpty() && !spec.link() && walk.size() > 256 && tree.nothingAtOrBelow(target)
                ? target + "/" : null;
        try {
            for (LayerEntry e : walk) {
                copiedBelow(spec, prefix, target, e);
            }
        } finally {
            fresh = null;
        }
    }

    /** While a directory is copied: its destination followed by a slash, when the image has nothing below it. */
    private String fresh;

    /**
     * One entry of a directory's walk: a method of its own so that C1, the build's only compiler, compiles it early in
     * a big walk; the loop above would run interpreted through all 20,000 entries of a big context.
     */
    private void copiedBelow(Spec spec, String prefix, String target, LayerEntry e) throws BuildException {
        String rel = e.path().substring(prefix.length());
        if (spec.excludes() != null && spec.excludes().matches(rel)) {
            return;
        }
        copied(spec, e.path(), FileTree.join(target, rel), SourceFs.Stat.of(e));
    }

    /** Where each file of the source went in this COPY, by its path in the source (sources with hard links). */
    private final Map<String, String> copiedFiles = new java.util.HashMap<>();

    /**
     * Emits an entry read from the source at {@code source} (a clean path). A hard link (a stage's or an image's
     * files) names a path of the source: it becomes a hard link to that file's copy when this COPY copied it, else a
     * file with the linked file's content (as BuildKit copies: links within what is copied are kept, others are not).
     */
    private void copied(Spec spec, String source, String target, SourceFs.Stat st) throws BuildException {
        if (!spec.from().mayHoldHardLinks()) {
            emit(spec, target, st, spec.from().keepsOwners());
            return; // the context: 20,000 files of a big one need no bookkeeping
        }
        if (st.type() == LayerEntry.Type.HARDLINK) {
            String to = copiedFiles.get(st.linkTarget());
            if (to != null) {
                st = new SourceFs.Stat(LayerEntry.Type.HARDLINK, st.mode(), st.uid(), st.gid(), st.mtime(), 0, to, null);
            } else {
                SourceFs.Stat file = spec.from().stat(st.linkTarget(), false);
                if (file == null || file.type() != LayerEntry.Type.FILE) {
                    throw new BuildException("\"" + source + "\": a hard link to \"" + st.linkTarget()
                            + "\", which is not a file in " + spec.from().describe());
                }
                st = file;
            }
        }
        emit(spec, target, st, spec.from().keepsOwners());
        if (st.type() == LayerEntry.Type.FILE) {
            copiedFiles.put(source, target);
        }
    }

    private void emit(Spec spec, String target, SourceFs.Stat st, boolean keepOwner) throws BuildException {
        if (target.isEmpty()) {
            return; // the root directory itself is never replaced
        }
        long uid = spec.chown() != null ? spec.chown().uid() : keepOwner ? st.uid() : 0;
        long gid = spec.chown() != null ? spec.chown().gid() : keepOwner ? st.gid() : 0;
        int mode = spec.chmod() != null && st.type() != LayerEntry.Type.SYMLINK
                ? spec.chmod().apply(st.mode(), st.isDirectory()) : st.mode();
        ensureParents(spec, FileTree.parent(target));
        LayerEntry existing = out.containsKey(target) ? out.get(target)
                : spec.link() || fresh != null && target.startsWith(fresh) ? null : tree.get(target);
        if (existing != null && existing.type() == LayerEntry.Type.DIRECTORY && !st.isDirectory()) {
            throw new BuildException("cannot replace directory /" + target + " with a file");
        }
        out.put(target, st.at(target, uid, gid, mode));
    }

    private void ensureParents(Spec spec, String dir) throws BuildException {
        if (dir.isEmpty() || out.containsKey(dir)) {
            return;
        }
        LayerEntry existing = spec.link() || fresh != null && (dir + "/").startsWith(fresh) ? null : tree.get(dir);
        if (existing != null) {
            if (existing.type() != LayerEntry.Type.DIRECTORY) {
                throw new BuildException("cannot copy to /" + dir + ": it is not a directory");
            }
            return;
        }
        ensureParents(spec, FileTree.parent(dir));
        long uid = spec.chown() != null ? spec.chown().uid() : 0;
        long gid = spec.chown() != null ? spec.chown().gid() : 0;
        out.put(dir, LayerEntry.directory(dir, 0755, uid, gid, spec.created()));
    }

    /** The new entries and, as a layer diff carries them, every parent directory with its current metadata. */
    private List<LayerEntry> layerEntries() {
        Map<String, LayerEntry> parents = new java.util.HashMap<>();
        for (String path : out.keySet()) {
            addParents(path, parents);
        }
        List<LayerEntry> all = new ArrayList<>(out.size() + parents.size());
        all.addAll(out.values());
        all.addAll(parents.values());
        all.sort(PATH_ORDER);
        return all;
    }

    /** The existing parents of a new entry that no other new entry has; per entry, for C1 (see copiedBelow). */
    private void addParents(String path, Map<String, LayerEntry> parents) {
        for (String p = FileTree.parent(path); !p.isEmpty(); p = FileTree.parent(p)) {
            if (out.containsKey(p) || parents.containsKey(p)) {
                return; // its own parents are seen to when it is visited
            }
            LayerEntry existing = tree.get(p);
            if (existing != null) {
                parents.put(p, existing);
            }
        }
    }

    private static final java.util.Comparator<LayerEntry> PATH_ORDER = (a, b) -> a.path().compareTo(b.path());

    private static boolean isArchive(SourceFs.Stat st) throws BuildException {
        try (InputStream in = tarStream(st)) {
            return in != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** The tar stream of an archive (decompressed), or null when the file is not a tar archive. */
    private static InputStream tarStream(SourceFs.Stat st) throws IOException {
        BufferedInputStream raw = new BufferedInputStream(st.content().open());
        InputStream in = Decompression.of(raw);
        if (in != raw) {
            in = new BufferedInputStream(in);
        }
        in.mark(1024);
        byte[] header = in.readNBytes(512);
        in.reset();
        if (header.length < 512 || !TarArchiveInputStream.matches(header, header.length)) {
            in.close();
            return null;
        }
        return in;
    }

    private void unpack(Spec spec, String src, SourceFs.Stat st, String dest) throws BuildException {
        Path dir;
        try {
            dir = Files.createTempDirectory(scratch, "add-");
        } catch (IOException e) {
            throw new BuildException("cannot create a scratch directory: " + e.getMessage());
        }
        try (InputStream in = tarStream(st); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            int n = 0;
            // What this archive made so far: a later entry may not go through one of its symlinks (docker
            // resolves those inside the root; a layer that has both cannot be unpacked safely), and a hard link
            // must name one of its entries.
            java.util.Set<String> symlinks = new java.util.HashSet<>();
            java.util.Set<String> made = new java.util.HashSet<>();
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                checkInside(src, name, name);
                String rel = FileTree.clean(name);
                if (rel.isEmpty()) {
                    continue;
                }
                for (int i = rel.indexOf('/'); i > 0; i = rel.indexOf('/', i + 1)) {
                    if (symlinks.contains(rel.substring(0, i))) {
                        throw new BuildException("\"" + src + "\": archive entry \"" + name + "\" is below \""
                                + rel.substring(0, i) + "\", a symbolic link of the archive; refusing to write through it");
                    }
                }
                if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                    continue; // devices and fifos in an archive are not created by ADD (as rootless docker)
                }
                String target = FileTree.join(dest, rel);
                int mode = e.getMode() & 07777;
                Instant mtime = e.getModTime().toInstant();
                SourceFs.Stat es;
                if (e.isDirectory()) {
                    es = new SourceFs.Stat(LayerEntry.Type.DIRECTORY, mode, e.getLongUserId(), e.getLongGroupId(),
                            mtime, 0, null, null);
                } else if (e.isSymbolicLink()) {
                    es = new SourceFs.Stat(LayerEntry.Type.SYMLINK, 0777, e.getLongUserId(), e.getLongGroupId(),
                            mtime, 0, e.getLinkName(), null);
                } else if (e.isLink()) {
                    checkInside(src, name, e.getLinkName());
                    String linkRel = FileTree.clean(e.getLinkName());
                    if (!made.contains(linkRel) || symlinks.contains(linkRel)) {
                        throw new BuildException("\"" + src + "\": archive entry \"" + name + "\" is a hard link to \""
                                + e.getLinkName() + "\", which is not a file earlier in the archive");
                    }
                    es = new SourceFs.Stat(LayerEntry.Type.HARDLINK, mode, e.getLongUserId(), e.getLongGroupId(),
                            mtime, 0, FileTree.join(dest, linkRel), null);
                } else if (e.isFile()) {
                    Path f = dir.resolve("f" + (n++));
                    Files.copy(tar, f);
                    long size = Files.size(f);
                    es = new SourceFs.Stat(LayerEntry.Type.FILE, mode, e.getLongUserId(), e.getLongGroupId(), mtime,
                            size, null, () -> Files.newInputStream(f));
                } else {
                    continue; // devices and fifos in an archive are not created by ADD
                }
                emit(spec, target, es, true);
                made.add(rel);
                if (es.type() == LayerEntry.Type.SYMLINK) {
                    symlinks.add(rel);
                } else {
                    symlinks.remove(rel);
                }
            }
        } catch (IOException e) {
            throw new BuildException("\"" + src + "\": cannot unpack: " + e.getMessage());
        }
    }

    /** Refuses an archive entry name (or hard link target) that climbs out of the destination. */
    private static void checkInside(String src, String name, String path) throws BuildException {
        for (String p : FileTree.split(path)) {
            if (p.equals("..")) {
                throw new BuildException("\"" + src + "\": archive entry \"" + name + "\" points outside the destination"
                        + (path.equals(name) ? "" : " (\"" + path + "\")"));
            }
        }
    }
}
