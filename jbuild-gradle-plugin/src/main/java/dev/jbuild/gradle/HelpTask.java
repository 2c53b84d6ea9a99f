package dev.jbuild.gradle;

import org.gradle.api.DefaultTask;
import org.gradle.api.tasks.TaskAction;

/** jbuildHelp: the tasks and settings, as jbuild:help lists the Maven goals. */
public class HelpTask extends DefaultTask {
    static final String TEXT = String.join("\n",
            "jbuild Gradle plugin (dev.jbuild): builds the project's Dockerfile with no daemon.",
            "",
            "Tasks:",
            "  jbuildBuild  build the Dockerfile into jbuild's store (after jar), tag it, write the outputs;",
            "               the digest goes to build/jbuild/image.digest and the extra property jbuild.image.digest",
            "  jbuildPush   push the image jbuildBuild made under every tag (runs jbuildBuild first)",
            "  jbuildHelp   this text",
            "",
            "jbuild { } settings (each also -Pjbuild.NAME=VALUE, which wins):",
            "  dockerfile          the Dockerfile (default: Dockerfile in the project directory)",
            "  contextDirectory    the build context (default: the project directory)",
            "  tags                NAME[:TAG] names (comma-separated as a property)",
            "  buildArgs           build args (a map; -Pjbuild.buildArg.NAME=VALUE adds one)",
            "  target              the stage to build (default: the last)",
            "  platforms           one OS/ARCH[/VARIANT] (default: this machine's)",
            "  push                push after the build",
            "  outputs             --output values, e.g. type=oci,dest=build/image (';'-separated as a property)",
            "  cacheFrom, cacheTo  --cache-from / --cache-to values (';'-separated as a property)",
            "  noCache, pull       as the CLI's --no-cache and --pull",
            "  compression         gzip, zstd or none; runtime: native, runc, crun or a path",
            "  insecureRegistries  HOST[:PORT] reached without TLS verification, or over plain HTTP",
            "  caCert, dockerConfig, root   extra CA certificates; config.json's directory; the store",
            "  skip                skip jbuildBuild and jbuildPush (-Pjbuild.skip)",
            "  credentials(REGISTRY, USER, PASSWORD)   used before docker's config.json");

    @TaskAction
    public void help() {
        getLogger().lifecycle(TEXT);
    }
}
