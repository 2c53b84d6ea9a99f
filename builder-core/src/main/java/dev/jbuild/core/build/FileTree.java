package dev.jbuild.core.build;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import dev.jbuild.store.LayerEntry;

/**
 * The merged root filesystem of a stage: its layers applied in order (whiteouts honoured), each
 * path mapped to its node. Paths have no leading slash; the root is "". Not thread-safe.
 */
final class FileTree {
    private final TreeMap<String, LayerEntry> nodes = new TreeMap<>();

    FileTree copy() {
        FileTree t = new FileTree();
        t.nodes.putAll(nodes);
        return t;
    }

    LayerEntry get(String path) {
        return nodes.get(path);
    }

    Collection<LayerEntry> all() {
        return nodes.values();
    }

    boolean isEmpty() {
        return nodes.isEmpty();
    }

    boolean isDirectory(String path) {
        if (path.isEmpty()) {
            return true;
        }
        LayerEntry e = nodes.get(path);
        return e != null && e.type() == LayerEntry.Type.DIRECTORY;
    }

    /** Applies one layer's entries, with OCI whiteouts ({@code .wh.NAME}, {@code .wh..wh..opq}). */
    void apply(List<LayerEntry> layer) {
        for (LayerEntry n : layer) {
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
            put(n);
        }
    }

    /** Puts a node, replacing what was there; a non-directory replacing a directory drops its children. */
    void put(LayerEntry n) {
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

    /** Direct and indirect children of a directory, in path order. */
    List<LayerEntry> descendants(String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
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
            LayerEntry n = nodes.get(candidate);
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
