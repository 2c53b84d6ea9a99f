package dev.jbuild.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.store.StepCache;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheSpecTest {
    @Test
    void parsesBuildxForms() {
        CacheSpec r = CacheSpec.parseTo("type=registry,ref=reg.example/app:cache,mode=max,mounts=true");
        assertEquals("registry", r.type());
        assertEquals("reg.example/app:cache", r.ref());
        assertTrue(r.max());
        assertTrue(r.mounts());
        assertFalse(r.ignoreError());

        CacheSpec l = CacheSpec.parseTo("type=local,dest=/tmp/c");
        assertEquals(Path.of("/tmp/c"), l.dir());
        assertFalse(l.max(), "mode=min is the default");

        assertEquals(Path.of("d"), CacheSpec.parseFrom("type=local,src=d").dir());
        CacheSpec bare = CacheSpec.parseFrom("reg.example/app:1");
        assertEquals("registry", bare.type());
        assertEquals("reg.example/app:1", bare.ref());
        assertTrue(CacheSpec.parseTo("type=inline").isInline());
        assertTrue(CacheSpec.parseTo("type=registry,ref=r/a:c,ignore-error=true,oci-mediatypes=true").ignoreError());
    }

    @Test
    void rejectsWhatCannotWork() {
        assertEquals("invalid --cache-to \"type=local,src=d\": dest= is missing",
                assertThrows(IllegalArgumentException.class, () -> CacheSpec.parseTo("type=local,src=d")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> CacheSpec.parseFrom("type=local,dest=d"));
        assertThrows(IllegalArgumentException.class, () -> CacheSpec.parseTo("reg.example/app:1"));
        assertThrows(IllegalArgumentException.class, () -> CacheSpec.parseTo("type=gha"));
        assertThrows(IllegalArgumentException.class, () -> CacheSpec.parseTo("type=inline,mode=max"));
        assertThrows(IllegalArgumentException.class, () -> CacheSpec.parseTo("type=inline,mounts=true"));
        assertThrows(IllegalArgumentException.class, () -> CacheSpec.parseFrom("type=inline"));
        assertThrows(IllegalArgumentException.class, () -> CacheSpec.parseTo("type=local,dest=d,mounts=yes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CacheSpec.parseTo("type=local,dest=d,colour=red"))
                .getMessage().contains("unknown attribute \"colour\""));
    }

    @Test
    void documentRoundTripsEntriesIndexesAndMounts() {
        Digest key = Digest.sha256("k".getBytes(StandardCharsets.UTF_8));
        Digest parent = Digest.sha256("p".getBytes(StandardCharsets.UTF_8));
        Descriptor layer = new Descriptor(MediaType.OCI_LAYER_GZIP, Digest.sha256(new byte[] {1}), 1);
        Digest diffId = Digest.sha256(new byte[] {2});
        StepCache.Entry e = new StepCache.Entry(key, parent, "RUN make",
                List.of(new StepCache.Input("build arg V", Digest.sha256(new byte[] {3}), "1.2")), layer, diffId);
        Descriptor index = new Descriptor(CacheDocument.LAYER_INDEX_MEDIA_TYPE, Digest.sha256(new byte[] {4}), 9);
        Descriptor sums = new Descriptor(CacheDocument.CONTENT_DIGESTS_MEDIA_TYPE, Digest.sha256(new byte[] {5}), 70);
        CacheDocument doc = new CacheDocument(List.of(new CacheDocument.Step(e, index, sums),
                new CacheDocument.Step(new StepCache.Entry(parent, null, "COPY a /a", List.of(), null, null), null)),
                List.of(new CacheDocument.MountLayer("/root/.m2", layer, diffId)));
        CacheDocument back = CacheDocument.parse(doc.bytes());
        assertEquals(doc, back);
        assertEquals(sums, back.steps().get(0).contentDigests());
        assertNull(back.steps().get(1).layerIndex());
        assertNull(back.steps().get(1).contentDigests());
        assertThrows(IllegalArgumentException.class, () -> CacheDocument.parse("{\"steps\":[]}".getBytes()));
        assertThrows(IllegalArgumentException.class,
                () -> CacheDocument.parse("{\"schemaVersion\":1,\"steps\":[{\"key\":\"x\"}]}".getBytes()));
    }

    /** When a layer was made stays in the local store: an inline cache is part of a reproducible image's config. */
    @Test
    void documentsLeaveOutWhenLayersWereMade() {
        Descriptor layer = new Descriptor(MediaType.OCI_LAYER_GZIP, Digest.sha256(new byte[] {1}), 1);
        StepCache.Entry made = new StepCache.Entry(Digest.sha256(new byte[] {6}), null, "COPY a /a", List.of(), layer,
                Digest.sha256(new byte[] {2}), "2026-11-23T04:00:00Z");
        CacheDocument doc = new CacheDocument(List.of(new CacheDocument.Step(made, null, null)), List.of());
        assertFalse(new String(doc.bytes(), StandardCharsets.UTF_8).contains("created"));
        assertNull(CacheDocument.parse(doc.bytes()).steps().get(0).entry().created());
        assertEquals(made.layer(), CacheDocument.parse(doc.bytes()).steps().get(0).entry().layer());
    }
}
