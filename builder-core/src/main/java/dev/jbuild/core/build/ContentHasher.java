package dev.jbuild.core.build;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.LayerEntry;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * Digests of file contents for cache keys, with a stat cache kept in the store: a file whose
 * size, mtime, ctime and inode are unchanged is not read again, so re-hashing an unchanged
 * context costs only the stats. ctime catches a content change that restored the mtime.
 */
final class ContentHasher {
    private record Stat(long size, long mtime, long ctime, long inode) {}

    private record Known(Stat stat, Digest digest) {}

    private final Path file;
    private final Map<String, Known> known = new HashMap<>();
    private boolean dirty;

    ContentHasher(Path file) {
        this.file = file;
        load();
    }

    Digest digest(LayerEntry.ContentSource content) throws IOException {
        if (content instanceof PathContent pc) {
            Path p = pc.path();
            Stat st = stat(p);
            String k = p.toString();
            Known prev = known.get(k);
            if (prev != null && prev.stat().equals(st)) {
                return prev.digest();
            }
            Digest d = hash(content);
            // A file modified within the mtime granularity right now could change again unseen: don't remember it.
            if (System.currentTimeMillis() - st.mtime() / 1_000_000 > 2_000) {
                known.put(k, new Known(st, d));
                dirty = true;
            }
            return d;
        }
        return hash(content);
    }

    private static Digest hash(LayerEntry.ContentSource content) throws IOException {
        MessageDigest md = Digest.newSha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = content.open()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return Digest.fromMessageDigest(md.digest());
    }

    private static Stat stat(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        long ctime = ((FileTime) Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS)).to(
                java.util.concurrent.TimeUnit.NANOSECONDS);
        long inode = ((Number) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
        return new Stat(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), ctime, inode);
    }

    private void load() {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split("\t", 6);
                if (f.length == 6) {
                    known.put(f[5], new Known(new Stat(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                            Long.parseLong(f[3])), Digest.parse(f[4])));
                }
            }
        } catch (IOException | RuntimeException e) {
            known.clear(); // a damaged stat cache only costs re-reading the files
        }
    }

    void save() throws IOException {
        if (!dirty) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, Known> e : known.entrySet()) {
                Stat s = e.getValue().stat();
                if (e.getKey().contains("\n")) {
                    continue;
                }
                w.write(s.size() + "\t" + s.mtime() + "\t" + s.ctime() + "\t" + s.inode() + "\t" + e.getValue().digest()
                        + "\t" + e.getKey() + "\n");
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
