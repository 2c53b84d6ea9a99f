package dev.jbuild.cli;

import dev.jbuild.core.build.BuildException;
import dev.jbuild.core.build.BuildRequest;
import dev.jbuild.core.build.BuildResult;
import dev.jbuild.core.build.Builder;
import dev.jbuild.core.build.CacheOptions;
import dev.jbuild.core.build.RunOptions;
import dev.jbuild.core.cache.CacheSpec;
import dev.jbuild.core.build.SourceDateEpoch;
import dev.jbuild.core.output.Exporter;
import dev.jbuild.core.output.OutputSpec;
import dev.jbuild.core.output.Publication;
import dev.jbuild.oci.Platform;
import dev.jbuild.registry.ProgressListener;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Runs a build from {@link BuildOptions}: progress on stderr, the image id on stdout with -q. */
final class BuildRunner {
    private BuildRunner() {}

    static int run(BuildOptions o, StoreOptions storeOptions, PrintWriter out, PrintWriter err) {
        Map<String, String> args = new LinkedHashMap<>();
        for (String a : o.buildArgs) {
            int eq = a.indexOf('=');
            if (eq < 0) {
                String v = System.getenv(a);
                if (v != null) {
                    args.put(a, v);
                }
            } else {
                args.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        Compression compression;
        try {
            compression = Compression.valueOf(o.compression.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("jbuild: --compression must be gzip, zstd or none, not \"" + o.compression + "\"");
            return 2;
        }
        if (!o.format.equals("oci") && !o.format.equals("docker")) {
            err.println("jbuild: --format must be oci or docker, not \"" + o.format + "\"");
            return 2;
        }
        Platform platform;
        try {
            platform = o.platform == null ? Platform.host() : Platform.parse(o.platform);
        } catch (IllegalArgumentException e) {
            err.println("jbuild: --platform: " + e.getMessage());
            return 2;
        }
        List<OutputSpec> outputs = new ArrayList<>();
        for (String s : o.outputs) {
            try {
                outputs.add(OutputSpec.parse(s));
            } catch (IllegalArgumentException e) {
                err.println("jbuild: " + e.getMessage());
                return 2;
            }
        }
        Publication publication;
        try {
            publication = Publication.of(o.tags, o.push, outputs);
        } catch (IllegalArgumentException e) {
            err.println("jbuild: " + e.getMessage());
            return 2;
        }
        RegistryOptions registry;
        try {
            registry = o.registry.options(ProgressListener.NONE);
        } catch (IllegalArgumentException e) {
            err.println("jbuild: " + e.getMessage());
            return 2;
        }
        Instant epoch;
        try {
            epoch = SourceDateEpoch.of(args);
        } catch (IllegalArgumentException e) {
            err.println("jbuild: " + e.getMessage());
            return 2;
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        for (String a : o.annotations) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                err.println("jbuild: --annotation must be KEY=VALUE, not \"" + a + "\"");
                return 2;
            }
            annotations.put(a.substring(0, eq), a.substring(eq + 1));
        }
        RunOptions run;
        try {
            run = runOptions(o);
        } catch (IllegalArgumentException e) {
            err.println("jbuild: " + e.getMessage());
            return 2;
        }
        List<CacheSpec> cacheFrom = new ArrayList<>();
        List<CacheSpec> cacheTo = new ArrayList<>();
        try {
            for (String c : o.cacheFrom) {
                cacheFrom.add(CacheSpec.parseFrom(c));
            }
            for (String c : o.cacheTo) {
                cacheTo.add(CacheSpec.parseTo(c));
            }
        } catch (IllegalArgumentException e) {
            err.println("jbuild: " + e.getMessage());
            return 2;
        }
        ProgressView.Mode mode;
        try {
            mode = ProgressView.Mode.parse(o.progress);
        } catch (IllegalArgumentException e) {
            err.println("jbuild: " + e.getMessage());
            return 2;
        }
        boolean quiet = o.quiet || mode == ProgressView.Mode.QUIET;
        if (quiet) {
            mode = ProgressView.Mode.QUIET;
        }
        int jobs = o.jobs == null ? Runtime.getRuntime().availableProcessors() : o.jobs;
        if (jobs < 1) {
            err.println("jbuild: --jobs must be at least 1, not " + jobs);
            return 2;
        }
        Path context = o.context != null ? o.context : Path.of(".");
        BuildRequest req = new BuildRequest(context, o.file, publication.tags(), args, o.target, platform, compression,
                o.format.equals("docker"), epoch, null, annotations, run, registry, o.pull,
                new CacheOptions(o.noCache, noCacheFilter(o), o.explain, cacheFrom, cacheTo));
        BuildMetadata metadata = o.metadataFile == null ? null : new BuildMetadata();
        try (ProgressView view = ProgressView.of(mode, err)) {
            try {
                Store store = storeOptions.open();
                BuildResult result = new Builder(store, jobs).build(req,
                        metadata == null ? view : new Listeners(view, metadata));
                try (result) {
                    // Only with -o: the exporter's tar and compression classes are loaded (and verified) with it.
                    if (!outputs.isEmpty()) {
                        Exporter exporter = new Exporter(store, epoch);
                        for (OutputSpec spec : outputs) {
                            exporter.export(spec, result);
                            view.note("exported " + spec.type() + " to " + spec.dest());
                        }
                    }
                }
                if (o.iidfile != null) {
                    Files.writeString(o.iidfile, result.imageId().toString());
                }
                if (metadata != null) {
                    metadata.write(o.metadataFile, result);
                }
                view.note("writing image " + result.imageId() + " done");
                for (String t : result.tags()) {
                    view.note("naming to " + t + " done");
                }
                view.close();
                if (quiet) {
                    out.println(result.imageId());
                }
                for (Publication.Push p : publication.pushes()) {
                    Registries.push(registry, store, p.repository(), p.tags(),
                            result.manifestDescriptor().digest(), view.textual() ? err : null);
                }
                return 0;
            } catch (BuildException e) {
                view.error(e.getMessage());
                return 1;
            } catch (RegistryException e) {
                view.error(e.getMessage());
                return 1;
            } catch (IOException e) {
                view.error(e.toString());
                return 1;
            }
        }
    }

    static Set<String> noCacheFilter(BuildOptions o) {
        Set<String> stages = new java.util.LinkedHashSet<>();
        for (String f : o.noCacheFilter) {
            for (String s : f.split(",")) {
                if (!s.isBlank()) {
                    stages.add(s.trim().toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
        return stages;
    }

    static RunOptions runOptions(BuildOptions o) {
        if (!Set.of("default", "host", "none").contains(o.network)) {
            throw new IllegalArgumentException("--network must be default, host or none, not \"" + o.network + "\"");
        }
        Map<String, RunOptions.Secret> secrets = new LinkedHashMap<>();
        for (String s : o.secrets) {
            Map<String, String> kv = new LinkedHashMap<>();
            for (String part : s.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--secret " + s + ": expected id=ID,src=FILE or id=ID,env=VAR");
                }
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
            String id = kv.get("id");
            if (id == null) {
                throw new IllegalArgumentException("--secret " + s + ": id= is missing");
            }
            String src = kv.containsKey("src") ? kv.get("src") : kv.get("source");
            String env = kv.get("env");
            if (src == null && env == null) {
                env = id; // buildx: with neither, the environment variable named like the id
            }
            if (src != null && !Files.isReadable(Path.of(src))) {
                throw new IllegalArgumentException("--secret " + id + ": cannot read " + src);
            }
            secrets.put(id, new RunOptions.Secret(src == null ? null : Path.of(src), src == null ? env : null));
        }
        Map<String, Path> ssh = new LinkedHashMap<>();
        for (String s : o.ssh) {
            int eq = s.indexOf('=');
            String id = eq < 0 ? s : s.substring(0, eq);
            String sock = eq < 0 ? System.getenv("SSH_AUTH_SOCK") : s.substring(eq + 1);
            if (sock == null || sock.isEmpty()) {
                throw new IllegalArgumentException("--ssh " + s + ": no socket given and SSH_AUTH_SOCK is not set");
            }
            ssh.put(id, Path.of(sock));
        }
        for (String a : o.allow) {
            if (!a.equals("security.insecure") && !a.equals("network.host")) {
                throw new IllegalArgumentException("--allow " + a + ": unknown entitlement (security.insecure, network.host)");
            }
        }
        Set<String> entitlements = new java.util.HashSet<>(o.allow);
        if (o.network.equals("host")) {
            entitlements.add("network.host"); // buildx: --network=host grants the entitlement it needs
        }
        return new RunOptions(o.runtime, o.network, secrets, ssh, entitlements);
    }
}
