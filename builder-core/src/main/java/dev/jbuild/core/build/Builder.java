package dev.jbuild.core.build;

import dev.jbuild.core.cache.RemoteCache;
import dev.jbuild.core.context.DockerIgnore;
import dev.jbuild.core.context.IgnoreFileException;
import dev.jbuild.core.context.PatternMatcher;
import dev.jbuild.core.expand.ExpandedStage;
import dev.jbuild.core.expand.StageExpander;
import dev.jbuild.core.instructions.Instruction;
import dev.jbuild.core.instructions.Stage;
import dev.jbuild.core.instructions.Stages;
import dev.jbuild.dockerfile.DockerfileParser;
import dev.jbuild.dockerfile.DockerfileSyntaxException;
import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.dockerfile.ast.GoQuote;
import dev.jbuild.oci.ContainerConfig;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.Healthcheck;
import dev.jbuild.oci.History;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.RootFs;
import dev.jbuild.core.progress.BuildListener;
import dev.jbuild.core.progress.BuildSummary;
import dev.jbuild.core.progress.ProgressLines;
import dev.jbuild.core.progress.SerialListener;
import dev.jbuild.core.progress.StepInfo;
import dev.jbuild.store.Layer;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerWriter;
import dev.jbuild.store.Store;
import dev.jbuild.store.StoreLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds a Dockerfile into an image in the local store: plans the stages the target needs, runs
 * each instruction with BuildKit's semantics, writes layers, config and manifest, and tags.
 * Independent stages build in parallel ({@link StageScheduler}, at most {@code jobs} at once); what
 * the build writes does not depend on the schedule.
 */
public final class Builder {
    static final String HISTORY_COMMENT = "buildkit.dockerfile.v0";
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Store store;
    private final int jobs;

    /** A builder that works on as many stages at once as there are processors. */
    public Builder(Store store) {
        this(store, Runtime.getRuntime().availableProcessors());
    }

    /** @param jobs how many stages may be worked on at once ({@code --jobs}), at least 1 */
    public Builder(Store store, int jobs) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, not " + jobs);
        }
        this.store = store;
        this.jobs = jobs;
    }

    /** The state of one stage while it is built. */
    private static final class StageState {
        ImageConfig config;
        final List<Descriptor> layers = new ArrayList<>();
        FileTree tree = new FileTree();
        ExpandedStage expanded;
        String workdir = "";
        boolean cmdSet;
        /** The environment a RUN sees at this point: ENV and ARG values, in order (BuildKit's state env). */
        final Map<String, String> runEnv = new LinkedHashMap<>();
        /** The ARGs declared in this stage and its parent stages, for RUN's history text. */
        final Map<String, String> buildArgs = new LinkedHashMap<>();
        /** The cache key of the filesystem so far. */
        Digest key;
        /** Whether the stage has RUN steps. */
        boolean runs;
        /**
         * When the layer of this stage's latest step was made (RFC 3339): now for a step that ran, the time its
         * cache entry kept for a hit. Its history entry carries it; metadata entries get theirs at the end
         * ({@link HistoryTimes}).
         */
        String layerCreated;
        /** Whether the latest cache hit brought a layer. */
        boolean hitLayer;
        /** Whether a step of this stage (or of what it builds on) ran rather than hit the cache. */
        boolean missed;
        /** --no-cache or --no-cache-filter for this stage. */
        boolean noCache;
        /** The step being worked on (progress events), whether it came from the cache, and when it started. */
        StepInfo step;
        boolean stepCached;
        long stepStart;

        /** FROM --platform after expansion, else the build's target platform. */
        Platform expandedPlatform(StageExpander expander, Stage s, Platform fallback) throws BuildException {
            try {
                Platform p = expander.platform(s);
                return p == null ? fallback : p;
            } catch (DockerfileSyntaxException e) {
                throw new BuildException(e.getMessage(), e);
            }
        }
    }

    /** Builds, reporting to the request's line progress. */
    public BuildResult build(BuildRequest req) throws BuildException, IOException {
        return build(req, new ProgressLines(req.progress()));
    }

    /** Builds, reporting every step to {@code listener} (which receives one event at a time). */
    public BuildResult build(BuildRequest req, BuildListener listener) throws BuildException, IOException {
        long started = System.nanoTime();
        BuildListener events = new SerialListener(listener == null ? BuildListener.NONE : listener);
        if (req.dockerFormat() && !req.annotations().isEmpty()) {
            throw new BuildException("annotations need the OCI format: Docker schema 2 manifests have none");
        }
        Path dockerfilePath = req.dockerfilePath();
        String dfName = req.dockerfile() == null ? "Dockerfile" : dockerfilePath.toString();
        if (!Files.isDirectory(req.context())) {
            throw new BuildException("the build context " + req.context() + " is not a directory");
        }
        if (Files.isDirectory(dockerfilePath)) {
            throw new BuildException(dfName + ": is a directory, not a Dockerfile");
        }
        if (!Files.isRegularFile(dockerfilePath)) {
            throw new BuildException(dfName + ": no such file");
        }
        Stages stages;
        try {
            Dockerfile df = ParsedDockerfiles.parse(store, dockerfilePath, dfName, Files.readAllBytes(dockerfilePath));
            stages = Stages.of(df);
        } catch (DockerfileSyntaxException e) {
            throw new BuildException(e.getMessage(), e);
        }
        PatternMatcher ignore;
        try {
            ignore = DockerIgnore.loadMatcher(req.context(), dockerfilePath);
        } catch (IgnoreFileException e) {
            throw new BuildException(e.getMessage(), e);
        }
        Stage target;
        if (req.target() != null) {
            target = stages.find(req.target());
            if (target == null) {
                throw new BuildException("target stage \"" + req.target() + "\" could not be found");
            }
        } else {
            target = stages.stages().get(stages.stages().size() - 1);
        }
        Platform platform = req.platform() != null ? req.platform() : Platform.host();
        Instant epoch = req.sourceDateEpoch();
        Instant created = epoch != null ? epoch : Instant.now();
        StageExpander expander;
        try {
            expander = new StageExpander(stages, req.buildArgs(), Platform.host(), platform, target.displayName());
        } catch (DockerfileSyntaxException e) {
            throw new BuildException(e.getMessage(), e);
        }

        try (StoreLock lock = store.lockShared()) {
            // Named <prefix>.<pid>.<hex> so that the store removes it at the next open if this
            // process dies without cleaning up (SIGKILL). Created exclusively: the hex needs to be unique, not secret.
            Path scratch = Files.createDirectory(store.root().resolve("tmp").resolve("build."
                    + ProcessHandle.current().pid() + "."
                    + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextLong())));
            boolean ok = false;
            try {
                ContextFs context = new ContextFs(req.context(), ignore);
                Run run = new Run(req, stages, expander, context, scratch, platform, created, dfName, events);
                try (RemoteCache remote = run.remote) {
                    remote.load();
                    List<Stage> order = run.plan(target);
                    try {
                        run.execute(order);
                    } finally {
                        run.hasher.save();
                        run.copyMemo.save();
                        run.awaitUnpacks();
                    }
                    StageState st = run.states.get(target.index());
                    BuildResult result = finish(req, st, created, scratch, remote);
                    remote.export(st.key, run.states.values().stream().map(x -> x.key).toList());
                    events.buildDone(new BuildSummary(result.manifestDescriptor().digest().toString(),
                            result.imageId().toString(), result.tags(), run.steps.get(), run.cached.get(),
                            Duration.ofNanos(System.nanoTime() - started)));
                    ok = true;
                    return result;
                }
            } finally {
                if (!ok) {
                    deleteRecursively(scratch);
                }
            }
        }
    }

    private BuildResult finish(BuildRequest req, StageState st, Instant created, Path scratch, RemoteCache remote)
            throws IOException, BuildException {
        List<Digest> diffIds = st.config.rootfs() == null ? List.of() : st.config.rootfs().diffIds();
        for (int i = 0; i < st.layers.size(); i++) {
            remote.ensure(new Layer(st.layers.get(i), diffIds.get(i))); // the image's layers, fetched when imported
        }
        ImageConfig done = req.sourceDateEpoch() != null ? st.config.withCreated(OciJson.formatTime(created))
                : HistoryTimes.fill(st.config, OciJson.formatTime(created));
        ImageConfig config = remote.inline(done.withoutUnknownFields(), st.key);
        byte[] configJson = OciJson.write(config);
        Digest configDigest = store.blobs().put(configJson);
        String configType = req.dockerFormat() ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG;
        Descriptor configDesc = new Descriptor(configType, configDigest, configJson.length);
        Manifest manifest = req.dockerFormat()
                ? Manifest.docker(configDesc, st.layers)
                : Manifest.oci(configDesc, st.layers, req.annotations());
        byte[] manifestJson = OciJson.write(manifest);
        Digest manifestDigest = store.blobs().put(manifestJson);
        Descriptor manifestDesc = new Descriptor(manifest.mediaType(), manifestDigest, manifestJson.length);
        List<String> tags = new ArrayList<>();
        for (String t : req.tags()) {
            ImageReference ref;
            try {
                ref = ImageReference.parse(t);
            } catch (IllegalArgumentException e) {
                throw new BuildException("invalid tag \"" + t + "\": " + e.getMessage());
            }
            if (ref.tag() == null && ref.digest() == null) {
                ref = ref.withTag(ImageReference.DEFAULT_TAG);
            }
            store.images().tag(ref.toString(), manifestDigest);
            tags.add(ref.toString());
        }
        return new BuildResult(manifestDesc, manifest, config, configDigest, tags, new TreeFiles(st.tree), scratch);
    }

    /**
     * The final tree's files, read when first asked for (an export): a build that only tags never
     * reads the entries of the layers it took from the cache.
     */
    private static final class TreeFiles extends java.util.AbstractList<LayerEntry> {
        private FileTree tree;
        private List<LayerEntry> files;

        TreeFiles(FileTree tree) {
            this.tree = tree;
        }

        private synchronized List<LayerEntry> files() {
            if (files == null) {
                files = List.copyOf(tree.all());
                tree = null;
            }
            return files;
        }

        @Override
        public LayerEntry get(int index) {
            return files().get(index);
        }

        @Override
        public int size() {
            return files().size();
        }
    }

    /** One build: the stages' states and what they need. */
    private final class Run {
        final BuildRequest req;
        final Stages stages;
        final StageExpander expander;
        final ContextFs context;
        final Path scratch;
        /** RUN steps' upper and work directories, reused from step to step where possible. */
        final StepDirs stepDirs;
        final Platform platform;
        final Instant created;
        /** SOURCE_DATE_EPOCH: every new history entry and the image are stamped with it. */
        final boolean fixedTime;
        final String dfName;
        /** The stages built so far: a state appears here when its stage is done. */
        final Map<Integer, StageState> states = new java.util.concurrent.ConcurrentHashMap<>();
        final Map<String, ImageSource.Image> images = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<String, Object> imageLocks = new java.util.concurrent.ConcurrentHashMap<>();
        final ContentHasher hasher;
        final CopyMemo copyMemo;
        final RemoteCache remote;
        final BuildListener events;
        final StageScheduler scheduler = new StageScheduler(jobs);
        final java.util.concurrent.atomic.AtomicInteger stepIds = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger steps = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger cached = new java.util.concurrent.atomic.AtomicInteger();
        /** Whether the Dockerfile has several stages: step labels then name theirs, as BuildKit's do. */
        final boolean multiStage;

        Run(BuildRequest req, Stages stages, StageExpander expander, ContextFs context, Path scratch, Platform platform,
                Instant created, String dfName, BuildListener events) {
            this.events = events;
            this.multiStage = stages.stages().size() > 1;
            this.req = req;
            this.stages = stages;
            this.expander = expander;
            this.context = context;
            this.scratch = scratch;
            this.stepDirs = new StepDirs(scratch);
            this.platform = platform;
            this.created = created;
            this.fixedTime = req.sourceDateEpoch() != null;
            this.dfName = dfName;
            this.remote = new RemoteCache(store, req.cache().from(), req.cache().to(), req.registry(), platform,
                    req.sourceDateEpoch(), events::message);
            Path statCache = store.root().resolve("statcache").resolve(
                    Digest.sha256(context.root().toString().getBytes(StandardCharsets.UTF_8)).hex());
            this.copyMemo = new CopyMemo(statCache);
            // With a memo of this context's big COPYs, a no-op build keys the COPY from the memo of its walk and
            // never reads the stat cache (~20 ms of CPU beside the walk's two threads): it is read when one misses.
            this.hasher = new ContentHasher(statCache, !copyMemo.exists());
        }

        BuildException error(Instruction ins, String message) {
            return new BuildException(dfName + ":" + ins.range().startLine() + ": " + ins.source() + ": " + message);
        }

        /** The stages the target needs, dependencies first; unused stages are never run. */
        List<Stage> plan(Stage target) throws BuildException {
            List<Stage> order = new ArrayList<>();
            visit(target, new LinkedHashSet<>(), new java.util.HashSet<>(), order);
            return order;
        }

        private void visit(Stage s, LinkedHashSet<Integer> path, Set<Integer> done, List<Stage> order)
                throws BuildException {
            if (done.contains(s.index())) {
                return;
            }
            if (!path.add(s.index())) {
                StringBuilder cycle = new StringBuilder();
                for (int i : path) {
                    cycle.append(stages.stages().get(i).displayName()).append(" -> ");
                }
                throw new BuildException("circular dependency between stages: " + cycle + s.displayName());
            }
            for (Stage dep : dependencies(s)) {
                visit(dep, path, done, order);
            }
            path.remove(s.index());
            done.add(s.index());
            order.add(s);
        }

        private List<Stage> dependencies(Stage s) throws BuildException {
            List<Stage> deps = new ArrayList<>();
            Stage base = baseStage(s);
            if (base != null) {
                deps.add(base);
            }
            for (Instruction ins : s.instructions()) {
                if (ins instanceof Instruction.Copy c && !c.from().isEmpty()) {
                    Stage from = stageRef(c.from(), s);
                    if (from != null && from.index() != s.index()) {
                        deps.add(from);
                    }
                } else if (ins instanceof Instruction.Run r) {
                    for (dev.jbuild.core.instructions.Mount m : r.mounts()) {
                        Stage from = m.from().isEmpty() ? null : stageRef(m.from(), s);
                        if (from != null && from.index() != s.index()) {
                            deps.add(from);
                        }
                    }
                }
            }
            return deps;
        }

        /**
         * Builds the planned stages: each starts when the stage it builds on is done, and waits for the stages it
         * copies or mounts from only at the step that needs them.
         */
        void execute(List<Stage> order) throws BuildException, IOException {
            for (Stage s : order) {
                Stage base = baseStage(s);
                scheduler.add(s.index(), base == null ? -1 : base.index(), s.displayName(), () -> buildStage(s));
            }
            scheduler.start();
            scheduler.finish();
        }

        /** A stage's final state, once it is built (waiting for it, without a work slot, when it is not yet). */
        StageState built(Stage from, Instruction ins) throws BuildException, IOException {
            StageState st = states.get(from.index());
            if (st != null) {
                return st;
            }
            try {
                scheduler.await(from.index());
            } catch (IllegalStateException notPlanned) {
                throw error(ins, "stage " + from.displayName() + " is not built before this step");
            }
            return states.get(from.index());
        }

        String stageLabel(Stage s) {
            return multiStage ? s.displayName() : "";
        }

        /** Starts a step: a progress event, and the state that fromCache marks a hit in. */
        void beginStep(StageState st, StepInfo step) {
            st.step = step;
            st.stepCached = false;
            st.stepStart = System.nanoTime();
            events.stepStarted(step);
        }

        void endStep(StageState st) {
            steps.incrementAndGet();
            if (st.stepCached) {
                cached.incrementAndGet();
            }
            events.stepDone(st.step, Duration.ofNanos(System.nanoTime() - st.stepStart));
            st.step = null;
        }

        void failStep(StageState st, Throwable e) {
            if (st.step != null) {
                String why = e instanceof StageScheduler.Cancelled ? "cancelled"
                        : e.getMessage() == null ? e.toString() : e.getMessage();
                events.stepFailed(st.step, why, Duration.ofNanos(System.nanoTime() - st.stepStart));
                st.step = null;
            }
        }

        /** Instructions that are steps of their own (BuildKit's vertices); the others only change the config. */
        boolean isStep(Instruction ins) {
            return ins instanceof Instruction.Run || ins instanceof Instruction.Copy || ins instanceof Instruction.Add
                    || ins instanceof Instruction.Workdir;
        }

        /** Waits for the stages a step copies or mounts from. */
        private void awaitSources(Stage s, Instruction ins) throws BuildException, IOException {
            List<String> froms = new ArrayList<>();
            if (ins instanceof Instruction.Copy c && !c.from().isEmpty()) {
                froms.add(c.from());
            } else if (ins instanceof Instruction.Run r) {
                for (dev.jbuild.core.instructions.Mount m : r.mounts()) {
                    if (!m.from().isEmpty()) {
                        froms.add(m.from());
                    }
                }
            }
            for (String from : froms) {
                Stage dep = stageRef(from, s);
                if (dep != null && dep.index() != s.index()) {
                    built(dep, ins);
                }
            }
        }

        /** Dispatches an instruction, as a step of its own when it is one. */
        void step(StageState st, Stage s, Instruction ins, int[] index, int total, int line, String text)
                throws BuildException, IOException {
            scheduler.checkCancelled();
            if (!isStep(ins)) {
                dispatch(st, s, ins);
                return;
            }
            awaitSources(s, ins); // before the step starts: its time is its own work, not the wait
            beginStep(st, new StepInfo(stepIds.incrementAndGet(), stageLabel(s), s.index(), ++index[0], total, line,
                    text));
            try {
                dispatch(st, s, ins);
            } catch (BuildException | IOException | RuntimeException e) {
                failStep(st, e);
                throw e;
            }
            endStep(st);
        }

        /** The stage a FROM names: only an earlier stage, as in BuildKit. */
        Stage baseStage(Stage s) throws BuildException {
            String name;
            try {
                name = expander.baseName(s);
            } catch (DockerfileSyntaxException e) {
                throw new BuildException(e.getMessage(), e);
            }
            Stage base = stages.find(name);
            if (base != null && base.index() < s.index() && base.name() != null
                    && base.name().equals(name.toLowerCase(Locale.ROOT))) {
                return base;
            }
            return null;
        }

        /** A --from value as a stage (by name, or by index of an earlier stage), or null for an image. */
        Stage stageRef(String from, Stage user) {
            for (Stage st : stages.stages()) {
                if (st.name() != null && st.name().equals(from.toLowerCase(Locale.ROOT))) {
                    return st;
                }
            }
            try {
                int i = Integer.parseInt(from);
                if (i >= 0 && i < stages.stages().size()) {
                    return stages.stages().get(i);
                }
            } catch (NumberFormatException e) {
                // an image reference
            }
            return null;
        }

        /**
         * Builds a stage: its FROM step (loading or pulling the base image) starts at once, so that a display shows
         * it while it runs; then its steps.
         */
        void buildStage(Stage s) throws BuildException, IOException {
            StageState st = new StageState();
            for (Instruction ins : s.instructions()) {
                st.runs |= ins instanceof Instruction.Run;
            }
            int fromLine = s.from().range().startLine();
            String from;
            try {
                from = "FROM " + expander.baseName(s);
            } catch (DockerfileSyntaxException e) {
                throw new BuildException(e.getMessage(), e);
            }
            int total = 1;
            for (Instruction ins : s.instructions()) {
                total += isStep(ins) ? 1 : 0;
            }
            int[] index = {0};
            beginStep(st, new StepInfo(stepIds.incrementAndGet(), stageLabel(s), s.index(), ++index[0], total,
                    fromLine, from));
            List<Instruction> triggered;
            try {
                triggered = setUp(s, st);
            } catch (BuildException | IOException | RuntimeException e) {
                failStep(st, e);
                throw e;
            }
            endStep(st);
            for (Instruction ins : triggered) {
                total += isStep(ins) ? 1 : 0; // the base image's ONBUILD steps, known only now
            }
            try {
                for (Instruction ins : triggered) {
                    step(st, s, ins, index, total, fromLine, "ONBUILD " + ins.source());
                }
                for (Instruction ins : st.expanded.instructions()) {
                    step(st, s, ins, index, total, ins.range().startLine(), ins.source());
                }
            } finally {
                st.step = null;
            }
            states.put(s.index(), st);
        }

        /** The stage's state after FROM: the base's files, config and environment; answers its ONBUILD steps. */
        private List<Instruction> setUp(Stage s, StageState st) throws BuildException, IOException {
            Stage baseStage = baseStage(s);
            List<String> baseEnv = null;
            ExpandedStage parentExpanded = null;
            String baseName;
            try {
                baseName = expander.baseName(s);
            } catch (DockerfileSyntaxException e) {
                throw new BuildException(e.getMessage(), e);
            }
            List<String> onbuild = List.of();
            st.noCache = req.cache().noCache() || req.cache().noCacheStages().contains(s.displayName())
                    || req.cache().noCacheStages().contains(Integer.toString(s.index()))
                    || (s.name() != null && req.cache().noCacheStages().contains(s.name()));
            if (baseStage != null) {
                StageState parent = states.get(baseStage.index());
                st.key = parent.key;
                st.missed = parent.missed;
                st.config = parent.config;
                st.layers.addAll(parent.layers);
                st.tree = parent.tree.copy();
                st.workdir = parent.workdir;
                st.runEnv.putAll(parent.runEnv);
                st.buildArgs.putAll(parent.buildArgs);
                parentExpanded = parent.expanded;
            } else if (baseName.equalsIgnoreCase("scratch")) {
                st.key = StepKey.root("scratch " + platform.format());
                st.config = ImageConfig.forPlatform(platform);
            } else {
                Platform stagePlatform = st.expandedPlatform(expander, s, platform);
                boolean runs = s.instructions().stream().anyMatch(i -> i instanceof Instruction.Run);
                ImageSource.Image image = image(baseName, s.from(), stagePlatform, runs);
                st.key = StepKey.root("image " + image.manifestDigest());
                st.config = image.config().withoutUnknownFields().withCreated(null);
                st.layers.addAll(image.layers());
                st.tree = image.tree().copy();
                baseEnv = st.config.config() == null ? List.of() : st.config.config().env();
                String wd = st.config.config() == null ? null : st.config.config().workingDir();
                st.workdir = wd == null ? "" : FileTree.clean(wd);
                onbuild = st.config.config() == null ? List.of() : st.config.config().onBuild();
            }
            ContainerConfig cc = st.config.config() == null ? ContainerConfig.EMPTY : st.config.config();
            if (cc.env().stream().noneMatch(e -> e.startsWith("PATH="))) {
                List<String> env = new ArrayList<>(cc.env());
                env.add(DEFAULT_PATH);
                cc = cc.withEnv(env);
                if (baseEnv != null) {
                    baseEnv = env;
                }
            }
            if (!onbuild.isEmpty()) {
                cc = cc.withOnBuild(List.of());
            }
            st.config = st.config.withConfig(cc);
            if (baseStage == null) {
                for (String e : cc.env()) {
                    int eq = e.indexOf('=');
                    st.runEnv.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
                }
            } else if (cc.env().contains(DEFAULT_PATH) && !st.runEnv.containsKey("PATH")) {
                st.runEnv.put("PATH", DEFAULT_PATH.substring(5));
            }
            try {
                st.expanded = expander.expand(s, parentExpanded, baseEnv == null && parentExpanded == null
                        ? cc.env() : baseEnv);
            } catch (DockerfileSyntaxException e) {
                throw new BuildException(e.getMessage(), e);
            }
            return onbuild.isEmpty() ? List.of() : triggers(st, s, onbuild);
        }

        /** The base image's ONBUILD triggers as instructions of this stage. */
        private List<Instruction> triggers(StageState st, Stage s, List<String> triggers) throws BuildException {
            StringBuilder text = new StringBuilder("FROM scratch\n");
            for (String t : triggers) {
                text.append(t).append('\n');
            }
            Stages parsed;
            try {
                parsed = Stages.of(DockerfileParser.parse(dfName + " (ONBUILD of " + s.from().baseName() + ")",
                        text.toString()));
            } catch (DockerfileSyntaxException e) {
                throw new BuildException(e.getMessage(), e);
            }
            StageExpander ex = new StageExpander(parsed, req.buildArgs(), Platform.host(), platform, null);
            return ex.expand(parsed.stages().get(0), st.expanded, null).instructions();
        }

        ImageSource.Image image(String name, Instruction where, Platform want) throws BuildException, IOException {
            return image(name, where, want, false);
        }

        /**
         * The image NAME for a stage; UNPACK: the stage has RUN steps, so the layers' rootfs snapshots are made in
         * the background as soon as each layer is in the store, while the build reads the layers' entries (a
         * second pass over each layer) and works out the first steps' keys; the first RUN waits for them.
         */
        ImageSource.Image image(String name, Instruction where, Platform want, boolean unpack)
                throws BuildException, IOException {
            String key = name + "@" + want.format();
            ImageSource.Image img = images.get(key);
            if (img != null) {
                return img;
            }
            // Stages that name the same image load (or pull) it once.
            synchronized (imageLocks.computeIfAbsent(key, k -> new Object())) {
                img = images.get(key);
                if (img == null) {
                    try {
                        img = new ImageSource(store, req.registry(), req.pull(), events::message).load(name, want,
                                unpack ? this::unpackInBackground : layer -> null);
                    } catch (BuildException e) {
                        throw error(where, e.getMessage());
                    }
                    images.put(key, img);
                }
            }
            return img;
        }

        /** One thread for all background unpacks: each is bound by the disk, and the build goes on meanwhile. */
        private final java.util.concurrent.ExecutorService unpacker = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jbuild-unpack");
            t.setDaemon(true); // an unpack cut short (the JVM exits) leaves a temp dir that the next one removes
            return t;
        });

        /**
         * Waits for the background unpacks (a build that ends before its RUN steps, failed or cached, must not leave
         * a thread writing into the store); an interrupted wait returns at once, the unpack going on.
         */
        void awaitUnpacks() {
            unpacker.shutdown();
            try {
                while (!unpacker.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                    // a big layer on a slow disk: keep waiting
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The unpack started for a layer this store has not read before, or null. */
        private java.util.concurrent.Future<?> unpackInBackground(Layer layer) {
            if (LayerFiles.local(store, layer)) {
                // A layer this store has read before: its snapshot was made then if a RUN needed it, and a no-op
                // build must not pay for the probe (and the native-call library) that a snapshot lookup costs.
                return null;
            }
            return unpacker.submit(() -> {
                try {
                    // The layer's index, from the entries the unpack reads anyway.
                    store.rootfs().ensure(layer, headers -> {
                        try {
                            LayerIndex.write(store.root(), layer.diffId(), headers, null);
                        } catch (IOException | IllegalArgumentException unusual) {
                            // no index (a layer with duplicate paths and the like): its entries are read from it
                        }
                    });
                } catch (IOException | RuntimeException e) {
                    // the RUN that needs the snapshot makes it again and reports the failure
                }
            });
        }

        private void dispatch(StageState st, Stage s, Instruction ins) throws BuildException, IOException {
            ContainerConfig cc = st.config.config() == null ? ContainerConfig.EMPTY : st.config.config();
            if (ins instanceof Instruction.Env e) {
                List<String> env = new ArrayList<>(cc.env());
                StringBuilder msg = new StringBuilder("ENV");
                for (Instruction.KeyValue kv : e.env()) {
                    addEnv(env, kv.key(), kv.value());
                    st.runEnv.remove(kv.key());
                    st.runEnv.put(kv.key(), kv.value());
                    msg.append(' ').append(kv.key()).append('=').append(kv.value());
                }
                commit(st, cc.withEnv(env), msg.toString());
            } else if (ins instanceof Instruction.Label l) {
                Map<String, String> labels = new TreeMap<>(cc.labels());
                StringBuilder msg = new StringBuilder("LABEL");
                for (Instruction.KeyValue kv : l.labels()) {
                    labels.put(kv.key(), kv.value());
                    msg.append(' ').append(kv.key()).append('=').append(kv.value());
                }
                commit(st, cc.withLabels(labels), msg.toString());
            } else if (ins instanceof Instruction.Arg a) {
                List<String> parts = new ArrayList<>();
                for (Instruction.ArgDefinition d : a.args()) {
                    parts.add(d.value() == null ? d.key() : d.key() + "=" + d.value());
                    st.buildArgs.remove(d.key());
                    st.buildArgs.put(d.key(), d.value());
                    if (d.value() != null) {
                        st.runEnv.remove(d.key());
                        st.runEnv.put(d.key(), d.value());
                    }
                }
                commit(st, cc, "ARG " + String.join(" ", parts));
            } else if (ins instanceof Instruction.Maintainer m) {
                st.config = st.config.withAuthor(m.maintainer());
                commit(st, cc, "MAINTAINER " + m.maintainer());
            } else if (ins instanceof Instruction.Workdir w) {
                workdir(st, cc, w);
            } else if (ins instanceof Instruction.User u) {
                commit(st, cc.withUser(u.user()), "USER " + u.user());
            } else if (ins instanceof Instruction.Expose e) {
                Set<String> ports = new TreeSet<>(cc.exposedPorts());
                List<String> added = new ArrayList<>();
                for (String p : e.ports()) {
                    List<String> expanded;
                    try {
                        expanded = Ports.parse(p);
                    } catch (BuildException ex) {
                        throw error(ins, ex.getMessage());
                    }
                    ports.addAll(expanded);
                    added.addAll(expanded);
                }
                commit(st, cc.withExposedPorts(ports), "EXPOSE " + goList(added));
            } else if (ins instanceof Instruction.Volume v) {
                Set<String> vols = new TreeSet<>(cc.volumes());
                vols.addAll(v.volumes());
                commit(st, cc.withVolumes(vols), "VOLUME " + goList(v.volumes()));
            } else if (ins instanceof Instruction.StopSignal sig) {
                String bad = Signals.check(sig.signal());
                if (bad != null) {
                    throw error(ins, bad);
                }
                commit(st, cc.withStopSignal(sig.signal()), "STOPSIGNAL " + sig.signal());
            } else if (ins instanceof Instruction.Shell sh) {
                commit(st, cc.withShell(sh.shell()), "SHELL " + goList(sh.shell()));
            } else if (ins instanceof Instruction.Cmd c) {
                List<String> args = c.command().prependShell() ? withShell(cc, c.command().args()) : c.command().args();
                st.cmdSet = true;
                commit(st, cc.withCmd(args).withArgsEscaped(true), "CMD " + goQuotedList(args));
            } else if (ins instanceof Instruction.Entrypoint e) {
                List<String> args = e.command().prependShell() ? withShell(cc, e.command().args())
                        : e.command().args();
                ContainerConfig next = cc.withEntrypoint(args);
                if (!st.cmdSet) {
                    next = next.withCmd(null);
                }
                commit(st, next, "ENTRYPOINT " + goQuotedList(args));
            } else if (ins instanceof Instruction.Healthcheck h) {
                Healthcheck hc = new Healthcheck(h.test(), h.interval(), h.timeout(), h.startPeriod(),
                        h.startInterval(), h.retries());
                commit(st, cc.withHealthcheck(hc), "HEALTHCHECK " + healthcheckString(hc));
            } else if (ins instanceof Instruction.Onbuild o) {
                List<String> triggers = new ArrayList<>(cc.onBuild());
                triggers.add(o.expression());
                st.config = st.config.withConfig(cc.withOnBuild(triggers));
            } else if (ins instanceof Instruction.Copy c) {
                copy(st, s, ins, c.sources(), c.contents(), c.destination(), c.from(), c.chown(), c.chmod(),
                        c.link(), c.parents(), c.excludes(), false, false, List.of(), c.sources());
            } else if (ins instanceof Instruction.Add a) {
                List<String> paths = new ArrayList<>();
                List<CopyExecutor.Content> downloads = new ArrayList<>();
                for (String src : a.sources()) {
                    if (UrlSource.isUrl(src)) {
                        try {
                            downloads.add(UrlSource.download(src, a.checksum(), scratch));
                        } catch (BuildException e) {
                            throw error(ins, e.getMessage());
                        }
                    } else if (src.startsWith("git@") || src.endsWith(".git") && src.contains("://")) {
                        throw error(ins, "ADD of a git repository is not supported yet");
                    } else {
                        if (!a.checksum().isEmpty()) {
                            throw error(ins, "checksum can't be specified for non-HTTP(S) sources");
                        }
                        paths.add(src);
                    }
                }
                copy(st, s, ins, paths, a.contents(), a.destination(), "", a.chown(), a.chmod(), a.link(),
                        false, a.excludes(), true, a.unpack() == null || a.unpack(), downloads, a.sources());
            } else if (ins instanceof Instruction.Run r) {
                run(st, s, r, cc);
            } else {
                throw error(ins, "unsupported instruction " + ins.name());
            }
        }

        private void commit(StageState st, ContainerConfig cc, String createdBy) {
            st.config = st.config.withConfig(cc).appendHistory(history(st, createdBy, true));
        }

        /**
         * A history entry of this build. One with a layer has the layer's time ({@link StageState#layerCreated});
         * a metadata one has none until the image is finished ({@link HistoryTimes}), as in BuildKit, where
         * a rebuild from the cache gives an identical image. With SOURCE_DATE_EPOCH, every one has the epoch.
         */
        private History history(StageState st, String createdBy, boolean emptyLayer) {
            String when = fixedTime ? OciJson.formatTime(created) : emptyLayer ? null : st.layerCreated;
            return new History(when, createdBy, null, HISTORY_COMMENT, emptyLayer);
        }

        private void workdir(StageState st, ContainerConfig cc, Instruction.Workdir w) throws BuildException, IOException {
            String wd = w.path();
            String abs = wd.startsWith("/") ? FileTree.clean(wd) : FileTree.clean(FileTree.join(st.workdir, wd));
            st.workdir = abs;
            ContainerConfig next = cc.withWorkingDir("/" + abs);
            boolean withLayer = false;
            if (!abs.isEmpty()) {
                Users.Ids owner = cc.user() == null ? new Users.Ids(0, 0) : resolveUser(w, cc.user(), st.tree);
                String target = st.tree.resolve(abs, true);
                List<LayerEntry> created = new ArrayList<>();
                String dir = "";
                for (String part : FileTree.split(target)) {
                    dir = FileTree.join(dir, part);
                    LayerEntry e = st.tree.get(dir);
                    if (e == null) {
                        created.add(LayerEntry.directory(dir, 0755, owner.uid(), owner.gid(), this.created));
                    } else if (e.type() != LayerEntry.Type.DIRECTORY) {
                        throw error(w, "cannot create directory /" + dir + ": a file is in the way");
                    }
                }
                if (!created.isEmpty()) {
                    List<LayerEntry> entries = new ArrayList<>();
                    String first = FileTree.parent(created.get(0).path());
                    for (String p = first; !p.isEmpty(); p = FileTree.parent(p)) {
                        entries.add(st.tree.get(p));
                    }
                    entries.addAll(created);
                    StepKey k = key(st, "WORKDIR /" + abs);
                    entryInputs(k, entries);
                    if (!fromCache(st, k)) {
                        record(st, k, writeLayer(st, entries));
                    }
                    withLayer = true;
                }
            }
            st.config = st.config.withConfig(next).appendHistory(history(st, "WORKDIR /" + abs, !withLayer));
        }

        private Users.Ids resolveUser(Instruction ins, String user, FileTree tree) throws BuildException {
            try {
                return Users.resolve(user, tree);
            } catch (BuildException e) {
                throw error(ins, e.getMessage());
            }
        }

        private void copy(StageState st, Stage s, Instruction ins, List<String> sources,
                List<Instruction.SourceContent> contents, String dest, String from, String chown, String chmod,
                boolean link, boolean parents, List<String> excludes, boolean add, boolean unpack,
                List<CopyExecutor.Content> downloads, List<String> declaredSources) throws BuildException, IOException {
            SourceFs fs = context;
            List<Descriptor> fromLayers = null;
            if (!from.isEmpty()) {
                Stage fromStage = stageRef(from, s);
                if (fromStage != null) {
                    if (fromStage.index() == s.index()) {
                        throw error(ins, "circular dependency: stage " + s.displayName() + " copies from itself");
                    }
                    StageState fst = built(fromStage, ins);
                    fs = new TreeFs(fst.tree, "stage " + fromStage.displayName());
                    fromLayers = List.copyOf(fst.layers);
                } else {
                    ImageSource.Image img = image(from, ins, platform);
                    fs = new TreeFs(img.tree(), "image " + from);
                    fromLayers = img.layers();
                }
            }
            StringBuilder msg = new StringBuilder(add ? "ADD" : "COPY");
            if (parents) {
                msg.append(" --parents");
            }
            if (!chown.isEmpty()) {
                msg.append(" --chown=").append(chown);
            }
            if (!chmod.isEmpty()) {
                msg.append(" --chmod=").append(chmod);
            }
            for (String src : declaredSources) {
                msg.append(' ').append(src);
            }
            for (Instruction.SourceContent c : contents) {
                msg.append(" <<").append(c.path());
            }
            msg.append(' ').append(dest).append(" # buildkit");
            String keyInstruction = msg + (from.isEmpty() ? "" : " (from " + from + ")") + (link ? " --link" : "")
                    + (excludes.isEmpty() ? "" : " --exclude=" + String.join(",", excludes));
            // A COPY --from whose layers and whose source's layers are those of an earlier build has the step key it
            // had then: looked up without reading either tree (a thousand files' entries and digests).
            Digest stepMemo = fromLayers == null || add || !contents.isEmpty() || !downloads.isEmpty() || st.noCache
                    ? null : StepKey.memo("COPY --from", key(st, keyInstruction).key().toString(), st.workdir, dest,
                            String.join("\u0000", sources), layerList(st.layers), layerList(fromLayers));
            if (stepMemo != null && fromMemo(st, stepMemo, msg.toString())) {
                return;
            }
            // A big COPY from the context whose sources walk as they did when this step was last made after the same
            // layers: the step key it had then, without mapping each entry to its destination and keying it.
            boolean fromContext = from.isEmpty() && !add && contents.isEmpty() && downloads.isEmpty() && !st.noCache;
            Digest walkMemo = fromContext && copyMemo.exists()
                    ? contextCopyMemo(st, keyInstruction, sources, dest) : null;
            if (walkMemo != null && fromMemo(st, walkMemo, msg.toString())) {
                return;
            }
            hasher.prepare(); // read while the copy maps its entries
            Users.Ids owner = chown.isEmpty() ? null : resolveUser(ins, chown, st.tree);
            ChmodSpec mode = null;
            if (!chmod.isEmpty()) {
                try {
                    mode = ChmodSpec.parse(chmod);
                } catch (BuildException e) {
                    throw error(ins, e.getMessage());
                }
            }
            PatternMatcher ex = null;
            if (!excludes.isEmpty()) {
                try {
                    ex = PatternMatcher.compile(excludes);
                } catch (IgnoreFileException e) {
                    throw error(ins, "invalid --exclude: " + e.getMessage());
                }
            }
            List<CopyExecutor.Content> inline = new ArrayList<>(downloads);
            for (Instruction.SourceContent c : contents) {
                inline.add(CopyExecutor.Content.heredoc(c.path(), c.data(), created));
            }
            CopyExecutor.Spec spec = new CopyExecutor.Spec(sources, inline, dest, st.workdir, fs, owner, mode, parents,
                    link, ex, add, unpack, created);
            List<LayerEntry> entries;
            try {
                entries = new CopyExecutor(st.tree, scratch).run(spec);
            } catch (BuildException e) {
                throw error(ins, e.getMessage());
            }
            StepKey k = key(st, keyInstruction);
            // A big COPY of unchanged files: the inputs its fingerprint had last time (see CopyMemo). Without any
            // memo for this context (a first build), no fingerprint is taken unless one is to be remembered.
            boolean big = from.isEmpty() && entries.size() > CopyMemo.MIN_ENTRIES;
            Digest fingerprint = big && !copyMemo.isEmpty() ? CopyMemo.fingerprint(entries) : null;
            List<dev.jbuild.store.StepCache.Input> memo = fingerprint == null ? null : copyMemo.get(fingerprint);
            boolean known = memo != null || hasher.allKnown(entries);
            // Whether the key's file inputs are the stat cache's digests for the stamps walked (see CopyMemo).
            boolean trusted;
            if (!known && !cacheMayHold(st, k)) {
                // No cached step can match: write the layer first, digesting each file as the writer reads it,
                // so that a cold COPY reads its sources once instead of hashing them and then reading them again.
                Layer layer = copyLayer(ins, () -> writeLayer(st, entries, hasher.capturing(entries)));
                int before = k.inputs().size();
                entryInputs(k, entries);
                explainMiss(st, k);
                record(st, k, layer);
                // Remembered now when the stat cache has every file (they were digested as the layer was written),
                // so that the first no-op build is as fast as the next ones.
                trusted = big && hasher.allKnown(entries);
                if (trusted) {
                    Digest fp = CopyMemo.fingerprint(entries);
                    if (fp != null) {
                        copyMemo.put(fp, k.inputs().subList(before, k.inputs().size()));
                    }
                }
            } else {
                trusted = known;
                if (memo != null) {
                    for (dev.jbuild.store.StepCache.Input i : memo) {
                        k.input(i.name(), i.digest());
                    }
                } else {
                    int before = k.inputs().size();
                    entryInputs(k, entries);
                    if (known && big) {
                        copyMemo.put(fingerprint != null ? fingerprint : CopyMemo.fingerprint(entries),
                                k.inputs().subList(before, k.inputs().size()));
                    }
                }
                if (!fromCache(st, k)) {
                    Digest previous = previousLayer(st, k);
                    record(st, k, copyLayer(ins, () -> writeLayer(st, entries, entries, previous)));
                }
            }
            if (stepMemo != null) {
                store.steps().putMemo(stepMemo, st.key);
            }
            if (fromContext && big && trusted) {
                Digest m = walkMemo != null ? walkMemo : contextCopyMemo(st, keyInstruction, sources, dest);
                if (m != null) {
                    store.steps().putMemo(m, st.key);
                }
            }
            st.config = st.config.appendHistory(history(st, msg.toString(), false));
        }

        /** Applies the cached step a memo names, with its history entry (true), when the cache still has it. */
        private boolean fromMemo(StageState st, Digest memo, String createdBy) throws IOException {
            java.util.Optional<Digest> remembered = store.steps().memo(memo);
            if (remembered.isPresent() && cached(st, remembered.get())) {
                st.config = st.config.appendHistory(history(st, createdBy, false));
                return true;
            }
            return false;
        }

        /**
         * The memo of a COPY from the context whose sources are all directories (no pattern): the step's key
         * before its inputs, the layers it copies onto, the destination, and each source's resolved path, own
         * metadata and the fingerprint of its walk (every entry's path, kind, mode, size and stamp; see
         * {@link CopyMemo#fingerprint}). What the COPY makes is a function of these, and its files' digests are the
         * stat cache's for those stamps. Null when a source is not such a directory, or the walks are small, or an
         * entry has no stamp.
         */
        private Digest contextCopyMemo(StageState st, String keyInstruction, List<String> sources, String dest)
                throws BuildException {
            List<String> parts = new ArrayList<>();
            parts.add("COPY context");
            parts.add(key(st, keyInstruction).key().toString());
            parts.add(st.workdir);
            parts.add(dest);
            parts.add(layerList(st.layers));
            int entries = 0;
            for (String src : sources) {
                if (Glob.hasMeta(src)) {
                    return null;
                }
                SourceFs.Stat top = context.stat(src, true);
                if (top == null || !top.isDirectory()) {
                    return null;
                }
                List<LayerEntry> walk = context.walk(src);
                entries += walk.size();
                Digest fp = CopyMemo.fingerprint(walk);
                if (fp == null) {
                    return null;
                }
                parts.add(src + "\u0000" + context.resolve(src) + "\u0000" + top.mode() + " " + top.uid() + ":"
                        + top.gid() + " " + top.mtime() + "\u0000" + fp);
            }
            return entries > CopyMemo.MIN_ENTRIES ? StepKey.memo(parts.toArray(new String[0])) : null;
        }

        private static String layerList(List<Descriptor> layers) {
            StringBuilder sb = new StringBuilder();
            for (Descriptor d : layers) {
                sb.append(d.digest()).append('\n');
            }
            return sb.toString();
        }

        private interface LayerWrite {
            Layer write() throws IOException;
        }

        /**
         * A COPY/ADD layer written: a source that changed while it was read (or an entry the layer cannot hold)
         * is the instruction's failure, said with its line; no blob was committed.
         */
        private Layer copyLayer(Instruction ins, LayerWrite w) throws BuildException {
            try {
                return w.write();
            } catch (IOException | IllegalArgumentException e) {
                throw error(ins, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }

        private dev.jbuild.executor.Executor executor;

        private synchronized dev.jbuild.executor.Executor executor() throws IOException {
            if (executor == null) {
                executor = dev.jbuild.executor.Executors.forName(req.run().runtime(), store.root());
            }
            return executor;
        }

        private void run(StageState st, Stage s, Instruction.Run r, ContainerConfig cc)
                throws BuildException, IOException {
            if (r.security().equals("insecure") && !req.run().entitlements().contains("security.insecure")) {
                throw error(r, "RUN --security=insecure needs the build to be started with --allow security.insecure");
            }
            // BuildKit's network.host entitlement covers every step on the host network by request (RUN
            // --network=host, or the build's --network=host, for which buildx grants it), not the default network.
            String network = r.network().equals("default") ? req.run().network() : r.network();
            if (network.equals("host") && !req.run().entitlements().contains("network.host")) {
                throw error(r, (r.network().equals("host") ? "RUN --network=host" : "the build's --network=host")
                        + " needs the build to be started with --allow network.host");
            }
            List<dev.jbuild.executor.Mount> mounts = new ArrayList<>();
            Map<String, String> env = new LinkedHashMap<>(st.runEnv);
            env.putAll(expander.proxyEnv());
            List<RunStep.CacheLock> locks = new ArrayList<>();
            List<StepInput> runInputs = new ArrayList<>();
            java.util.Set<String> secretEnv = new java.util.HashSet<>();
            for (dev.jbuild.core.instructions.Mount m : r.mounts()) {
                if (m.type().equals("secret") && m.env() != null) {
                    secretEnv.add(m.env());
                }
            }
            try {
                for (dev.jbuild.core.instructions.Mount m : r.mounts()) {
                    runInputs.add(new StepInput("mount " + m.target(), Digest.sha256(mountSpec(m)
                            .getBytes(StandardCharsets.UTF_8))));
                    mount(st, s, r, m, mounts, env, locks, runInputs);
                }
                List<String> args = RunStep.commandLine(r, cc.shell(), scratch, mounts);
                String history = RunStep.historyText(args, st.buildArgs, st.runEnv);
                Users.Ids ids = cc.user() == null ? new Users.Ids(0, 0) : resolveUser(r, cc.user(), st.tree);
                if (!env.containsKey("HOME")) {
                    // runc sets HOME from the container's /etc/passwd when the image does not, so BuildKit's RUN has it.
                    env.put("HOME", Users.home(ids.uid(), st.tree));
                }
                List<Long> groups = Users.supplementaryGroups(cc.user() == null ? "0" : cc.user(), ids, st.tree);
                // A secret's value never reaches the key; HOME does, as it is part of the environment.
                List<String> envList = new ArrayList<>();
                env.forEach((k, v) -> envList.add(k + "=" + v));
                Path resolv = scratch.resolve("resolv.conf");
                Path hosts = scratch.resolve("hosts");
                synchronized (this) { // written once, complete before any step mounts them
                    if (!Files.exists(resolv)) {
                        Path host = Path.of("/etc/resolv.conf");
                        Files.writeString(resolv, Files.isReadable(host) ? Files.readString(host) : "");
                    }
                    if (!Files.exists(hosts)) {
                        Files.writeString(hosts, "127.0.0.1\tlocalhost " + RunStep.HOSTNAME
                                + "\n::1\tlocalhost ip6-localhost ip6-loopback\n");
                    }
                }
                // The bare command: build args are inputs of their own, so a change is named as such.
                StepKey k = key(st, "RUN " + String.join(" ", args));
                k.input("user", ids.uid() + ":" + ids.gid() + " " + groups);
                k.input("workdir", "/" + st.workdir);
                k.input("network", network);
                k.input("security", r.security());
                for (Map.Entry<String, String> e : env.entrySet()) {
                    if (secretEnv.contains(e.getKey())) {
                        continue; // a secret's value never reaches a key or the store; its mount (id) is an input
                    }
                    boolean arg = st.buildArgs.containsKey(e.getKey());
                    k.input((arg ? "build arg " : "env ") + e.getKey(), e.getValue());
                }
                for (StepInput in : runInputs) {
                    k.input(in.name(), in.digest());
                }
                if (fromCache(st, k)) {
                    boolean cachedLayer = st.config.rootfs() != null && !st.layers.isEmpty() && st.hitLayer;
                    st.config = st.config.appendHistory(history(st, "RUN " + history + " # buildkit", !cachedLayer));
                    return;
                }
                // Only a step that runs needs its rootfs: a hit leaves the layers packed (and, imported, unfetched).
                List<LowerDir> lowers = lowerDirs(st);
                StepDirs.Pair dirs = stepDirs.take();
                Path upper = dirs.upper();
                Path work = dirs.work();
                dev.jbuild.executor.ExecSpec spec = new dev.jbuild.executor.ExecSpec(
                        lowers.stream().map(LowerDir::path).toList(), upper, work, args, envList,
                        "/" + st.workdir, ids.uid(), ids.gid(), groups, RunStep.HOSTNAME,
                        network.equals("none") ? dev.jbuild.executor.Network.NONE
                                : dev.jbuild.executor.Network.HOST,
                        mounts, resolv, hosts, r.security().equals("insecure"), null);
                StepInfo step = st.step;
                RunStep.Output out = new RunStep.Output((line, stderr) -> events.stepOutput(step, line, stderr));
                dev.jbuild.executor.Executor exec = executor();
                dev.jbuild.executor.ExecResult result;
                try {
                    // A failing stage elsewhere interrupts this: the container is killed and the stage stops.
                    result = scheduler.interruptibly(() -> RunStep.execute(exec, spec, out, String.join(" ", args)));
                } catch (BuildException e) {
                    throw error(r, e.getMessage());
                }
                // Mount points and their parents that the step did not have: dropped when left empty
                // (BuildKit removes such stubs too), so /run/secrets never reaches a layer.
                Set<String> stubs = new java.util.HashSet<>();
                for (String created : result.createdPaths()) {
                    for (String p = FileTree.clean(created); !p.isEmpty(); p = FileTree.parent(p)) {
                        if (st.tree.get(p) == null) {
                            stubs.add(p);
                        }
                    }
                }
                List<LayerEntry> entries = dev.jbuild.store.UpperDiff.entries(upper, stubs, path -> st.tree.get(path));
                boolean withLayer = !entries.isEmpty();
                Layer layer = null;
                if (withLayer) {
                    Map<String, Digest> sums = new java.util.concurrent.ConcurrentHashMap<>();
                    layer = writeLayer(st, entries, ContentDigests.capturing(entries, sums), null, sums);
                    ContentDigests.keep(store.root(), layer.diffId(), entries, sums);
                }
                record(st, k, layer);
                stepDirs.release(dirs); // the container is gone and its layer written: the next step may use them
                st.config = st.config.appendHistory(history(st, "RUN " + history + " # buildkit", !withLayer));
            } finally {
                for (RunStep.CacheLock l : locks) {
                    l.close();
                }
            }
        }

        /** The stage's layers as overlay lower directories, top first. */
        private List<LowerDir> lowerDirs(StageState st) throws IOException {
            List<Digest> diffIds = st.config.rootfs() == null ? List.of() : st.config.rootfs().diffIds();
            List<Layer> bottomFirst = new ArrayList<>();
            for (int i = 0; i < st.layers.size(); i++) {
                bottomFirst.add(new Layer(st.layers.get(i), diffIds.get(i)));
                remote.ensure(bottomFirst.get(i));
            }
            // The store's list stops below a layer whose root is opaque (overlay ignores that mark on a lower root).
            return store.rootfs().lowerDirs(bottomFirst).stream().map(LowerDir::new).toList();
        }

        private void mount(StageState st, Stage s, Instruction.Run r, dev.jbuild.core.instructions.Mount m,
                List<dev.jbuild.executor.Mount> mounts, Map<String, String> env,
                List<RunStep.CacheLock> locks, List<StepInput> inputs) throws BuildException, IOException {
            String target = m.target().startsWith("/") ? m.target() : "/" + FileTree.join(st.workdir, m.target());
            switch (m.type()) {
                case "cache" -> {
                    String id = m.cacheId().isEmpty() ? target : m.cacheId();
                    Path dir = store.root().resolve("cache").resolve(RunStep.cacheDirName(id));
                    if (!Files.isDirectory(dir)) {
                        Path tmp = Files.createDirectories(store.root().resolve("cache"))
                                .resolve(dir.getFileName() + ".new-" + ProcessHandle.current().pid() + "-"
                                        + Thread.currentThread().getId());
                        Files.createDirectories(tmp);
                        if (remote.seedMount(id, tmp)) {
                            // restored from an imported cache (--cache-to ...,mounts=true elsewhere)
                        } else if (!m.from().isEmpty() || !m.source().isEmpty()) {
                            SourceFs from = mountSource(m, s, r);
                            materialize(from, FileTree.clean(m.source()), tmp);
                        }
                        setOwnerAndMode(tmp, m.uid() == null ? 0 : m.uid(), m.gid() == null ? 0 : m.gid(),
                                m.mode() == null ? 0755 : m.mode());
                        try {
                            Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                        } catch (java.nio.file.FileAlreadyExistsException
                                | java.nio.file.DirectoryNotEmptyException raced) {
                            deleteRecursively(tmp);
                        }
                    }
                    remote.mountUsed(id, dir);
                    if (m.sharing().equals("locked")) {
                        locks.add(RunStep.lockCache(dir.resolveSibling(dir.getFileName() + ".lock")));
                    }
                    mounts.add(new dev.jbuild.executor.Mount(dev.jbuild.executor.Mount.Type.BIND,
                            dir, target, m.readOnly(), 0, 0));
                }
                case "bind" -> {
                    SourceFs from = mountSource(m, s, r);
                    Path dir = StepDirs.newDirectory(scratch, "bind-");
                    String src = FileTree.clean(m.source());
                    SourceFs.Stat stat = from.stat(src, true);
                    if (stat == null) {
                        throw error(r, "bind mount source \"" + src + "\": not found in " + from.describe());
                    }
                    Path source = dir;
                    if (stat.isDirectory()) {
                        List<LayerEntry> walked = materialize(from, src, dir);
                        StepKey contents = new StepKey(StepKey.root("bind"), "bind");
                        entryInputs(contents, walked);
                        inputs.add(new StepInput("bind " + target, contents.key()));
                    } else {
                        inputs.add(new StepInput("bind " + target, hasher.digest(stat.content())));
                        source = dir.resolve("file");
                        try (java.io.InputStream in = stat.content().open()) {
                            Files.copy(in, source);
                        }
                    }
                    mounts.add(new dev.jbuild.executor.Mount(dev.jbuild.executor.Mount.Type.BIND,
                            source, target, m.readOnly(), 0, 0));
                }
                case "tmpfs" -> mounts.add(new dev.jbuild.executor.Mount(
                        dev.jbuild.executor.Mount.Type.TMPFS, null, target, false, m.sizeLimit(), 01777));
                case "secret" -> {
                    String id = !m.cacheId().isEmpty() ? m.cacheId() : FileTree.baseName(FileTree.clean(m.target()));
                    RunOptions.Secret secret = req.run().secrets().get(id);
                    byte[] value = secret == null ? null : secretValue(secret);
                    if (value == null) {
                        if (m.required()) {
                            throw error(r, "secret " + id + " is required but was not given (--secret id=" + id + ",...)");
                        }
                        return;
                    }
                    if (m.env() != null && m.target().isEmpty()) {
                        env.put(m.env(), new String(value, StandardCharsets.UTF_8));
                        return;
                    }
                    if (m.env() != null) {
                        env.put(m.env(), new String(value, StandardCharsets.UTF_8));
                    }
                    String path = m.target().isEmpty() ? "/run/secrets/" + id : target;
                    Path dir = StepDirs.newDirectory(scratch, "secret-");
                    Path file = dir.resolve("secret");
                    Files.write(file, value);
                    setOwnerAndMode(file, m.uid() == null ? 0 : m.uid(), m.gid() == null ? 0 : m.gid(),
                            m.mode() == null ? 0400 : m.mode());
                    mounts.add(new dev.jbuild.executor.Mount(dev.jbuild.executor.Mount.Type.BIND,
                            file, path, true, 0, 0));
                }
                case "ssh" -> {
                    String id = m.cacheId().isEmpty() ? "default" : m.cacheId();
                    Path sock = req.run().ssh().get(id);
                    if (sock == null) {
                        if (m.required()) {
                            throw error(r, "ssh agent " + id + " is required but was not given (--ssh " + id + "=SOCKET)");
                        }
                        return;
                    }
                    String path = m.target().isEmpty() ? "/run/buildkit/ssh_agent.0" : target;
                    mounts.add(new dev.jbuild.executor.Mount(dev.jbuild.executor.Mount.Type.BIND,
                            sock, path, false, 0, 0));
                    env.put("SSH_AUTH_SOCK", path);
                }
                default -> throw error(r, "unsupported mount type " + m.type());
            }
        }

        private SourceFs mountSource(dev.jbuild.core.instructions.Mount m, Stage s, Instruction ins)
                throws BuildException, IOException {
            if (m.from().isEmpty()) {
                return context;
            }
            Stage fromStage = stageRef(m.from(), s);
            if (fromStage != null) {
                if (fromStage.index() == s.index()) {
                    throw error(ins, "circular dependency: stage " + s.displayName() + " mounts from itself");
                }
                StageState fst = built(fromStage, ins);
                return new TreeFs(fst.tree, "stage " + fromStage.displayName());
            }
            return new TreeFs(image(m.from(), ins, platform).tree(), "image " + m.from());
        }

        private List<LayerEntry> materialize(SourceFs from, String dir, Path dest) throws BuildException, IOException {
            String base = from.resolve(dir);
            String prefix = base.isEmpty() ? "" : base + "/";
            List<LayerEntry> entries = new ArrayList<>();
            for (LayerEntry e : from.walk(dir)) {
                entries.add(e.withPath(e.path().substring(prefix.length())));
            }
            dev.jbuild.core.output.LocalWriter.write(dest, entries);
            return entries;
        }

        /** A mount's options as they affect the step (never a secret's value). */
        private String mountSpec(dev.jbuild.core.instructions.Mount m) {
            return m.type() + " target=" + m.target() + " source=" + m.source() + " from=" + m.from() + " id="
                    + m.cacheId() + " ro=" + m.readOnly() + " sharing=" + m.sharing() + " uid=" + m.uid() + " gid="
                    + m.gid() + " mode=" + m.mode() + " size=" + m.sizeLimit() + " env=" + m.env() + " required="
                    + m.required();
        }

        private byte[] secretValue(RunOptions.Secret secret) throws IOException {
            if (secret.file() != null) {
                return Files.readAllBytes(secret.file());
            }
            String v = System.getenv(secret.env());
            return v == null ? null : v.getBytes(StandardCharsets.UTF_8);
        }

        private void setOwnerAndMode(Path p, long uid, long gid, int mode) throws IOException {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(
                    perms(mode)));
            try {
                Files.setAttribute(p, "unix:uid", (int) uid);
                Files.setAttribute(p, "unix:gid", (int) gid);
            } catch (UnsupportedOperationException | IOException notRoot) {
                // unprivileged: the user namespace maps the caller to root inside
            }
        }

        private Layer writeLayer(StageState st, List<LayerEntry> entries) throws IOException {
            return writeLayer(st, entries, entries);
        }

        private Layer writeLayer(StageState st, List<LayerEntry> entries, List<LayerEntry> written)
                throws IOException {
            return writeLayer(st, entries, written, null, null);
        }

        private Layer writeLayer(StageState st, List<LayerEntry> entries, List<LayerEntry> written, Digest previous)
                throws IOException {
            return writeLayer(st, entries, written, previous, null);
        }

        /**
         * @param written  the entries as the layer writer reads them (the same files, possibly digesting)
         * @param previous an earlier layer of the same step, whose unchanged parts the writer may copy; or null
         * @param captured the digests of files by path, taken as {@code written} was read ({@link
         *                 ContentDigests#capturing}); the stage's tree keeps them, so that a later {@code COPY
         *                 --from} of these files keys them without reading them again; or null
         */
        private Layer writeLayer(StageState st, List<LayerEntry> entries, List<LayerEntry> written, Digest previous,
                Map<String, Digest> captured) throws IOException {
            Layer layer = LayerWriter.write(store.blobs(), written, req.compression(), req.sourceDateEpoch(),
                    req.dockerFormat(), previous);
            LayerIndex.write(store.root(), layer.diffId(), entries, req.sourceDateEpoch());
            st.layers.add(layer.descriptor());
            RootFs rootfs = st.config.rootfs() == null ? RootFs.layers(List.of()) : st.config.rootfs();
            st.config = st.config.withRootFs(rootfs.append(layer.diffId()));
            // Applied when something reads the tree: after the last COPY of a big context, nothing does.
            st.tree.applyLater(() -> LayerFiles.writtenTo(store, layer, entries, hasher::knownDigest, captured));
            return layer;
        }

        /** Inputs every layer-producing step has: its media types come from them. */
        private StepKey key(StageState st, String instruction) {
            return new StepKey(st.key, instruction)
                    .input("compression", req.compression().name() + (req.dockerFormat() ? " docker" : " oci"))
                    .input("platform", platform.format());
        }

        /**
         * Applies a cached result when there is one (true), else notes why the step must run. A
         * cached layer missing from the store (pruned) is a miss, never a failure.
         */
        private boolean fromCache(StageState st, StepKey k) throws IOException {
            if (!st.noCache && cached(st, k.key())) {
                return true;
            }
            explainMiss(st, k);
            return false;
        }

        /** Applies the cached result of a step key when the cache has it (true); a miss is left to the caller. */
        private boolean cached(StageState st, Digest key) throws IOException {
            java.util.Optional<dev.jbuild.store.StepCache.Entry> hit = store.steps().hit(key);
            if (hit.isEmpty() || (hit.get().layer() != null && !remote.available(hit.get().layer()))) {
                return false;
            }
            dev.jbuild.store.StepCache.Entry e = hit.get();
            st.hitLayer = e.layer() != null;
            if (e.layer() != null) {
                Layer layer = new Layer(e.layer(), e.diffId());
                remote.prepare(layer);
                if (LayerFiles.local(store, layer)) {
                    // Read only if a later step, an export or a COPY --from looks at the files.
                    st.tree.applyLater(() -> LayerFiles.entries(store, layer, remote::ensure),
                            LayerFiles.lookup(store, layer, remote::ensure));
                } else {
                    st.tree.apply(LayerFiles.entries(store, layer, remote::ensure));
                }
                st.layers.add(e.layer());
                RootFs rootfs = st.config.rootfs() == null ? RootFs.layers(List.of()) : st.config.rootfs();
                st.config = st.config.withRootFs(rootfs.append(e.diffId()));
                st.layerCreated = e.created() != null ? e.created() : keepTime(key);
            }
            st.key = key;
            st.stepCached = true;
            if (st.step != null) {
                events.stepCached(st.step);
            }
            return true;
        }

        /**
         * For an entry written before entries kept their layer's time: now, written into the entry, so that the
         * builds after this one give the same image again.
         */
        private String keepTime(Digest key) throws IOException {
            String now = OciJson.formatTime(created);
            java.util.Optional<dev.jbuild.store.StepCache.Entry> full = store.steps().get(key);
            if (full.isPresent()) {
                dev.jbuild.store.StepCache.Entry e = full.get();
                store.steps().put(new dev.jbuild.store.StepCache.Entry(e.key(), e.parent(), e.instruction(), e.inputs(),
                        e.layer(), e.diffId(), now));
            }
            return now;
        }

        private void explainMiss(StageState st, StepKey k) throws IOException {
            if (st.runs) {
                LoggingBackend.anticipate(); // the stage's RUN steps run from here on
            }
            if (req.cache().explain()) {
                String why = st.noCache ? "the cache is disabled for this stage"
                        : StepKey.explain(k, store.steps().children(k.parent()), st.missed);
                if (st.step != null) {
                    events.stepMiss(st.step, why);
                }
            }
        }

        /**
         * The layer of an earlier run of this step (same parent, same instruction, other inputs: the same
         * COPY before a file changed), for the writer to copy unchanged parts from; null when there is none.
         * Which one does not matter for the result, only for how much can be copied.
         */
        private Digest previousLayer(StageState st, StepKey k) throws IOException {
            java.util.Optional<dev.jbuild.store.StepCache.Entry> last = store.steps().latest(k.parent(), k.instruction());
            if (last.isPresent() && last.get().layer() != null && store.blobs().has(last.get().layer().digest())) {
                return last.get().layer().digest();
            }
            // steps recorded before the store kept the (parent, instruction) marker
            for (dev.jbuild.store.StepCache.Entry c : siblings(k)) {
                if (c.instruction().equals(k.instruction()) && c.layer() != null && store.blobs().has(c.layer().digest())) {
                    return c.layer().digest();
                }
            }
            return null;
        }

        /** The cached steps after this step's parent, read once per parent and build. */
        private List<dev.jbuild.store.StepCache.Entry> siblings(StepKey k) throws IOException {
            List<dev.jbuild.store.StepCache.Entry> known = siblings.get(k.parent());
            if (known == null) {
                known = store.steps().children(k.parent());
                siblings.put(k.parent(), known);
            }
            return known;
        }

        private final Map<Digest, List<dev.jbuild.store.StepCache.Entry>> siblings =
                new java.util.concurrent.ConcurrentHashMap<>();

        /** Whether the step cache holds a step after the same parent with the same instruction (a hit is possible). */
        private boolean cacheMayHold(StageState st, StepKey k) throws IOException {
            if (st.noCache) {
                return false;
            }
            if (store.steps().hasInstruction(k.parent(), k.instruction())) {
                return true;
            }
            // steps recorded before the store kept the (parent, instruction) marker
            for (dev.jbuild.store.StepCache.Entry c : siblings(k)) {
                if (c.instruction().equals(k.instruction())) {
                    return true;
                }
            }
            return false;
        }

        /** Records a step that ran, so that the next build can reuse its layer. */
        private void record(StageState st, StepKey k, Layer layer) throws IOException {
            Digest key = k.key();
            String when = layer == null ? null : OciJson.formatTime(created);
            store.steps().put(new dev.jbuild.store.StepCache.Entry(key, k.parent(), k.instruction(), k.inputs(),
                    layer == null ? null : layer.descriptor(), layer == null ? null : layer.diffId(), when));
            if (layer != null) {
                st.layerCreated = when;
            }
            st.key = key;
            st.missed = true;
        }

        /** Content inputs of entries about to form a layer: names, kinds, modes, owners, link targets, contents. */
        private void entryInputs(StepKey k, List<LayerEntry> entries) throws IOException {
            if (entries.size() <= 2000) {
                StringBuilder sb = new StringBuilder(160);
                for (LayerEntry e : entries) {
                    sb.setLength(0);
                    k.input("file " + e.path(), Digest.sha256(describe(sb, e).toString().getBytes(StandardCharsets.UTF_8)));
                }
                return;
            }
            // A big COPY's files count by group (the first two path components): one digest per group over its
            // entries' lines, in entry order. The entries come sorted, so a group is a run of neighbours (a group met
            // again later continues its digest). Groups are digested in parallel (this runs 20,000 times for a big
            // context, on every no-op build) and added to the key in the group's order.
            Map<String, List<int[]>> runs = new TreeMap<>();
            String lastGroup = null;
            List<int[]> lastRuns = null;
            for (int i = 0; i < entries.size(); i++) {
                String path = entries.get(i).path();
                int first = path.indexOf('/');
                int second = first < 0 ? -1 : path.indexOf('/', first + 1);
                int groupEnd = second < 0 ? path.length() : second;
                if (lastGroup == null || lastGroup.length() != groupEnd || !path.startsWith(lastGroup)) {
                    lastGroup = path.substring(0, groupEnd);
                    lastRuns = runs.computeIfAbsent(lastGroup, g -> new ArrayList<>());
                    lastRuns.add(new int[] {i, i + 1});
                } else {
                    lastRuns.get(lastRuns.size() - 1)[1] = i + 1;
                }
            }
            List<String> names = new ArrayList<>(runs.keySet());
            Digest[] digests = new Digest[names.size()];
            try {
                Workers.call(() -> {
                    java.util.stream.IntStream.range(0, digests.length).parallel().forEach(g -> {
                        java.security.MessageDigest md = Digest.newSha256();
                        StringBuilder sb = new StringBuilder(160);
                        try {
                            for (int[] run : runs.get(names.get(g))) {
                                for (int i = run[0]; i < run[1]; i++) {
                                    sb.setLength(0);
                                    LayerEntry e = entries.get(i);
                                    md.update(describe(sb.append(e.path()).append(' '), e).append('\n').toString()
                                            .getBytes(StandardCharsets.UTF_8));
                                }
                            }
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        digests[g] = Digest.fromMessageDigest(md.digest());
                    });
                    return null;
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while digesting the files of a COPY");
            }
            for (int g = 0; g < digests.length; g++) {
                k.input("files " + names.get(g), digests[g]);
            }
        }

        /** An entry as its key counts it: type, mode, owner, size, link target and the content's digest. */
        private StringBuilder describe(StringBuilder sb, LayerEntry e) throws IOException {
            sb.append(e.type()).append(' ').append(Integer.toOctalString(e.mode())).append(' ').append(e.uid())
                    .append(':').append(e.gid()).append(' ').append(e.size());
            if (e.linkTarget() != null) {
                sb.append(" -> ").append(e.linkTarget());
            }
            if (e.type() == LayerEntry.Type.FILE && e.content() != null) {
                hasher.appendDigest(sb.append(' '), e.content());
            }
            return sb;
        }
    }

    static void addEnv(List<String> env, String key, String value) {
        for (int i = 0; i < env.size(); i++) {
            String e = env.get(i);
            if (e.equals(key) || e.startsWith(key + "=")) {
                env.set(i, key + "=" + value);
                return;
            }
        }
        env.add(key + "=" + value);
    }

    static String perms(int mode) {
        String rwx = "rwxrwxrwx";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        return sb.toString();
    }

    /** An overlay lower directory (a layer snapshot). */
    record LowerDir(Path path) {}

    /** A named input of a step's cache key. */
    record StepInput(String name, Digest digest) {}

    static List<String> withShell(ContainerConfig cc, List<String> args) {
        List<String> shell = new ArrayList<>(cc.shell().isEmpty() ? List.of("/bin/sh", "-c") : cc.shell());
        shell.add(String.join(" ", args));
        return shell;
    }

    /** Go's %v of a []string: [a b]. */
    static String goList(List<String> items) {
        return "[" + String.join(" ", items) + "]";
    }

    /** Go's %q of a []string: ["a" "b"]. */
    static String goQuotedList(List<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(GoQuote.quote(items.get(i)));
        }
        return sb.append(']').toString();
    }

    /** Go's %+v of the health check struct, as BuildKit writes it into the history. */
    static String healthcheckString(Healthcheck h) {
        return "{Test:" + goList(h.test()) + " Interval:" + goDuration(h.interval()) + " Timeout:"
                + goDuration(h.timeout()) + " StartPeriod:" + goDuration(h.startPeriod()) + " StartInterval:"
                + goDuration(h.startInterval()) + " Retries:" + h.retries() + "}";
    }

    /** Go's time.Duration.String(). */
    static String goDuration(Duration d) {
        long n = d.toNanos();
        if (n == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (n < 0) {
            sb.append('-');
            n = -n;
        }
        if (n < 1_000_000_000L) {
            if (n < 1_000) {
                return sb.append(n).append("ns").toString();
            }
            if (n < 1_000_000) {
                return sb.append(trimFraction(n, 1_000)).append("µs").toString();
            }
            return sb.append(trimFraction(n, 1_000_000)).append("ms").toString();
        }
        long h = n / 3_600_000_000_000L;
        n -= h * 3_600_000_000_000L;
        long m = n / 60_000_000_000L;
        n -= m * 60_000_000_000L;
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            sb.append(m).append('m');
        }
        return sb.append(trimFraction(n, 1_000_000_000L)).append('s').toString();
    }

    private static String trimFraction(long n, long unit) {
        long whole = n / unit;
        long frac = n % unit;
        if (frac == 0) {
            return Long.toString(whole);
        }
        String f = String.format(java.util.Locale.ROOT, "%0" + Long.toString(unit).length() + "d", frac).substring(1);
        f = f.replaceAll("0+$", "");
        return whole + "." + f;
    }

    static void deleteRecursively(Path dir) {
        try {
            dev.jbuild.store.Fs.deleteTree(dir); // opens up the mode-000 work/ directory overlay leaves
        } catch (IOException e) {
            // a leftover scratch directory is removed by the store's tmp cleanup
        }
    }
}
