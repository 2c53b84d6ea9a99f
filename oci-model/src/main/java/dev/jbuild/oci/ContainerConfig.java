package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code config} object inside an image config: the defaults a container starts with. Field names on the
 * wire are Docker's capitalised ones ({@code Env}, {@code Cmd}, {@code WorkingDir}, ...), written in the order
 * of Go's structs (OCI {@code ImageConfig}, then Docker's {@code Healthcheck}, {@code OnBuild}, {@code Shell});
 * empty values are omitted as Go's {@code omitempty} does, so "" and [] are held as null and empty.
 *
 * <p>{@code ExposedPorts} and {@code Volumes} are sets here; on the wire they are objects whose values are
 * {@code {}}. {@code unknownFields} keeps fields of configs read from elsewhere (e.g. Docker's {@code Hostname},
 * {@code Image}) so that re-writing does not lose them; they are written after the known fields, sorted. A
 * config derived for a new image should usually drop them ({@link #withoutUnknownFields()}), as BuildKit does.
 */
public record ContainerConfig(String user, Set<String> exposedPorts, List<String> env, List<String> entrypoint,
        List<String> cmd, Set<String> volumes, String workingDir, Map<String, String> labels, String stopSignal,
        boolean argsEscaped, Healthcheck healthcheck, List<String> onBuild, List<String> shell,
        Map<String, JsonNode> unknownFields) {

    /** The JSON names of the fields above, in the order they are written. */
    static final List<String> FIELDS = List.of("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes",
            "WorkingDir", "Labels", "StopSignal", "ArgsEscaped", "Healthcheck", "OnBuild", "Shell");

    public static final ContainerConfig EMPTY = new ContainerConfig(null, null, null, null, null, null, null, null,
            null, false, null, null, null, null);

    public ContainerConfig {
        user = Values.emptyToNull(user);
        exposedPorts = Values.set(exposedPorts);
        env = Values.list(env);
        entrypoint = Values.list(entrypoint);
        cmd = Values.list(cmd);
        volumes = Values.set(volumes);
        workingDir = Values.emptyToNull(workingDir);
        labels = Values.map(labels);
        stopSignal = Values.emptyToNull(stopSignal);
        onBuild = Values.list(onBuild);
        shell = Values.list(shell);
        unknownFields = Values.unknown(unknownFields, Set.copyOf(FIELDS), "config");
    }

    /** Fields this model does not know, as read; a deep copy, so changing it changes nothing here. */
    @Override
    public Map<String, JsonNode> unknownFields() {
        return Values.copyOf(unknownFields);
    }

    public ContainerConfig withUser(String v) {
        return new ContainerConfig(v, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withExposedPorts(Set<String> v) {
        return new ContainerConfig(user, v, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withEnv(List<String> v) {
        return new ContainerConfig(user, exposedPorts, v, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withEntrypoint(List<String> v) {
        return new ContainerConfig(user, exposedPorts, env, v, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withCmd(List<String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, v, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withVolumes(Set<String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, v, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withWorkingDir(String v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, v, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withLabels(Map<String, String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, v, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withStopSignal(String v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, v,
                argsEscaped, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withArgsEscaped(boolean v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                v, healthcheck, onBuild, shell, unknownFields);
    }

    public ContainerConfig withHealthcheck(Healthcheck v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, v, onBuild, shell, unknownFields);
    }

    public ContainerConfig withOnBuild(List<String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, v, shell, unknownFields);
    }

    public ContainerConfig withShell(List<String> v) {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, v, unknownFields);
    }

    public ContainerConfig withoutUnknownFields() {
        return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                argsEscaped, healthcheck, onBuild, shell, null);
    }
}
