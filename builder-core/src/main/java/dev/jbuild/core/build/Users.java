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
        String text;
        try (InputStream in = e.content().open()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new BuildException("cannot read /" + file + ": " + ex.getMessage());
        }
        for (String line : text.split("\n")) {
            String[] fields = line.split(":", -1);
            if (fields.length > 0 && fields[0].equals(name)) {
                return fields;
            }
        }
        return null;
    }
}
