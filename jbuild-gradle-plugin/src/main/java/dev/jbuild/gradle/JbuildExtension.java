package dev.jbuild.gradle;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradle.api.Project;

/**
 * The {@code jbuild { }} block: what jbuildBuild builds and jbuildPush pushes, named as the Maven plugin's
 * parameters. Values are read when the tasks run, so {@code "app:${version}"} sees the final version; each one
 * is also a project property {@code -Pjbuild.NAME=VALUE}, which wins (lists comma-separated, except outputs,
 * cacheFrom and cacheTo, separated by {@code ;}; build args {@code -Pjbuild.buildArg.NAME=VALUE}).
 */
public class JbuildExtension {
    private final Project project;
    private Object dockerfile;
    private Object contextDirectory;
    private final List<Object> tags = new ArrayList<>();
    private final Map<String, Object> buildArgs = new LinkedHashMap<>();
    private Object target;
    private final List<Object> platforms = new ArrayList<>();
    private boolean push;
    private final List<Object> outputs = new ArrayList<>();
    private final List<Object> cacheFrom = new ArrayList<>();
    private final List<Object> cacheTo = new ArrayList<>();
    private final List<Object> insecureRegistries = new ArrayList<>();
    private boolean noCache;
    private boolean pull;
    private boolean skip;
    private Object compression = "gzip";
    private Object runtime = "native";
    private Object root;
    private Object dockerConfig;
    private Object caCert;
    private final Map<String, List<String>> credentials = new LinkedHashMap<>();

    public JbuildExtension(Project project) {
        this.project = project;
    }

    // ---- what the build script sets -----------------------------------------------------------

    public void setDockerfile(Object f) {
        dockerfile = f;
    }

    public void setContextDirectory(Object d) {
        contextDirectory = d;
    }

    public void setTags(List<?> t) {
        tags.clear();
        tags.addAll(t);
    }

    public void setBuildArgs(Map<?, ?> args) {
        buildArgs.clear();
        args.forEach((k, v) -> buildArgs.put(String.valueOf(k), v));
    }

    public void setTarget(Object t) {
        target = t;
    }

    public void setPlatforms(List<?> p) {
        platforms.clear();
        platforms.addAll(p);
    }

    public void setPush(boolean p) {
        push = p;
    }

    public void setOutputs(List<?> o) {
        outputs.clear();
        outputs.addAll(o);
    }

    public void setCacheFrom(List<?> c) {
        cacheFrom.clear();
        cacheFrom.addAll(c);
    }

    public void setCacheTo(List<?> c) {
        cacheTo.clear();
        cacheTo.addAll(c);
    }

    public void setInsecureRegistries(List<?> r) {
        insecureRegistries.clear();
        insecureRegistries.addAll(r);
    }

    public void setNoCache(boolean b) {
        noCache = b;
    }

    public void setPull(boolean b) {
        pull = b;
    }

    public void setSkip(boolean b) {
        skip = b;
    }

    public void setCompression(Object c) {
        compression = c;
    }

    public void setRuntime(Object r) {
        runtime = r;
    }

    public void setRoot(Object r) {
        root = r;
    }

    public void setDockerConfig(Object d) {
        dockerConfig = d;
    }

    public void setCaCert(Object f) {
        caCert = f;
    }

    /** Credentials for a registry ({@code HOST[:PORT]}), used before docker's config.json. */
    public void credentials(String registry, String username, String password) {
        credentials.put(registry, List.of(username, password));
    }

    // ---- what the tasks read --------------------------------------------------------------------

    public File getDockerfile() {
        Object v = property("dockerfile", dockerfile);
        return v == null ? project.file("Dockerfile") : project.file(v);
    }

    public File getContextDirectory() {
        Object v = property("contextDirectory", contextDirectory);
        return v == null ? project.getProjectDir() : project.file(v);
    }

    public List<String> getTags() {
        return list("tags", ",", tags);
    }

    public Map<String, String> getBuildArgs() {
        Map<String, String> out = new LinkedHashMap<>();
        buildArgs.forEach((k, v) -> out.put(k, v == null ? "" : String.valueOf(v)));
        String prefix = "jbuild.buildArg.";
        project.getProperties().forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length() && v != null) {
                out.put(k.substring(prefix.length()), String.valueOf(v));
            }
        });
        return out;
    }

    public String getTarget() {
        return string("target", target);
    }

    public List<String> getPlatforms() {
        return list("platforms", ",", platforms);
    }

    public boolean isPush() {
        return bool("push", push);
    }

    public List<String> getOutputs() {
        return list("outputs", ";", outputs);
    }

    public List<String> getCacheFrom() {
        return list("cacheFrom", ";", cacheFrom);
    }

    public List<String> getCacheTo() {
        return list("cacheTo", ";", cacheTo);
    }

    public List<String> getInsecureRegistries() {
        return list("insecureRegistries", ",", insecureRegistries);
    }

    public boolean isNoCache() {
        return bool("noCache", noCache);
    }

    public boolean isPull() {
        return bool("pull", pull);
    }

    public boolean isSkip() {
        return bool("skip", skip);
    }

    public String getCompression() {
        return string("compression", compression);
    }

    public String getRuntime() {
        return string("runtime", runtime);
    }

    /** Null: the default store ({@code $JBUILD_ROOT}, ...). */
    public File getRoot() {
        return file("root", root);
    }

    /** Null: {@code $DOCKER_CONFIG}, else {@code ~/.docker}. */
    public File getDockerConfig() {
        return file("dockerConfig", dockerConfig);
    }

    public File getCaCert() {
        return file("caCert", caCert);
    }

    /** Registry to [user name, password]. */
    public Map<String, List<String>> getCredentials() {
        return Map.copyOf(credentials);
    }

    /** The digest file jbuildBuild writes and jbuildPush reads. */
    public File getDigestFile() {
        return new File(project.getBuildDir(), "jbuild/image.digest");
    }

    // ---- project properties win ---------------------------------------------------------------

    private Object property(String name, Object configured) {
        Object p = project.findProperty("jbuild." + name);
        return p != null ? p : configured;
    }

    private String string(String name, Object configured) {
        Object v = property(name, configured);
        return v == null ? null : String.valueOf(v);
    }

    private boolean bool(String name, boolean configured) {
        Object p = project.findProperty("jbuild." + name);
        if (p == null) {
            return configured;
        }
        String s = String.valueOf(p).trim();
        return s.isEmpty() || Boolean.parseBoolean(s); // -Pjbuild.skip alone means true
    }

    private File file(String name, Object configured) {
        Object v = property(name, configured);
        return v == null ? null : project.file(v);
    }

    private List<String> list(String name, String separator, List<Object> configured) {
        Object p = project.findProperty("jbuild." + name);
        List<String> out = new ArrayList<>();
        if (p != null) {
            for (String s : String.valueOf(p).split(java.util.regex.Pattern.quote(separator))) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
            return out;
        }
        for (Object o : configured) {
            out.add(String.valueOf(o));
        }
        return out;
    }
}
