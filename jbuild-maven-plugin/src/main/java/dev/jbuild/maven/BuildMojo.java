package dev.jbuild.maven;

import dev.jbuild.core.build.BuildException;
import dev.jbuild.core.output.ImageBuild;
import dev.jbuild.registry.RegistryException;
import dev.jbuild.registry.RegistryOptions;
import dev.jbuild.store.Store;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Builds the project's Dockerfile into jbuild's image store, with no daemon: tags it, writes the outputs, pushes
 * when asked, and records the image digest in {@code target/jbuild/image.digest} and the project property
 * {@code jbuild.image.digest} (the image id in {@code jbuild.image.id}).
 */
@Mojo(name = "build", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class BuildMojo extends AbstractJbuildMojo {
    /** The Dockerfile. */
    @Parameter(property = "jbuild.dockerfile", defaultValue = "${project.basedir}/Dockerfile")
    File dockerfile;

    /** The build context: what COPY and ADD read. */
    @Parameter(property = "jbuild.contextDirectory", defaultValue = "${project.basedir}")
    File contextDirectory;

    /**
     * Build args ({@code <buildArgs><APP_VERSION>${project.version}</APP_VERSION></buildArgs>}). User properties
     * {@code jbuild.buildArg.NAME=VALUE} add to them (and win).
     */
    @Parameter
    Map<String, String> buildArgs = new LinkedHashMap<>();

    /** Build this stage instead of the last. */
    @Parameter(property = "jbuild.target")
    String target;

    /**
     * The target platform ({@code OS/ARCH[/VARIANT]}; default: this machine's). jbuild builds one platform per
     * build: more than one is an error. User property: comma-separated.
     */
    @Parameter(property = "jbuild.platforms")
    List<String> platforms = new ArrayList<>();

    /** Push the image under every tag after the build (as {@code jbuild build --push}). */
    @Parameter(property = "jbuild.push", defaultValue = "false")
    boolean push;

    /**
     * Outputs besides the store, each written as the CLI's {@code --output} value
     * ({@code type=oci,dest=${project.build.directory}/image}, {@code type=docker,dest=FILE.tar},
     * {@code type=local,dest=DIR}, {@code type=tar,dest=FILE}, {@code type=registry,name=REF}). User property
     * {@code jbuild.outputs}: values separated by {@code ;} (they contain commas).
     */
    @Parameter
    List<String> outputs = new ArrayList<>();

    /**
     * Caches to import, each written as the CLI's {@code --cache-from} value ({@code type=registry,ref=REF},
     * {@code type=local,src=DIR}, or an image with inline cache). User property {@code jbuild.cacheFrom}: values
     * separated by {@code ;}.
     */
    @Parameter
    List<String> cacheFrom = new ArrayList<>();

    /**
     * Where to export this build's cache, each written as the CLI's {@code --cache-to} value
     * ({@code type=registry,ref=REF[,mode=max][,mounts=true]}, {@code type=local,dest=DIR}, {@code type=inline}).
     * User property {@code jbuild.cacheTo}: values separated by {@code ;}.
     */
    @Parameter
    List<String> cacheTo = new ArrayList<>();

    /** Run every step, not taking results from the build cache (they still go into it). */
    @Parameter(property = "jbuild.noCache", defaultValue = "false")
    boolean noCache;

    /** Check the registry of every image the Dockerfile names for a newer version of its tag, and pull it. */
    @Parameter(property = "jbuild.pull", defaultValue = "false")
    boolean pull;

    /** Layer compression: gzip, zstd or none. */
    @Parameter(property = "jbuild.compression", defaultValue = "gzip")
    String compression;

    /** How RUN steps run: native (the embedded helper), runc, crun, or the path of an OCI runtime. */
    @Parameter(property = "jbuild.runtime", defaultValue = "native")
    String runtime;

    @Override
    void run() throws MojoExecutionException, MojoFailureException {
        RegistryOptions registry = registryOptions();
        ImageBuild.Plan plan;
        try {
            plan = new ImageBuild.Parameters(contextDirectory.toPath(), dockerfile.toPath(), tags, buildArgs(),
                    target, platforms, push, listProperty("jbuild.outputs", outputs),
                    listProperty("jbuild.cacheFrom", cacheFrom), listProperty("jbuild.cacheTo", cacheTo), noCache,
                    pull, compression, runtime).plan(registry, line -> getLog().info(line));
        } catch (IllegalArgumentException e) {
            throw new MojoExecutionException("jbuild: " + e.getMessage(), e);
        }
        Store store = openStore();
        getLog().info("jbuild: building " + dockerfile + " (context " + contextDirectory + ")");
        try {
            ImageBuild.Result r = ImageBuild.run(store, plan, registry, digestFile.toPath(),
                    line -> getLog().info(line));
            project.getProperties().setProperty(DIGEST_PROPERTY, r.digest().toString());
            project.getProperties().setProperty(ID_PROPERTY, r.imageId().toString());
        } catch (BuildException | RegistryException e) {
            // The message names the Dockerfile line, and for RUN the step's last lines of output.
            throw new MojoFailureException("jbuild: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MojoExecutionException("jbuild: " + e, e);
        }
    }

    /** The POM's build args, then the {@code jbuild.buildArg.NAME} user properties. */
    private Map<String, String> buildArgs() {
        Map<String, String> args = new LinkedHashMap<>();
        buildArgs.forEach((k, v) -> args.put(k, v == null ? "" : v));
        String prefix = "jbuild.buildArg.";
        for (java.util.Properties p : List.of(session.getSystemProperties(), session.getUserProperties())) {
            for (String name : p.stringPropertyNames()) {
                if (name.startsWith(prefix) && name.length() > prefix.length()) {
                    args.put(name.substring(prefix.length()), p.getProperty(name));
                }
            }
        }
        return args;
    }

    /** A list parameter the user property replaces when set: values separated by {@code ;}. */
    private List<String> listProperty(String name, List<String> configured) {
        String v = userProperty(name);
        if (v == null) {
            return configured;
        }
        List<String> out = new ArrayList<>();
        for (String s : v.split(";")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
