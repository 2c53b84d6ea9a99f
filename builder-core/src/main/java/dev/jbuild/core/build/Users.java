package dev.jbuild.core.build;

import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code user[:group]} to numeric ids, through the image's /etc/passwd and /etc/group as BuildKit
 * resolves {@code --chown} and {@code USER}. A user without a group takes the user's primary group
 * when named, the same number when numeric (docker's documented rule).
 */
final class Users {
    record Ids(long uid, long gid) {}

    private Users() {}

    static Ids resolve(String spec, FileTree tree) throws BuildException {
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        String group = colon < 0 ? null : spec.substring(colon + 1);
        long uid;
        long gid;
        if (isNumeric(user)) {
            uid = Long.parseLong(user);
            gid = uid;
        } else {
            String[] entry = find(tree, "etc/passwd", user);
            if (entry == null || entry.length < 4) {
                throw new BuildException("unable to find user " + user + ": no matching entries in passwd file");
            }
            uid = parseId(entry[2], "passwd", user);
            gid = parseId(entry[3], "passwd", user);
        }
        if (group != null && !group.isEmpty()) {
            if (isNumeric(group)) {
                gid = Long.parseLong(group);
            } else {
                String[] entry = find(tree, "etc/group", group);
                if (entry == null || entry.length < 3) {
                    throw new BuildException("unable to find group " + group + ": no matching entries in group file");
                }
                gid = parseId(entry[2], "group", group);
            }
        }
        return new Ids(uid, gid);
    }

    /**
     * The supplementary groups of a USER, as the container's /etc/group lists them for its name
     * (a numeric user has none beyond its group, unless /etc/passwd names it).
     */
    static java.util.List<Long> supplementaryGroups(String spec, Ids ids, FileTree tree) throws BuildException {
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        if (isNumeric(user)) {
            String[] byId = findById(tree, user);
            if (byId == null) {
                return java.util.List.of();
            }
            user = byId[0];
        }
        // As BuildKit (runc) gives them: the primary group first, then the groups listing the user.
        java.util.List<Long> groups = new java.util.ArrayList<>();
        groups.add(ids.gid());
        String text = read(tree, "etc/group");
        if (text == null) {
            return groups;
        }
        for (String line : text.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && !f[3].isEmpty()) {
                for (String member : f[3].split(",")) {
                    if (member.trim().equals(user)) {
                        try {
                            long gid = Long.parseLong(f[2].trim());
                            if (gid != ids.gid() && !groups.contains(gid)) {
                                groups.add(gid);
                            }
                        } catch (NumberFormatException ignored) {
                            // a malformed line names no group
                        }
                    }
                }
            }
        }
        return groups;
    }

    /** The home directory of a uid in the container's /etc/passwd, "/" when it has none (runc's rule). */
    static String home(long uid, FileTree tree) throws BuildException {
        String[] entry = findById(tree, Long.toString(uid));
        return entry != null && entry.length >= 6 && !entry[5].isEmpty() ? entry[5] : "/";
    }

    private static String[] findById(FileTree tree, String uid) throws BuildException {
        return line(tree, "etc/passwd", 2, uid);
    }

    /** The fields of the first line of {@code file} whose field {@code index} is {@code value}, or null. */
    private static String[] line(FileTree tree, String file, int index, String value) throws BuildException {
        String text = read(tree, file);
        if (text == null) {
            return null;
        }
        for (String line : text.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length > index && f[index].equals(value)) {
                return f;
            }
        }
        return null;
    }

    private static String read(FileTree tree, String file) throws BuildException {
        String path;
        try {
            path = tree.resolve(file, true);
        } catch (IllegalStateException e) {
            return null;
        }
        LayerEntry e = tree.get(path);
        if (e == null || e.type() != LayerEntry.Type.FILE || e.content() == null) {
            return null;
        }
        try (InputStream in = e.content().open()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new BuildException("cannot read /" + file + ": " + ex.getMessage());
        }
    }

    private static boolean isNumeric(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return Long.parseLong(s) <= 0xFFFFFFFFL;
    }

    private static long parseId(String s, String file, String name) throws BuildException {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new BuildException("invalid id \"" + s + "\" for " + name + " in /etc/" + file);
        }
    }

    /** The colon-separated fields of the line of {@code file} whose first field is {@code name}. */
    private static String[] find(FileTree tree, String file, String name) throws BuildException {
        return line(tree, file, 0, name);
    }
}
