package dev.jbuild.core.build;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import dev.jbuild.store.LayerEntry;

/**
 * The merged root filesystem of a stage: its layers applied in order (whiteouts honoured), each
 * path mapped to its node. Paths have no leading slash; the root is "". Not thread-safe for writes; a
 * finished stage's tree may be read by several stages at once.
 */
final class FileTree {
    /** A layer's entries, read only when something looks at the tree. */
    @FunctionalInterface
    interface PendingLayer {
        List<LayerEntry> entries() throws java.io.IOException;
    }

    /**
     * A layer's entries one path at a time, without reading the others (its index's table), for a layer whose
     * whiteouts hide only what is below it (see {@link LayerIndex#flags}).
     */
    interface Lookup {
        /** The entry at this path in the layer (a whiteout's own name included), or null. */
        LayerEntry find(String path);

        /** Whether the layer holds whiteouts or opaque markers at all. */
        boolean hasWhiteouts();
    }

    private final TreeMap<String, LayerEntry> nodes = new TreeMap<>();
    /**
     * Layers applied but not yet read, in order: a cache hit's 20,000-entry layer costs nothing when
     * no later step, export or COPY --from looks at the files (a no-op rebuild of a big COPY).
     */
    private final List<PendingLayer> pending = new ArrayList<>();
    /**
     * The pending layers' lookups (null where a layer has none): while every pending layer has one, a path is
     * answered from them, so that a COPY onto a big base image looks at its destination's few paths instead of
     * reading the image's every entry.
     */
    private final List<Lookup> lookups = new ArrayList<>();

    synchronized FileTree copy() {
        FileTree t = new FileTree();
        t.nodes.putAll(nodes);
        t.pending.addAll(pending);
        t.lookups.addAll(lookups);
        return t;
    }

    /** Applies a layer when the tree is next read; a failure to read it is then an UncheckedIOException. */
    void applyLater(PendingLayer layer) {
        applyLater(layer, null);
    }

    /** {@link #applyLater(PendingLayer)}, with single paths answered by {@code lookup} until the tree is read whole. */
    synchronized void applyLater(PendingLayer layer, Lookup lookup) {
        pending.add(layer);
        lookups.add(lookup);
    }

    /**
     * The nodes, pending layers applied first. Synchronized: stages that COPY --from one finished
     * stage at once may both be the first to read its tree.
     */
    private synchronized TreeMap<String, LayerEntry> nodes() {
        while (!pending.isEmpty()) {
            List<LayerEntry> entries;
            try {
                entries = pending.get(0).entries();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e); // left pending: the tree stays as it was
            }
            pending.remove(0);
            lookups.remove(0);
            applyNow(entries);
        }
        return nodes;
    }

    synchronized LayerEntry get(String path) {
        if (!pending.isEmpty() && lookupsLeft > 0 && !lookups.contains(null)) {
            lookupsLeft--;
            return lookup(path, pending.size() - 1);
        }
        return nodes().get(path);
    }

    /**
     * Paths answered from the pending layers before the tree is read whole: a lookup costs a few binary searches
     * per layer and path component, so a COPY of 20,000 files onto a small base (each file's destination looked
     * up) is better served by reading the layers once.
     */
    private int lookupsLeft = 256;

    /**
     * The node at a path as applying the pending layers up to {@code top} would leave it: the topmost layer that has
     * the path decides, unless a layer above the rest hides it from them, as {@link #applyNow} would remove it (a
     * whiteout of the path or of a parent, an opaque parent, or a non-directory in place of a parent directory).
     */
    private LayerEntry lookup(String path, int top) {
        boolean whiteoutName = baseName(path).startsWith(".wh.");
        for (int i = top; i >= 0; i--) {
            Lookup layer = lookups.get(i);
            if (!whiteoutName) {
                LayerEntry e = layer.find(path);
                if (e != null) {
                    return e;
                }
            }
            if (hides(layer, path, i)) {
                return null;
            }
        }
        return nodes.get(path);
    }

    private boolean hides(Lookup layer, String path, int at) {
        if (path.isEmpty()) {
            return layer.hasWhiteouts() && layer.find(".wh..wh..opq") != null; // clears the whole tree, root too
        }
        String dir = "";
        int from = 0;
        while (true) {
            int slash = path.indexOf('/', from);
            String name = slash < 0 ? path.substring(from) : path.substring(from, slash);
            String next = join(dir, name);
            if (layer.hasWhiteouts()) {
                if (layer.find(join(dir, ".wh..wh..opq")) != null || layer.find(join(dir, ".wh." + name)) != null) {
                    return true;
                }
            }
            if (slash < 0) {
                return false;
            }
            LayerEntry e = layer.find(next);
            if (e != null && e.type() != LayerEntry.Type.DIRECTORY) {
                LayerEntry below = lookup(next, at - 1);
                if (below != null && below.type() == LayerEntry.Type.DIRECTORY) {
                    return true; // a file in place of a directory drops what was under it
                }
            }
            dir = next;
            from = slash + 1;
        }
    }

    Collection<LayerEntry> all() {
        return nodes().values();
    }

    boolean isEmpty() {
        return nodes().isEmpty();
    }

    boolean isDirectory(String path) {
        if (path.isEmpty()) {
            return true;
        }
        LayerEntry e = get(path);
        return e != null && e.type() == LayerEntry.Type.DIRECTORY;
    }

    /** Applies one layer's entries, with OCI whiteouts ({@code .wh.NAME}, {@code .wh..wh..opq}). */
    void apply(List<LayerEntry> layer) {
        nodes();
        applyNow(layer);
    }

    private void applyNow(List<LayerEntry> layer) {
        for (LayerEntry n : layer) {
            if (!n.path().contains(".wh.")) {
                putNow(n); // not a whiteout: skips cutting the name out of every path
                continue;
            }
            String name = baseName(n.path());
            String parent = parent(n.path());
            if (name.equals(".wh..wh..opq")) {
                removeChildren(parent);
                continue;
            }
            if (name.startsWith(".wh.")) {
                String target = join(parent, name.substring(4));
                nodes.remove(target);
                removeChildren(target);
                continue;
            }
            putNow(n);
        }
    }

    /** Puts a node, replacing what was there; a non-directory replacing a directory drops its children. */
    void put(LayerEntry n) {
        nodes();
        putNow(n);
    }

    private void putNow(LayerEntry n) {
        LayerEntry old = nodes.put(n.path(), n);
        if (old != null && old.type() == LayerEntry.Type.DIRECTORY && n.type() != LayerEntry.Type.DIRECTORY) {
            removeChildren(n.path());
        }
    }

    private void removeChildren(String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        if (prefix.isEmpty()) {
            nodes.clear();
            return;
        }
        nodes.subMap(prefix, true, prefix + Character.MAX_VALUE, true).clear();
    }

    /** Whether the tree has nothing at the path nor below it (read whole to know). */
    boolean nothingAtOrBelow(String dir) {
        TreeMap<String, LayerEntry> nodes = nodes();
        if (dir.isEmpty()) {
            return nodes.isEmpty();
        }
        // A layer may hold "a/b" without "a": the range, not the directory's own entry, says whether "a" is empty.
        return !nodes.containsKey(dir) && nodes.subMap(dir + "/", true, dir + "/" + Character.MAX_VALUE, true).isEmpty();
    }

    /** Direct and indirect children of a directory, in path order. */
    List<LayerEntry> descendants(String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        TreeMap<String, LayerEntry> nodes = nodes();
        Map<String, LayerEntry> sub = prefix.isEmpty() ? nodes : nodes.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
        List<LayerEntry> out = new ArrayList<>();
        for (LayerEntry n : sub.values()) {
            if (!n.path().isEmpty()) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Resolves symlinks in a path as the kernel would inside this root (never above it), the last
     * component too when {@code followLast}. Answers the resolved path, which may not exist.
     */
    String resolve(String path, boolean followLast) {
        List<String> done = new ArrayList<>();
        List<String> todo = new ArrayList<>(List.of(split(path)));
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.remove(0);
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            String candidate = String.join("/", done) + (done.isEmpty() ? "" : "/") + part;
            LayerEntry n = get(candidate);
            boolean last = todo.isEmpty();
            if (n != null && n.type() == LayerEntry.Type.SYMLINK && (!last || followLast)) {
                if (++links > 255) {
                    throw new IllegalStateException("too many levels of symbolic links: /" + path);
                }
                String target = n.linkTarget();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> next = new ArrayList<>(List.of(split(target)));
                next.addAll(todo);
                todo = next;
                continue;
            }
            done.add(part);
        }
        return String.join("/", done);
    }

    static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }

    /** A clean, relative path: no leading slash, no "." or ".." (".." stops at the root). */
    static String clean(String path) {
        List<String> out = new ArrayList<>();
        for (String part : split(path)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                continue;
            }
            out.add(part);
        }
        return String.join("/", out);
    }

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    static String join(String dir, String name) {
        return dir.isEmpty() ? name : name.isEmpty() ? dir : dir + "/" + name;
    }
}
