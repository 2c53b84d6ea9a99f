package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static dev.jbuild.cli.Cli.ok;
import static dev.jbuild.cli.Cli.read;
import static dev.jbuild.cli.Cli.skopeoJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * save and load: round trips through jbuild's own archives and through archives skopeo writes
 * (docker-archive, OCI layout, OCI archive), docker-archives in the old layout with gzip layers,
 * and inputs that must be refused (a corrupt blob) without changing any tag.
 */
class LoadSaveTest {
    @TempDir
    Path tmp;

    Path root;
    Path layout;
    String id;

    @BeforeEach
    void build() {
        root = tmp.resolve("root");
        layout = tmp.resolve("layout");
        id = jbuild("--root", root, "-q", "-t", "files:1", "--build-arg", "SOURCE_DATE_EPOCH=1700000000",
                "-o", "type=oci,dest=" + layout, Cli.context("files")).ok().out().strip();
    }

    private String idIn(Path store, String ref) {
        return jbuild("inspect", "--root", store, ref).ok().json().get(0).path("Id").asText();
    }

    @Test
    void saveThenLoadIntoAFreshStoreKeepsTheImageId() throws IOException {
        Path tar = tmp.resolve("files.tar");
        jbuild("tag", "--root", root, "files:1", "example.com/files:2").ok();
        Cli.Result saved = jbuild("save", "--root", root, "-o", tar, "files:1", "example.com/files:2").ok();
        assertEquals("", saved.out());
        // what docker load and podman load read: manifest.json with RepoTags, the config, plain layer tars
        JsonNode info = skopeoJson("inspect", "docker-archive:" + tar + ":files:1");
        assertEquals(12, info.path("Layers").size());
        JsonNode manifest = Cli.JSON.readTree(tarEntry(tar, "manifest.json"));
        assertEquals(1, manifest.size(), "one image, two names");
        assertEquals(List.of("files:1", "example.com/files:2"), ImageToolsTest.strings(manifest.get(0).path("RepoTags")));

        Path fresh = tmp.resolve("fresh");
        Cli.Result loaded = jbuild("load", "--root", fresh, "-i", tar).ok();
        assertEquals("Loaded image: files:1\nLoaded image: example.com/files:2\n", loaded.out());
        assertEquals(id, idIn(fresh, "files:1"));
        assertEquals(id, idIn(fresh, "example.com/files:2"));
        Cli.validateStore(fresh);
        JsonNode m = jbuild("inspect", "--root", fresh, "files:1").ok().json().get(0).path("Manifest");
        assertEquals("application/vnd.oci.image.manifest.v1+json", m.path("mediaType").asText());
        for (JsonNode l : m.path("layers")) {
            assertEquals("application/vnd.oci.image.layer.v1.tar", l.path("mediaType").asText());
        }

        // the loaded image is one to build on, and to export again
        Path ctx = tmp.resolve("child");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("note.txt"), "child layer\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM files:1\nCOPY --chown=app note.txt ./\n");
        Path childLayout = tmp.resolve("child-layout");
        jbuild("--root", fresh, "-q", "-t", "child", "-o", "type=oci,dest=" + childLayout, ctx).ok();
        Path rootfs = Cli.umociUnpack(childLayout, "latest", tmp.resolve("bundle"));
        assertEquals("child layer\n", read(rootfs, "home/app/data/note.txt"));
        assertEquals("1000:1000", Cli.owner(rootfs, "home/app/data/note.txt"));
        assertEquals("Welcome to version 1.0\n", read(rootfs, "etc/motd"));
        assertEquals("2000:3000", Cli.owner(rootfs, "owned/svc.txt"));
    }

    /**
     * A layer of over 1 MiB is several gzip members (written in parallel, as pigz does): a docker-archive's layer tar
     * is all of them, its digest the diff id it is named by. The first member alone was written before.
     */
    @Test
    void aLayerOfManyGzipMembersIsSavedWhole() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("big"));
        byte[] data = new byte[3 * 1024 * 1024 + 123];
        new java.util.Random(7).nextBytes(data);
        Files.write(ctx.resolve("big.bin"), data);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nCOPY big.bin /big.bin\n");
        Path out = tmp.resolve("out.tar");
        String big = jbuild("--root", root, "-q", "-t", "big:1", "-o", "type=docker,dest=" + out, ctx).ok().out()
                .strip();
        Path saved = tmp.resolve("saved.tar");
        jbuild("save", "--root", root, "-o", saved, "big:1").ok();
        for (Path tar : List.of(out, saved)) {
            JsonNode manifest = Cli.JSON.readTree(tarEntry(tar, "manifest.json"));
            String layer = manifest.get(0).path("Layers").get(0).asText();
            byte[] plain = tarEntry(tar, layer);
            assertEquals(layer.substring(layer.lastIndexOf('/') + 1), Digest.sha256(plain).hex(), tar.toString());
            try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(plain))) {
                TarArchiveEntry e = in.getNextEntry();
                assertEquals("big.bin", e.getName());
                assertTrue(java.util.Arrays.equals(data, in.readAllBytes()), tar + ": the file whole");
            }
            Path fresh = tmp.resolve("fresh-" + tar.getFileName());
            jbuild("load", "--root", fresh, "-i", tar).ok();
            assertEquals(big, idIn(fresh, "big:1"));
        }
    }

    @Test
    void saveOciFormatIsAnOciArchive() throws IOException {
        Path tar = tmp.resolve("files-oci.tar");
        jbuild("save", "--root", root, "--format", "oci", "-o", tar, "files:1").ok();
        JsonNode info = skopeoJson("inspect", "oci-archive:" + tar + ":1");
        assertEquals(12, info.path("Layers").size());
        Path dir = tmp.resolve("unpacked");
        Files.createDirectories(dir);
        ok("tar", "-xf", tar.toString(), "-C", dir.toString());
        Cli.validateLayout(dir);
        JsonNode index = Cli.JSON.readTree(dir.resolve("index.json").toFile());
        assertEquals("docker.io/library/files:1",
                index.path("manifests").get(0).path("annotations").path("io.containerd.image.name").asText());
        // the same manifest as the build's layout: save changes nothing
        JsonNode built = Cli.JSON.readTree(layout.resolve("index.json").toFile());
        assertEquals(built.path("manifests").get(0).path("digest"), index.path("manifests").get(0).path("digest"));

        Path fresh = tmp.resolve("fresh");
        assertEquals("Loaded image: files:1\n", jbuild("load", "--root", fresh, "-i", tar).ok().out());
        assertEquals(id, idIn(fresh, "files:1"));
        // an OCI layout keeps the manifest digest
        assertEquals(built.path("manifests").get(0).path("digest").asText(),
                jbuild("inspect", "--root", fresh, "files:1").ok().json().get(0).path("Digest").asText());
    }

    @Test
    void loadsAnOciLayoutDirectory() throws IOException {
        Path fresh = tmp.resolve("fresh");
        assertEquals("Loaded image: files:1\n", jbuild("load", "--root", fresh, "-i", layout).ok().out());
        assertEquals(id, idIn(fresh, "files:1"));
        Cli.validateStore(fresh);
        // loading again is harmless
        assertEquals("Loaded image: files:1\n", jbuild("load", "--root", fresh, "-i", layout).ok().out());
    }

    @Test
    void loadsWhatSkopeoWrites() throws IOException {
        // docker-archive, from the OCI layout, with a name
        Path dockerTar = tmp.resolve("skopeo-docker.tar");
        ok("skopeo", "--insecure-policy", "copy", "oci:" + layout + ":1", "docker-archive:" + dockerTar + ":copied:v1");
        Path fresh = tmp.resolve("fresh");
        assertEquals("Loaded image: copied:v1\n", jbuild("load", "--root", fresh, "-i", dockerTar).ok().out());
        assertEquals(id, idIn(fresh, "copied:v1"));
        Cli.validateStore(fresh);

        // an OCI archive whose index.json names only a tag: loaded untagged, then tagged by id
        Path ociTar = tmp.resolve("skopeo-oci.tar");
        ok("skopeo", "--insecure-policy", "copy", "oci:" + layout + ":1", "oci-archive:" + ociTar + ":v9");
        Path other = tmp.resolve("other");
        assertEquals("Loaded image ID: " + id + "\n", jbuild("load", "--root", other, "-i", ociTar).ok().out());
        assertEquals("", jbuild("images", "--root", other, "-q").ok().out());
        jbuild("tag", "--root", other, id, "named:1").ok();
        assertEquals(id, idIn(other, "named:1"));

        // zstd layers, recompressed by skopeo, with the name in ref.name
        Path zstd = tmp.resolve("zstd-layout");
        ok("skopeo", "--insecure-policy", "copy", "--dest-compress", "--dest-compress-format", "zstd",
                "oci:" + layout + ":1", "oci:" + zstd + ":example.com/zstd:1");
        Path third = tmp.resolve("third");
        assertEquals("Loaded image: example.com/zstd:1\n", jbuild("load", "--root", third, "-i", zstd).ok().out());
        assertEquals(id, idIn(third, "example.com/zstd:1"));
        JsonNode layers = jbuild("inspect", "--root", third, "example.com/zstd:1").ok().json().get(0)
                .path("Manifest").path("layers");
        assertEquals("application/vnd.oci.image.layer.v1.tar+zstd", layers.get(0).path("mediaType").asText());
    }

    @Test
    void loadsAnOldStyleDockerArchiveWithGzipLayersFromStandardInputToo() throws IOException {
        // docker save before 25: <id>/layer.tar per layer, <config hex>.json; here the layers gzip-compressed
        Path saved = tmp.resolve("saved.tar");
        jbuild("save", "--root", root, "-o", saved, "files:1").ok();
        Map<String, byte[]> entries = readTar(saved);
        JsonNode manifest = Cli.JSON.readTree(entries.get("manifest.json"));
        Map<String, byte[]> old = new LinkedHashMap<>();
        String configHex = Digest.parse(id).hex();
        old.put(configHex + ".json", entries.get(manifest.get(0).path("Config").asText()));
        ObjectNode entry = Cli.JSON.createObjectNode();
        entry.put("Config", configHex + ".json");
        entry.putArray("RepoTags").add("legacy:gz");
        ArrayNode layers = entry.putArray("Layers");
        int i = 0;
        for (JsonNode l : manifest.get(0).path("Layers")) {
            String name = "layer" + i++ + "/layer.tar";
            old.put(name, gzip(entries.get(l.asText())));
            layers.add(name);
        }
        old.put("manifest.json", Cli.JSON.writeValueAsBytes(Cli.JSON.createArrayNode().add(entry)));
        Path legacy = tmp.resolve("legacy.tar");
        writeTar(legacy, old);

        Path fresh = tmp.resolve("fresh");
        assertEquals("Loaded image: legacy:gz\n", jbuild("load", "--root", fresh, "-i", legacy).ok().out());
        assertEquals(id, idIn(fresh, "legacy:gz"));
        JsonNode m = jbuild("inspect", "--root", fresh, "legacy:gz").ok().json().get(0).path("Manifest");
        for (JsonNode l : m.path("layers")) {
            assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", l.path("mediaType").asText());
        }
        Cli.validateStore(fresh);
        Path out = tmp.resolve("again-layout");
        jbuild("save", "--root", fresh, "--format", "oci", "-o", tmp.resolve("again.tar"), "legacy:gz").ok();
        Files.createDirectories(out);
        ok("tar", "-xf", tmp.resolve("again.tar").toString(), "-C", out.toString());
        Path rootfs = Cli.umociUnpack(out, "gz", tmp.resolve("bundle"));
        assertEquals("alpha from the archive\n", read(rootfs, "extracted/archive/a.txt"));

        // -i - (the default) reads standard input
        InputStream stdin = System.in;
        try {
            System.setIn(Files.newInputStream(legacy));
            Path viaStdin = tmp.resolve("stdin");
            assertEquals("Loaded image: legacy:gz\n", jbuild("load", "--root", viaStdin).ok().out());
            assertEquals(id, idIn(viaStdin, "legacy:gz"));
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void corruptInputIsRefusedAndNoTagChanges() throws IOException {
        Path fresh = tmp.resolve("fresh");
        jbuild("--root", fresh, "-q", "-t", "files:1", "--target", "app", Cli.context("stages")).ok();
        byte[] tagsBefore = Files.readAllBytes(fresh.resolve("images.json"));

        // one byte of one layer changed: its digest no longer matches its name
        Path bad = tmp.resolve("bad-layout");
        Cli.copyTree(layout, bad);
        JsonNode manifest = Cli.JSON.readTree(bad.resolve("blobs/sha256").resolve(
                Digest.parse(Cli.JSON.readTree(bad.resolve("index.json").toFile()).path("manifests").get(0)
                        .path("digest").asText()).hex()).toFile());
        String layer = Digest.parse(manifest.path("layers").get(3).path("digest").asText()).hex();
        Path blob = bad.resolve("blobs/sha256").resolve(layer);
        byte[] b = Files.readAllBytes(blob);
        b[b.length / 2] ^= 0x55;
        Files.write(blob, b);
        Cli.Result r = jbuild("load", "--root", fresh, "-i", bad);
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("jbuild: " + bad + ": blobs/sha256/" + layer + ": content does not match"),
                r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals(new String(tagsBefore, StandardCharsets.UTF_8),
                Files.readString(fresh.resolve("images.json")), "tags unchanged");

        // a missing blob
        Files.delete(blob);
        r = jbuild("load", "--root", tmp.resolve("empty"), "-i", bad);
        assertEquals(1, r.status());
        assertTrue(r.err().contains("blob sha256:" + layer + " is missing"), r.err());

        // a layer whose content is not what the config's diff_ids say (under names that are no digests)
        Path saved = tmp.resolve("saved.tar");
        jbuild("save", "--root", root, "-o", saved, "files:1").ok();
        Map<String, byte[]> entries = readTar(saved);
        JsonNode dm = Cli.JSON.readTree(entries.get("manifest.json"));
        Map<String, byte[]> swapped = new LinkedHashMap<>();
        swapped.put("config.json", entries.get(dm.get(0).path("Config").asText()));
        ObjectNode entry = Cli.JSON.createObjectNode().put("Config", "config.json");
        entry.putArray("RepoTags").add("files:1");
        ArrayNode layers = entry.putArray("Layers");
        for (int i = 0; i < dm.get(0).path("Layers").size(); i++) {
            // layers 0 and 1 change places
            int from = i == 0 ? 1 : i == 1 ? 0 : i;
            swapped.put("l" + i + "/layer.tar", entries.get(dm.get(0).path("Layers").get(from).asText()));
            layers.add("l" + i + "/layer.tar");
        }
        swapped.put("manifest.json", Cli.JSON.writeValueAsBytes(Cli.JSON.createArrayNode().add(entry)));
        Path swappedTar = tmp.resolve("swapped.tar");
        writeTar(swappedTar, swapped);
        r = jbuild("load", "--root", fresh, "-i", swappedTar);
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("jbuild: " + swappedTar + ": l0/layer.tar: its uncompressed content has digest "),
                r.err());
        assertTrue(r.err().contains("but the config's rootfs.diff_ids[0] is"), r.err());
        assertEquals(new String(tagsBefore, StandardCharsets.UTF_8), Files.readString(fresh.resolve("images.json")));

        // a layer file whose name is a digest it does not have
        String first = dm.get(0).path("Layers").get(0).asText();
        entries.put(first, entries.get(dm.get(0).path("Layers").get(1).asText()));
        Path renamed = tmp.resolve("renamed.tar");
        writeTar(renamed, entries);
        r = jbuild("load", "--root", fresh, "-i", renamed);
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("jbuild: " + renamed + ": " + first + ": content does not match its name"),
                r.err());

        // not an image at all, and no such file
        Path junk = tmp.resolve("junk.tar");
        Files.writeString(junk, "not a tar");
        r = jbuild("load", "--root", fresh, "-i", junk);
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("jbuild: " + junk + ": "), r.err());
        r = jbuild("load", "--root", fresh, "-i", tmp.resolve("nosuch.tar"));
        assertEquals("jbuild: " + tmp.resolve("nosuch.tar") + ": no such file or directory\n", r.err());
        assertEquals(1, r.status());
    }

    @Test
    void loadsAMultiPlatformIndexAndBuildsOnIt() throws IOException {
        // two single-platform builds merged into one layout: index.json -> image index -> two manifests
        Path merged = tmp.resolve("multi");
        ArrayNode manifests = Cli.JSON.createArrayNode();
        for (String platform : new String[] {"linux/amd64", "linux/arm64"}) {
            Path one = tmp.resolve("one-" + platform.replace('/', '-'));
            jbuild("--root", tmp.resolve("builds"), "-q", "--platform", platform, "--target", "app",
                    "--build-arg", "SOURCE_DATE_EPOCH=1700000000", "-o", "type=oci,dest=" + one,
                    Cli.context("stages")).ok();
            Cli.copyTree(one.resolve("blobs"), merged.resolve("blobs"));
            ObjectNode d = ((ObjectNode) Cli.JSON.readTree(one.resolve("index.json").toFile()).path("manifests").get(0))
                    .deepCopy();
            d.remove("annotations");
            d.putObject("platform").put("architecture", platform.substring(6)).put("os", "linux");
            manifests.add(d);
        }
        ObjectNode index = Cli.JSON.createObjectNode().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.index.v1+json");
        index.set("manifests", manifests);
        byte[] indexBytes = Cli.JSON.writeValueAsBytes(index);
        Digest indexDigest = Digest.sha256(indexBytes);
        Files.write(merged.resolve("blobs/sha256").resolve(indexDigest.hex()), indexBytes);
        ObjectNode top = Cli.JSON.createObjectNode().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.index.v1+json");
        ObjectNode d = top.putArray("manifests").addObject().put("mediaType", "application/vnd.oci.image.index.v1+json")
                .put("digest", indexDigest.toString()).put("size", indexBytes.length);
        d.putObject("annotations").put("io.containerd.image.name", "docker.io/library/multi:1")
                .put("org.opencontainers.image.ref.name", "1");
        Files.write(merged.resolve("index.json"), Cli.JSON.writeValueAsBytes(top));
        Files.writeString(merged.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");

        Path fresh = tmp.resolve("fresh");
        assertEquals("Loaded image: multi:1\n", jbuild("load", "--root", fresh, "-i", merged).ok().out());
        Cli.validateStore(fresh);
        JsonNode inspect = jbuild("inspect", "--root", fresh, "multi:1").ok().json().get(0);
        assertEquals(indexDigest.toString(), inspect.path("Digest").asText());
        assertEquals("application/vnd.oci.image.index.v1+json", inspect.path("MediaType").asText());
        assertEquals(2, inspect.path("Index").path("manifests").size());
        assertEquals(1, jbuild("images", "--root", fresh, "-q").ok().out().lines().count());

        // FROM the index picks the build's platform
        Path ctx = tmp.resolve("child");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve("Dockerfile"), "FROM multi:1\nLABEL child=yes\n");
        for (String arch : new String[] {"amd64", "arm64"}) {
            Path out = tmp.resolve("child-" + arch);
            jbuild("--root", fresh, "-q", "--platform", "linux/" + arch, "-t", "child-" + arch,
                    "-o", "type=oci,dest=" + out, ctx).ok();
            JsonNode config = skopeoJson("inspect", "--config", "--raw", "oci:" + out + ":latest");
            assertEquals(arch, config.path("architecture").asText());
            assertEquals(2, config.path("rootfs").path("diff_ids").size());
            assertEquals("LABEL child=yes", config.path("history").get(3).path("created_by").asText());
        }
        // and save writes an index-tagged image as the platform manifest docker load can read
        Path tar = tmp.resolve("multi.tar");
        jbuild("save", "--root", fresh, "-o", tar, "multi:1").ok();
        assertEquals(2, skopeoJson("inspect", "docker-archive:" + tar).path("Layers").size());
    }

    @Test
    void saveErrorsNameTheReference() {
        Cli.Result r = jbuild("save", "--root", root, "-o", tmp.resolve("x.tar"), "files:1", "nosuch");
        assertEquals(1, r.status());
        assertEquals("jbuild: No such image: nosuch (docker.io/library/nosuch:latest)\n", r.err());
        assertFalse(Files.exists(tmp.resolve("x.tar")));
        r = jbuild("save", "--root", root, "files:1");
        assertEquals(2, r.status(), "-o is required");
        r = jbuild("save", "--root", root, "--format", "zip", "-o", tmp.resolve("y.tar"), "files:1");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("--format must be docker or oci"), r.err());
    }

    @Test
    void saveByIdWritesNoName() throws IOException {
        Path tar = tmp.resolve("by-id.tar");
        jbuild("save", "--root", root, "-o", tar, id.substring(7, 19)).ok();
        JsonNode manifest = Cli.JSON.readTree(tarEntry(tar, "manifest.json"));
        assertEquals(0, manifest.get(0).path("RepoTags").size());
        Path fresh = tmp.resolve("fresh");
        assertEquals("Loaded image ID: " + id + "\n", jbuild("load", "--root", fresh, "-i", tar).ok().out());
        // untagged, it is still there by id (until pruned)
        assertEquals(id, idIn(fresh, id));
    }

    // ---- tar helpers -------------------------------------------------------------------------

    static byte[] tarEntry(Path tar, String name) throws IOException {
        byte[] b = readTar(tar).get(name);
        if (b == null) {
            throw new AssertionError(tar + " has no " + name);
        }
        return b;
    }

    static Map<String, byte[]> readTar(Path tar) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null;) {
                if (e.isFile()) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }

    static void writeTar(Path tar, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(tar); TarArchiveOutputStream out = new TarArchiveOutputStream(os)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(e.getValue().length);
                out.putArchiveEntry(te);
                new ByteArrayInputStream(e.getValue()).transferTo(out);
                out.closeArchiveEntry();
            }
        }
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(bo)) {
            g.write(b);
        }
        return bo.toByteArray();
    }
}
