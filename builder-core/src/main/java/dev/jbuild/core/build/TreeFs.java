package dev.jbuild.core.build;

import dev.jbuild.store.LayerEntry;
import java.util.ArrayList;
import java.util.List;

/** The root filesystem of a stage or an image, as a COPY --from source. Owners are kept. */
final class TreeFs implements SourceFs {
    private final FileTree tree;
    private final String description;

    TreeFs(FileTree tree, String description) {
        this.tree = tree;
        this.description = description;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public boolean keepsOwners() {
        return true;
    }

    @Override
    public boolean mayHoldHardLinks() {
        return true;
    }

    @Override
    public String resolve(String path) throws BuildException {
        try {
            return tree.resolve(path, true);
        } catch (IllegalStateException e) {
            throw new BuildException(e.getMessage());
        }
    }

    @Override
    public Stat stat(String path, boolean followLast) throws BuildException {
        String rel;
        try {
            rel = tree.resolve(path, followLast);
        } catch (IllegalStateException e) {
            throw new BuildException(e.getMessage());
        }
        if (rel.isEmpty()) {
            return new Stat(LayerEntry.Type.DIRECTORY, 0755, 0, 0, java.time.Instant.EPOCH, 0, null, null);
        }
        LayerEntry e = tree.get(rel);
        return e == null ? null : Stat.of(e);
    }

    @Override
    public List<String> list(String dir) throws BuildException {
        String rel = resolve(dir);
        List<String> names = new ArrayList<>();
        String prefix = rel.isEmpty() ? "" : rel + "/";
        for (LayerEntry e : tree.descendants(rel)) {
            String rest = e.path().substring(prefix.length());
            if (rest.indexOf('/') < 0) {
                names.add(rest);
            }
        }
        return names;
    }

    @Override
    public List<LayerEntry> walk(String dir) throws BuildException {
        return tree.descendants(resolve(dir));
    }
}
