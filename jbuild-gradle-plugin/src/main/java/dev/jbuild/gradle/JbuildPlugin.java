package dev.jbuild.gradle;

import org.gradle.api.Plugin;
import org.gradle.api.Project;

/**
 * {@code apply plugin: 'dev.jbuild'}: the {@code jbuild { }} extension and the tasks {@code jbuildBuild} (after
 * {@code jar} when the java plugin is applied), {@code jbuildPush} (after jbuildBuild) and {@code jbuildHelp}, the
 * Maven plugin's jbuild:build, jbuild:push and jbuild:help (Gradle has its own {@code build} and {@code help}).
 */
public class JbuildPlugin implements Plugin<Project> {
    public static final String GROUP = "jbuild";

    @Override
    public void apply(Project project) {
        JbuildExtension extension = project.getExtensions().create("jbuild", JbuildExtension.class, project);
        BuildTask build = project.getTasks().create("jbuildBuild", BuildTask.class);
        build.setGroup(GROUP);
        build.setDescription("Builds the project's Dockerfile into an image, daemonless (jbuild).");
        PushTask push = project.getTasks().create("jbuildPush", PushTask.class);
        push.setGroup(GROUP);
        push.setDescription("Pushes the image jbuildBuild made under every tag.");
        push.dependsOn(build);
        HelpTask help = project.getTasks().create("jbuildHelp", HelpTask.class);
        help.setGroup(GROUP);
        help.setDescription("Describes the jbuild tasks and the jbuild { } settings.");
        for (JbuildTask t : new JbuildTask[] {build, push}) {
            t.onlyIf(x -> {
                if (extension.isSkip()) {
                    t.getLogger().lifecycle("jbuild: skipped (jbuild.skip)");
                    return false;
                }
                return true;
            });
        }
        project.getPluginManager().withPlugin("java", p -> build.dependsOn("jar"));
    }
}
