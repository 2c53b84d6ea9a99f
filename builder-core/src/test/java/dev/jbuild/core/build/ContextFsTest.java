package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.core.context.PatternMatcher;
import dev.jbuild.store.LayerEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The context walk, which runs directories in parallel, gives the order and the errors of a sequential one. */
class ContextFsTest {
    @TempDir
    Path tmp;

    @Test
    void aParallelWalkListsATreeInSortedPreOrder() throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            Path ctx = Files.createDirectories(tmp.resolve("ctx" + seed));
            randomTree(ctx, new Random(seed), 0);
            List<String> expected = new ArrayList<>();
            sequentialWalk(ctx, "", expected);
            for (boolean nativeListing : new boolean[] {false, true}) {
                List<String> actual = paths(new ContextFs(ctx, PatternMatcher.empty(), nativeListing).walk("."));
                assertEquals(expected, actual, "seed " + seed + ", native " + nativeListing);
                assertTrue(actual.size() > 20, "seed " + seed + " made a tree worth walking: " + actual.size());
            }
        }
    }

    @Test
    void theNativeListingGivesTheEntriesAndStampsOfTheJdkListing() throws Exception {
        assertTrue(dev.jbuild.store.DirectoryListing.available(), "the native library loads here");
        for (long seed = 1; seed <= 10; seed++) {
            Path ctx = Files.createDirectories(tmp.resolve("n" + seed));
            randomTree(ctx, new Random(seed), 0);
            Files.createDirectories(ctx.resolve("x/y"));
            Files.writeString(ctx.resolve("x/y/caf\u00e9 \u6587\u5b57.txt"), "utf-8 name");
            Files.setPosixFilePermissions(ctx.resolve("x/y"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
            List<LayerEntry> jdk = new ContextFs(ctx, PatternMatcher.empty(), false).walk(".");
            List<LayerEntry> nat = new ContextFs(ctx, PatternMatcher.empty(), true).walk(".");
            assertEquals(describe(jdk), describe(nat), "seed " + seed);
        }
    }

    /** Everything an entry says, with its content's path and stamp. */
    private static List<String> describe(List<LayerEntry> entries) {
        List<String> out = new ArrayList<>();
        for (LayerEntry e : entries) {
            String content = e.content() instanceof PathContent pc ? pc.path() + " " + pc.stamp() : String.valueOf(e.content());
            out.add(e.path() + " " + e.type() + " " + Integer.toOctalString(e.mode()) + " " + e.uid() + ":" + e.gid() + " "
                    + e.size() + " " + e.mtime() + " " + e.linkTarget() + " " + content);
        }
        return out;
    }

    @Test
    void ignoredDirectoriesAreLeftOutAndReIncludedPathsKept() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        randomTree(ctx, new Random(7), 0);
        Files.createDirectories(ctx.resolve("skip/deep/keep"));
        Files.writeString(ctx.resolve("skip/a.txt"), "a");
        Files.writeString(ctx.resolve("skip/deep/keep/b.txt"), "b");
        PatternMatcher ignore = PatternMatcher.compile(List.of("skip", "!skip/deep/keep/b.txt"));
        List<String> actual = paths(new ContextFs(ctx, ignore).walk("."));
        List<String> expected = new ArrayList<>();
        sequentialWalk(ctx, "", expected);
        expected.removeIf(p -> (p.equals("skip") || p.startsWith("skip/")) && !p.equals("skip/deep/keep/b.txt"));
        assertEquals(expected, actual);
        assertTrue(actual.contains("skip/deep/keep/b.txt"));
    }

    @Test
    void aFailureDeepInTheTreeReachesTheCallerAsTheBuildErrorNamingThePath() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        randomTree(ctx, new Random(3), 0);
        Path deep = Files.createDirectories(ctx.resolve("zz/inner"));
        Files.writeString(deep.resolve("fine.txt"), "x");
        // A name that is not UTF-8 (0xff) can only be made below the JDK, by the shell; the walk of zz/inner, a
        // task of its own, fails on it.
        Process p = new ProcessBuilder("sh", "-c", "printf x > \"$(printf 'bad\\377')\"").directory(deep.toFile())
                .inheritIO().start();
        assertEquals(0, p.waitFor());
        for (boolean nativeListing : new boolean[] {false, true}) {
            BuildException e = assertThrows(BuildException.class,
                    () -> new ContextFs(ctx, PatternMatcher.empty(), nativeListing).walk("."));
            assertTrue(e.getMessage().startsWith("\"zz/inner/bad"), e.getMessage());
            assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
        }
        // Excluded, the same name is no error, and the rest of the tree is walked.
        List<String> listed = paths(new ContextFs(ctx, PatternMatcher.compile(List.of("zz/inner/bad*"))).walk("."));
        assertTrue(listed.contains("zz/inner/fine.txt"), listed.toString());
    }

    private static void randomTree(Path dir, Random r, int depth) throws IOException {
        int n = 4 + r.nextInt(8);
        for (int i = 0; i < n; i++) {
            String name = (char) ('a' + r.nextInt(26)) + Integer.toString(r.nextInt(1000));
            Path p = dir.resolve(name);
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            int kind = r.nextInt(10);
            if (kind < (depth < 2 ? 6 : 3) && depth < 4) {
                Files.createDirectory(p);
                randomTree(p, r, depth + 1);
            } else if (kind == 3) {
                Files.createSymbolicLink(p, Path.of(name + "-target"));
            } else {
                Files.writeString(p, name);
            }
        }
    }

    /** The reference: names sorted per directory, each directory followed by its contents. */
    private static void sequentialWalk(Path root, String rel, List<String> out) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(rel.isEmpty() ? root : root.resolve(rel))) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        names.sort(null);
        for (String name : names) {
            String path = rel.isEmpty() ? name : rel + "/" + name;
            out.add(path);
            if (Files.isDirectory(root.resolve(path), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                sequentialWalk(root, path, out);
            }
        }
    }

    private static List<String> paths(List<LayerEntry> entries) {
        List<String> out = new ArrayList<>();
        for (LayerEntry e : entries) {
            out.add(e.path());
        }
        return out;
    }
}
