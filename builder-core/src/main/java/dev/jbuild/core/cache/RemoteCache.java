package dev.jbuild.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.core.build.BuildException;
import dev.jbuild.core.build.ContentDigests;
import dev.jbuild.core.build.LayerIndex;
import dev.jbuild.core.output.LocalWriter;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.Platform;
import dev.jbuild.registry.BlobSources;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Layer;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerReader;
import dev.jbuild.store.LayerWriter;
import dev.jbuild.store.StepCache;
import dev.jbuild.store.Store;
import dev.jbuild.store.UpperDiff;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A build's shared cache: {@code --cache-from} imports, {@code --cache-to} exports.
 *
 * <p>Import merges the step entries of each source into the local step index (an entry whose layer this store has
 * is kept), and remembers where each missing blob can be fetched. A step then hits as it would locally, and its
 * layer is fetched only when something needs its bytes: the final image (every layer of it), a RUN (its rootfs), a
 * COPY reading a file of it. Its headers come from the layer index exported with it, so that a hit alone downloads
 * nothing big.
 *
 * <p>Export writes the entries of the steps this build used (mode=min: those the built image's filesystem comes
 * from; mode=max: every stage's), their layers and header indexes, and with {@code mounts=true} each cache mount
 * the build used as a tar layer. Inline export puts the document into the image config instead.
 */
public final class RemoteCache implements Closeable {
    private final Store store;
    private final List<CacheSpec> from;
    private final List<CacheSpec> to;
    private final RegistryOptions registry;
    private final Platform platform;
    private final Instant epoch;
    private final Consumer<String> progress;

    /** Where a blob missing from the store can be fetched. */
    private final Map<Digest, CacheLocation> origins = new ConcurrentHashMap<>();
    /** Header indexes by diff-id. */
    private final Map<Digest, Descriptor> indexes = new ConcurrentHashMap<>();
    /** The digests of layers' files by diff-id. */
    private final Map<Digest, Descriptor> digests = new ConcurrentHashMap<>();
    private final Map<String, CacheDocument.MountLayer> mountLayers = new ConcurrentHashMap<>();
    /** The cache mounts this build used: id to directory. */
    private final Map<String, Path> mountsUsed = new TreeMap<>();
    private final List<CacheLocation> open = new ArrayList<>();
    private final Map<Digest, Object> fetching = new ConcurrentHashMap<>();

    public RemoteCache(Store store, List<CacheSpec> from, List<CacheSpec> to, RegistryOptions registry,
            Platform platform, Instant epoch, Consumer<String> progress) {
        this.store = store;
        this.from = List.copyOf(from);
        this.to = List.copyOf(to);
        this.registry = registry;
        this.platform = platform;
        this.epoch = epoch;
        this.progress = progress;
    }

    private CacheLocation location(CacheSpec spec) {
        CacheLocation l;
        if (spec.type().equals("local")) {
            l = new LocalCacheLocation(spec.dir());
        } else {
            if (registry == null) {
                throw new IllegalArgumentException("a registry cache needs registry options");
            }
            l = new RegistryCacheLocation(spec.ref(), registry);
        }
        synchronized (open) {
            open.add(l);
        }
        return l;
    }

    /**
     * Imports every {@code --cache-from}. A source that does not exist yet, or cannot be read, is a warning, as in
     * buildx: the build runs without it.
     */
    public void load() throws IOException {
        for (CacheSpec spec : from) {
            CacheLocation loc;
            try {
                loc = location(spec);
            } catch (IllegalArgumentException e) {
                progress.accept("WARNING: cache " + spec.describe() + ": " + e.getMessage());
                continue;
            }
            Optional<CacheLocation.Found> found;
            try {
                found = loc.read(store, platform);
            } catch (IOException | IllegalArgumentException e) {
                progress.accept("WARNING: cache " + spec.describe() + " not imported: " + e.getMessage());
                continue;
            }
            if (found.isEmpty()) {
                progress.accept("WARNING: no cache at " + spec.describe());
                continue;
            }
            CacheDocument doc = found.get().document();
            for (CacheDocument.Step step : doc.steps()) {
                StepCache.Entry e = step.entry();
                Optional<StepCache.Entry> local = store.steps().get(e.key());
                boolean usable = local.isPresent()
                        && (local.get().layer() == null || store.blobs().has(local.get().layer().digest()));
                if (!usable) {
                    store.steps().put(e);
                }
                if (e.layer() != null && !store.blobs().has(e.layer().digest())) {
                    origins.putIfAbsent(e.layer().digest(), loc);
                    if (loc instanceof RegistryCacheLocation r) {
                        // a push to this registry (the next --cache-to) mounts it instead of downloading it
                        BlobSources.of(store).record(e.layer().digest(), r.reference().registry(),
                                r.reference().repository());
                    }
                }
                if (step.layerIndex() != null && e.diffId() != null) {
                    indexes.putIfAbsent(e.diffId(), step.layerIndex());
                    origins.putIfAbsent(step.layerIndex().digest(), loc);
                }
                if (step.contentDigests() != null && e.diffId() != null) {
                    digests.putIfAbsent(e.diffId(), step.contentDigests());
                    origins.putIfAbsent(step.contentDigests().digest(), loc);
                }
            }
            for (CacheDocument.MountLayer m : doc.mounts()) {
                if (mountLayers.putIfAbsent(m.id(), m) == null) {
                    origins.putIfAbsent(m.layer().digest(), loc);
                }
            }
            progress.accept("importing cache from " + spec.describe() + (found.get().inline() ? " (inline)" : "")
                    + ": " + doc.steps().size() + " steps" + (doc.mounts().isEmpty() ? ""
                    : ", " + doc.mounts().size() + " cache mounts"));
        }
    }

    /** Whether a layer is in the store or can be fetched from an imported cache. */
    public boolean available(Descriptor layer) {
        return store.blobs().has(layer.digest()) || origins.containsKey(layer.digest());
    }

    /**
     * Readies a cache hit's layer for its headers to be read: the layer index exported with it when the store has
     * neither index nor blob, else the blob itself.
     */
    public void prepare(Layer layer) throws IOException {
        if (store.blobs().has(layer.digest())) {
            return;
        }
        Descriptor sums = digests.get(layer.diffId());
        CacheLocation sumsFrom = sums == null ? null : origins.get(sums.digest());
        if (sumsFrom != null && !Files.exists(ContentDigests.path(store.root(), layer.diffId()))) {
            try {
                sumsFrom.fetch(sums, store);
                ContentDigests.install(store.root(), layer.diffId(), store.blobs().read(sums.digest()));
            } catch (IOException e) {
                progress.accept("WARNING: file digests " + sums.digest() + ": " + e.getMessage());
            }
        }
        if (Files.exists(LayerIndex.path(store.root(), layer.diffId()))) {
            return;
        }
        Descriptor index = indexes.get(layer.diffId());
        CacheLocation loc = index == null ? null : origins.get(index.digest());
        if (loc != null) {
            try {
                loc.fetch(index, store);
                LayerIndex.install(store.root(), layer.diffId(), store.blobs().read(index.digest()));
                if (Files.exists(LayerIndex.path(store.root(), layer.diffId()))) {
                    return;
                }
            } catch (IOException e) {
                progress.accept("WARNING: layer index " + index.digest() + ": " + e.getMessage());
            }
        }
        ensure(layer);
    }

    /** Fetches a layer an imported cache has and the store lacks (a no-op otherwise). */
    public void ensure(Layer layer) throws IOException {
        Digest d = layer.digest();
        if (store.blobs().has(d)) {
            return;
        }
        CacheLocation loc = origins.get(d);
        if (loc == null) {
            return; // not ours: the reader's own "not in the store" error says what is missing
        }
        synchronized (fetching.computeIfAbsent(d, k -> new Object())) {
            if (store.blobs().has(d)) {
                return;
            }
            loc.fetch(layer.descriptor(), store);
            if (layer.diffId() != null) {
                store.blobs().recordDiffId(d, layer.diffId());
            }
            progress.accept("  fetched layer " + d.shortHex() + " (" + layer.descriptor().size() + " bytes) from "
                    + loc.describe());
        }
    }

    /**
     * Fills a new cache mount directory from an imported cache: true when the cache had it. Called before the
     * directory is first used, never for one the store has.
     */
    public boolean seedMount(String id, Path dir) throws IOException {
        CacheDocument.MountLayer m = mountLayers.get(id);
        if (m == null) {
            return false;
        }
        Layer layer = new Layer(m.layer(), m.diffId());
        ensure(layer);
        try (LayerReader r = LayerReader.open(store.blobs(), layer.digest())) {
            for (LayerEntry e = r.next(); e != null; e = r.next()) {
                if (e.type() == LayerEntry.Type.FILE) {
                    InputStream content = r.content();
                    e = e.withContent(e.size(), () -> new FilterInputStream(content) {
                        @Override
                        public void close() {
                            // the reader owns the stream
                        }
                    });
                }
                LocalWriter.write(dir, List.of(e));
            }
        }
        progress.accept("  cache mount " + id + " restored from the imported cache");
        return true;
    }

    /** Notes a cache mount this build used, for {@code mounts=true}. */
    public void mountUsed(String id, Path dir) {
        synchronized (mountsUsed) {
            mountsUsed.put(id, dir);
        }
    }

    /** Whether an export needs the image config ({@code type=inline}). */
    public boolean hasInline() {
        return to.stream().anyMatch(CacheSpec::isInline);
    }

    /** The config with inline cache of the steps {@code finalKey} comes from, when {@code type=inline} is asked. */
    public ImageConfig inline(ImageConfig config, Digest finalKey) throws IOException {
        if (!hasInline()) {
            return config;
        }
        List<CacheDocument.Step> steps = new ArrayList<>();
        for (StepCache.Entry e : chain(finalKey).values()) {
            steps.add(new CacheDocument.Step(e, null));
        }
        Map<String, JsonNode> fields = new LinkedHashMap<>(config.unknownFields());
        fields.put(CacheDocument.INLINE_FIELD, new CacheDocument(steps, List.of()).toJson());
        return new ImageConfig(config.created(), config.author(), config.architecture(), config.os(),
                config.osVersion(), config.osFeatures(), config.variant(), config.config(), config.rootfs(),
                config.history(), fields);
    }

    /**
     * Writes every {@code --cache-to} but inline. {@code finalKey}: the key of the image built; {@code stageKeys}:
     * the last key of every stage built (mode=max). A failed export fails the build unless {@code ignore-error=true}.
     */
    public void export(Digest finalKey, Collection<Digest> stageKeys) throws BuildException {
        for (CacheSpec spec : to) {
            if (spec.isInline()) {
                continue;
            }
            try {
                exportTo(spec, finalKey, stageKeys);
            } catch (IOException | RuntimeException e) {
                if (!spec.ignoreError()) {
                    throw new BuildException("exporting cache to " + spec.describe() + ": " + e.getMessage(), e);
                }
                progress.accept("WARNING: cache not exported to " + spec.describe() + ": " + e.getMessage());
            }
        }
    }

    private void exportTo(CacheSpec spec, Digest finalKey, Collection<Digest> stageKeys) throws IOException {
        Map<Digest, StepCache.Entry> entries = chain(finalKey);
        if (spec.max()) {
            for (Digest k : stageKeys) {
                chain(k).forEach(entries::putIfAbsent);
            }
        }
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        List<CacheDocument.Step> steps = new ArrayList<>();
        for (StepCache.Entry e : entries.values()) {
            Descriptor index = null;
            Descriptor sums = null;
            if (e.layer() != null && !available(e.layer())) {
                continue; // pruned here since: the step runs again on the other side
            }
            if (e.layer() != null) {
                if (!mountable(spec, e.layer())) {
                    ensure(new Layer(e.layer(), e.diffId()));
                }
                blobs.putIfAbsent(e.layer().digest(), e.layer());
                Path file = LayerIndex.path(store.root(), e.diffId());
                if (Files.isRegularFile(file)) {
                    byte[] b = Files.readAllBytes(file);
                    index = new Descriptor(CacheDocument.LAYER_INDEX_MEDIA_TYPE, store.blobs().put(b), b.length);
                    blobs.putIfAbsent(index.digest(), index);
                }
                byte[] d = ContentDigests.of(store, e.layer().digest(), e.diffId());
                if (d != null) {
                    sums = new Descriptor(CacheDocument.CONTENT_DIGESTS_MEDIA_TYPE, store.blobs().put(d), d.length);
                    blobs.putIfAbsent(sums.digest(), sums);
                }
            }
            steps.add(new CacheDocument.Step(e, index, sums));
        }
        List<CacheDocument.MountLayer> mounts = new ArrayList<>();
        if (spec.mounts()) {
            Map<String, Path> used;
            synchronized (mountsUsed) {
                used = new TreeMap<>(mountsUsed);
            }
            for (Map.Entry<String, Path> m : used.entrySet()) {
                List<LayerEntry> files = UpperDiff.entries(m.getValue(), null, null);
                Layer l = LayerWriter.write(store.blobs(), files, Compression.GZIP, epoch, false);
                Descriptor d = l.descriptor().withAnnotations(Map.of(CacheDocument.MOUNT_ANNOTATION, m.getKey()));
                blobs.putIfAbsent(d.digest(), d);
                mounts.add(new CacheDocument.MountLayer(m.getKey(), l.descriptor(), l.diffId()));
            }
        }
        byte[] doc = new CacheDocument(steps, mounts).bytes();
        Descriptor config = new Descriptor(CacheDocument.CONFIG_MEDIA_TYPE, store.blobs().put(doc), doc.length);
        Manifest manifest = new Manifest(2, MediaType.OCI_MANIFEST, CacheDocument.ARTIFACT_TYPE, config,
                new ArrayList<>(blobs.values()), null, null);
        byte[] bytes = OciJson.write(manifest);
        Descriptor md = new Descriptor(MediaType.OCI_MANIFEST, store.blobs().put(bytes), bytes.length);
        location(spec).write(store, md);
        progress.accept("exported cache to " + spec.describe() + " (mode=" + (spec.max() ? "max" : "min") + "): "
                + steps.size() + " steps, " + blobs.size() + " blobs" + (mounts.isEmpty() ? ""
                : ", " + mounts.size() + " cache mounts") + ", " + md.digest());
    }

    /**
     * Whether a layer the store lacks can go to a registry export without being downloaded: it came from a cache in
     * another repository of the same registry, from which the push mounts it.
     */
    private boolean mountable(CacheSpec spec, Descriptor layer) {
        if (!spec.type().equals("registry") || store.blobs().has(layer.digest())
                || !(origins.get(layer.digest()) instanceof RegistryCacheLocation from)) {
            return false;
        }
        try {
            return dev.jbuild.oci.ImageReference.parse(spec.ref()).registry().equals(from.reference().registry());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The entries {@code key} comes from, first step first: the key's own, its parent's, and so on. */
    private Map<Digest, StepCache.Entry> chain(Digest key) throws IOException {
        List<StepCache.Entry> back = new ArrayList<>();
        java.util.Set<Digest> seen = new java.util.HashSet<>();
        for (Digest k = key; k != null && seen.add(k); ) {
            Optional<StepCache.Entry> e = store.steps().get(k);
            if (e.isEmpty()) {
                break;
            }
            back.add(e.get());
            k = e.get().parent();
        }
        Map<Digest, StepCache.Entry> out = new LinkedHashMap<>();
        for (int i = back.size() - 1; i >= 0; i--) {
            out.put(back.get(i).key(), back.get(i));
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (open) {
            for (CacheLocation l : open) {
                l.close();
            }
            open.clear();
        }
    }
}
