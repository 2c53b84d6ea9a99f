package dev.jbuild.executor;

import java.util.List;

/**
 * The outcome of {@link Executor#run}.
 *
 * @param exitCode the command's exit status; 128+N when it was killed by signal N (137 after a timeout or kill)
 * @param createdPaths paths (absolute in the rootfs, parents before children) that the executor created only as
 *     mount points or for set-up because they did not exist — e.g. /proc, /sys, /dev, /etc/resolv.conf,
 *     /etc/hosts, /etc/hostname, extra mount targets and their parents, the working directory — which the layer
 *     diff must drop when they are still empty and unchanged
 * @param timedOut the spec's timeout passed and the container was killed
 */
public record ExecResult(int exitCode, List<String> createdPaths, boolean timedOut) {
    public ExecResult {
        createdPaths = List.copyOf(createdPaths);
    }

    public ExecResult(int exitCode, List<String> createdPaths) {
        this(exitCode, createdPaths, false);
    }
}
