package dev.jbuild.core.build;

import dev.jbuild.core.context.PatternMatcher;
import dev.jbuild.store.DirectoryListing;
import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The build context directory as COPY and ADD see it: paths that .dockerignore excludes do not
 * exist, and no path or symlink may lead outside the context. Files are owned by root in the image.
 */
final class ContextFs implements SourceFs {
    private final Path root;
    private final PatternMatcher ignore;

    /** Whether directories are listed by one native call each ({@link DirectoryListing}) or through the JDK. */
    private final boolean nativeListing;

    ContextFs(Path root, PatternMatcher ignore) throws IOException {
        this(root, ignore, DirectoryListing.available());
    }

    ContextFs(Path root, PatternMatcher ignore, boolean nativeListing) throws IOException {
        this.root = root.toRealPath();
        this.ignore = ignore;
        this.nativeListing = nativeListing;
    }

    Path root() {
        return root;
    }

    @Override
    public String describe() {
        return "the build context";
    }

    @Override
    public boolean keepsOwners() {
        return false;
    }

    @Override
    public String resolve(String path) throws BuildException {
        return resolve(path, true);
    }

    /** Follows symlinks component by component inside the context; an escape is an error naming the link. */
    private String resolve(String path, boolean followLast) throws BuildException {
        List<String> done = new ArrayList<>();
        List<String> todo = new ArrayList<>(List.of(FileTree.split(path)));
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.remove(0);
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (done.isEmpty()) {
                    throw new BuildException("\"" + path + "\" points outside the build context");
                }
                done.remove(done.size() - 1);
                continue;
            }
            done.add(part);
            String rel = String.join("/", done);
            Path p = root.resolve(rel);
            boolean last = todo.isEmpty();
            if (Files.isSymbolicLink(p) && (!last || followLast)) {
                if (++links > 255) {
                    throw new BuildException("\"" + path + "\": too many levels of symbolic links");
                }
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    throw new BuildException("\"" + rel + "\": cannot read symlink: " + e.getMessage());
                }
                done.remove(done.size() - 1);
                if (target.startsWith("/")) {
                    Path abs = Path.of(target).normalize();
                    if (!abs.startsWith(root)) {
                        throw new BuildException("\"" + rel + "\" is a symlink to " + target
                                + ", which is outside the build context");
                    }
                    done.clear();
                    target = root.relativize(abs).toString();
                }
                List<String> next = new ArrayList<>(List.of(FileTree.split(target)));
                if (escapes(done, next)) {
                    throw new BuildException("\"" + rel + "\" is a symlink to " + target
                            + ", which is outside the build context");
                }
                next.addAll(todo);
                todo = next;
            }
        }
        return String.join("/", done);
    }

    private static boolean escapes(List<String> base, List<String> parts) {
        int depth = base.size();
        for (String p : parts) {
            if (p.equals("..")) {
                if (--depth < 0) {
                    return true;
                }
            } else if (!p.isEmpty() && !p.equals(".")) {
                depth++;
            }
        }
        return false;
    }

    @Override
    public Stat stat(String path, boolean followLast) throws BuildException {
        String rel = resolve(path, followLast);
        if (!rel.isEmpty() && ignore.matches(rel)) {
            return null;
        }
        return rel.isEmpty() ? rootStat() : (entry(rel) == null ? null : Stat.of(entry(rel)));
    }

    private Stat rootStat() throws BuildException {
        try {
            PosixFileAttributes a = Files.readAttributes(root, PosixFileAttributes.class);
            int mode = ((Integer) Files.getAttribute(root, "unix:mode")) & 07777;
            return new Stat(LayerEntry.Type.DIRECTORY, mode, 0, 0, a.lastModifiedTime().toInstant(), 0, null, null);
        } catch (IOException e) {
            throw new BuildException("the build context " + root + ": cannot read: " + e.getMessage());
        }
    }

    @Override
    public List<String> list(String dir) throws BuildException {
        String rel = resolve(dir, true);
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve(rel))) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!ignore.matches(FileTree.join(rel, name))) {
                    names.add(name);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new BuildException("\"" + dir + "\": cannot list: " + e.getMessage());
        }
        names.sort(null);
        return names;
    }

    /**
     * Each directory's walk, made once per build: a big COPY's memo ({@code Builder}) fingerprints the walk its copy
     * then uses, and two COPYs of one directory see the same files (BuildKit, too, reads the context once).
     */
    private final Map<String, List<LayerEntry>> walks = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public List<LayerEntry> walk(String dir) throws BuildException {
        String rel = resolve(dir, true);
        List<LayerEntry> done = walks.get(rel);
        if (done == null) {
            List<LayerEntry> walked = java.util.Collections.unmodifiableList(new Walk(rel).run());
            done = walks.putIfAbsent(rel, walked);
            if (done == null) {
                done = walked;
            }
        }
        return done;
    }

    /**
     * One walk of a directory tree: the calling thread and helpers on {@link Workers} take directories from one queue
     * until none is left, each listing a directory and queueing its subdirectories; the entries are then put in walk
     * order (sorted, each directory followed by what it holds), so the result does not depend on the schedule.
     *
     * <p>A queue, not fork/join: with a task per directory that joins its subdirectories' tasks, a worker joining a
     * task that another had stolen blocked, and the walk of a 20,000-file context ran on one thread of two.
     */
    private final class Walk {
        /** The directories not yet listed. Guarded by {@code this}, as are the fields after it. */
        private final ArrayDeque<Dir> queue = new ArrayDeque<>();
        /** Directories queued or being listed: the walk is done when none is left. */
        private int pending;
        private BuildException failure;
        /** A RuntimeException or an Error. */
        private Throwable unchecked;
        private final Dir top;

        Walk(String rel) {
            top = new Dir(rel);
            queue.add(top);
            pending = 1;
        }

        List<LayerEntry> run() throws BuildException {
            int helpers = Workers.POOL.getParallelism() - 1;
            for (int i = 0; i < helpers; i++) {
                Workers.POOL.execute(new Helper());
            }
            work();
            synchronized (this) {
                if (failure != null) {
                    throw failure;
                }
                if (unchecked instanceof Error err) {
                    throw err;
                }
                if (unchecked != null) {
                    throw (RuntimeException) unchecked;
                }
            }
            return assemble();
        }

        /** A pool thread's share of the walk. */
        private final class Helper implements Runnable {
            @Override
            public void run() {
                work();
            }
        }

        /** Lists queued directories until none is left to list or being listed, or the walk failed. */
        private void work() {
            Dir d;
            while ((d = next()) != null) {
                List<Dir> found = new ArrayList<>();
                try {
                    d.parts = list(d.rel, found);
                } catch (BuildException e) {
                    fail(e, null);
                } catch (RuntimeException | Error e) {
                    fail(null, e); // an Error too: the caller would otherwise wait for this directory forever
                } finally {
                    done(found);
                }
            }
        }

        /** The next directory to list, waiting while others list and may find more; null when the walk is over. */
        private synchronized Dir next() {
            while (failure == null && unchecked == null) {
                Dir d = queue.poll();
                if (d != null || pending == 0) {
                    return d;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    fail(new BuildException("interrupted while walking \"" + top.rel + "\""), null);
                }
            }
            return null;
        }

        /** One directory listed: its subdirectories queued (when the walk goes on), and a waiting caller woken. */
        private synchronized void done(List<Dir> found) {
            if (failure == null && unchecked == null) {
                queue.addAll(found);
                pending += found.size();
            }
            if (--pending == 0 || !found.isEmpty() || failure != null || unchecked != null) {
                notifyAll();
            }
        }

        private synchronized void fail(BuildException e, Throwable u) {
            notifyAll();
            if (failure == null && unchecked == null) {
                failure = e;
                unchecked = u;
            }
            // directories still queued will never be listed
            pending -= queue.size();
            queue.clear();
        }

        /** The entries of every directory, each directory's entry followed by what it holds. */
        private List<LayerEntry> assemble() {
            List<LayerEntry> out = new ArrayList<>();
            ArrayDeque<Object> stack = new ArrayDeque<>();
            push(stack, top);
            Object next;
            while ((next = stack.poll()) != null) {
                if (next instanceof Dir d) {
                    push(stack, d);
                } else {
                    out.add((LayerEntry) next);
                }
            }
            return out;
        }

        /** A directory's parts on top of the stack, first part first. */
        private static void push(ArrayDeque<Object> stack, Dir d) {
            for (int i = d.parts.length - 1; i >= 0; i--) {
                stack.push(d.parts[i]);
            }
        }

        /** The sorted entries of one directory, a {@link Dir} after each directory walked below, added to FOUND. */
        private Object[] list(String dir, List<Dir> found) throws BuildException {
            if (nativeListing) {
                return listNative(dir, found);
            }
            // The listed paths are kept and stat'ed as they are: resolving each name against the root again cost
            // as much as the stat itself in a 20,000-file context.
            List<Path> listed = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve(dir))) {
                for (Path p : ds) {
                    listed.add(p);
                }
            } catch (IOException e) {
                throw new BuildException("\"" + dir + "\": cannot list: " + e.getMessage());
            }
            String[] names = new String[listed.size()];
            Map<String, Path> byName = new java.util.HashMap<>(listed.size() * 4 / 3 + 1);
            for (int i = 0; i < names.length; i++) {
                names[i] = listed.get(i).getFileName().toString();
                byName.put(names[i], listed.get(i));
            }
            java.util.Arrays.sort(names);
            return listNames(dir, names, (rel, i) -> entry(rel, byName.get(names[i])), found);
        }

        /** The directory's entries from one native listing: the same entries, stamps and order as the JDK's path. */
        private Object[] listNative(String dir, List<Dir> found) throws BuildException {
            Path dirPath = root.resolve(dir);
            DirectoryListing.Entry[] listed;
            try {
                listed = DirectoryListing.list(dirPath).toArray(new DirectoryListing.Entry[0]);
            } catch (IOException e) {
                throw new BuildException("\"" + dir + "\": cannot list: " + e.getMessage());
            }
            java.util.Arrays.sort(listed, BY_NAME);
            String[] names = new String[listed.length];
            for (int i = 0; i < names.length; i++) {
                names[i] = listed[i].name();
            }
            return listNames(dir, names, (rel, i) -> entry(rel, dirPath, listed[i]), found);
        }

        /** How the I-th of the sorted names becomes its entry (null: gone, or a kind of file not copied). */
        private interface EntryOf {
            LayerEntry of(String rel, int i) throws BuildException;
        }

        private Object[] listNames(String dir, String[] names, EntryOf entryOf, List<Dir> found)
                throws BuildException {
            List<Object> parts = new ArrayList<>(names.length);
            for (int i = 0; i < names.length; i++) {
                visit(dir, names[i], i, entryOf, parts, found);
            }
            return parts.toArray();
        }

        /**
         * Adds one listed name's entry and, for a directory, its {@link Dir} to the parts. Per name, not in the loop
         * above: the build's code is compiled by C1 alone, which compiles a method called 20,000 times early in a big
         * walk but leaves a loop of a hundred names per call interpreted for most of it.
         */
        private void visit(String dir, String name, int i, EntryOf entryOf, List<Object> parts, List<Dir> found)
                throws BuildException {
            String rel = FileTree.join(dir, name);
            boolean excluded = ignore.matches(rel);
            // A name that is not UTF-8 is looked up by its decoded form, which fails and is reported below.
            LayerEntry e = name.indexOf('\uFFFD') >= 0 ? entry(rel) : entryOf.of(rel, i);
            if (e == null) {
                if (!excluded && name.indexOf('\uFFFD') >= 0) {
                    // Listed but not found again by its decoded name: its bytes are not UTF-8, and the JDK
                    // cannot name the file. Saying so beats leaving it out of the image without a word.
                    throw new BuildException("\"" + rel + "\": the file name is not valid UTF-8, which jbuild"
                            + " cannot copy; rename the file or exclude it in .dockerignore");
                }
                return;
            }
            if (!excluded) {
                parts.add(e);
            }
            if (e.type() == LayerEntry.Type.DIRECTORY && (!excluded || ignore.mayReincludeBelow(rel))) {
                Dir sub = new Dir(rel);
                parts.add(sub);
                found.add(sub);
            }
        }
    }

    /** A directory of a walk: its path, and once listed its parts (entries, and a Dir after each walked directory). */
    private static final class Dir {
        final String rel;
        /** Written by the thread that lists it, read after the walk's lock says all are done. */
        Object[] parts;

        Dir(String rel) {
            this.rel = rel;
        }
    }

    /** The entry for a context path, not following a final symlink; null when missing or of a kind not copied. */
    private LayerEntry entry(String rel) throws BuildException {
        return entry(rel, root.resolve(rel));
    }

    /** @param p the path of {@code rel} under the root */
    private LayerEntry entry(String rel, Path p) throws BuildException {
        Map<String, Object> a;
        try {
            // One stat call gives the entry and the stat cache's stamp.
            a = Files.readAttributes(p, ENTRY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new BuildException("\"" + rel + "\": cannot read: " + e.getMessage());
        }
        int stMode = (Integer) a.get("mode");
        int mode = stMode & 07777;
        int kind = stMode & S_IFMT;
        Instant mtime = ((FileTime) a.get("lastModifiedTime")).toInstant();
        String path = rel;
        if (kind == S_IFDIR) {
            return raw(path, LayerEntry.Type.DIRECTORY, mode, mtime, 0, null, null);
        }
        if (kind == S_IFLNK) {
            try {
                return raw(path, LayerEntry.Type.SYMLINK, 0777, mtime, 0, Files.readSymbolicLink(p).toString(), null);
            } catch (IOException e) {
                throw new BuildException("\"" + rel + "\": cannot read symlink: " + e.getMessage());
            }
        }
        if (kind == S_IFREG) {
            long size = (Long) a.get("size");
            return raw(path, LayerEntry.Type.FILE, mode, mtime, size, null, new PathContent(p, ContentHasher.Stamp.of(a)));
        }
        return null; // sockets, fifos and devices in a context are not copied, as with docker
    }

    /** The entry for a listed name, from its listing's stat; null for a kind of file not copied. */
    private LayerEntry entry(String rel, Path dirPath, DirectoryListing.Entry l) throws BuildException {
        int mode = l.mode() & 07777;
        int kind = l.mode() & S_IFMT;
        Instant mtime = Instant.ofEpochSecond(Math.floorDiv(l.mtimeNanos(), 1_000_000_000L),
                Math.floorMod(l.mtimeNanos(), 1_000_000_000L));
        if (kind == S_IFDIR) {
            return raw(rel, LayerEntry.Type.DIRECTORY, mode, mtime, 0, null, null);
        }
        if (kind == S_IFLNK) {
            Path p = dirPath.resolve(l.name());
            try {
                return raw(rel, LayerEntry.Type.SYMLINK, 0777, mtime, 0, Files.readSymbolicLink(p).toString(), null);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                throw new BuildException("\"" + rel + "\": cannot read symlink: " + e.getMessage());
            }
        }
        if (kind == S_IFREG) {
            return raw(rel, LayerEntry.Type.FILE, mode, mtime, l.size(), null, new PathContent(dirPath.resolve(l.name()),
                    new ContentHasher.Stamp(l.size(), l.mtimeNanos(), l.ctimeNanos(), l.inode())));
        }
        return null; // sockets, fifos and devices in a context are not copied, as with docker
    }

    private static final java.util.Comparator<DirectoryListing.Entry> BY_NAME =
            (a, b) -> a.name().compareTo(b.name());

    /** The kind of file comes from st_mode's type bits: every attribute asked for costs, 20,000 times per build. */
    private static final String ENTRY_ATTRIBUTES = "unix:mode,size,lastModifiedTime,ctime,ino";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    private static LayerEntry raw(String path, LayerEntry.Type type, int mode, Instant mtime, long size, String link,
            LayerEntry.ContentSource content) {
        return new LayerEntry(path, type, mode, 0, 0, mtime, size, link, content, 0, 0, java.util.Map.of());
    }
}
