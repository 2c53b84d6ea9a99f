package dev.jbuild.executor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime-spec config.json of a step, as Docker/BuildKit would give runc: Docker's default capability
 * set in the bounding, effective and permitted sets (inheritable empty, as moby has it since CVE-2022-24769; all
 * capabilities when insecure), proc, sysfs (read-only), a /dev tmpfs, devpts, shm, mqueue, the /etc binds and
 * the extra mounts, pid/mount/uts/ipc namespaces (and network unless HOST), Docker's masked and read-only paths,
 * no cgroup limits and no seccomp profile.
 */
final class OciConfig {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static final List<String> MASKED = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");
    static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    private OciConfig() {}

    static byte[] build(ExecSpec spec, Path rootfs, Path hostnameFile) throws IOException {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("ociVersion", "1.0.2");

        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", false);
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("uid", spec.uid());
        user.put("gid", spec.gid());
        if (!spec.additionalGids().isEmpty()) user.put("additionalGids", spec.additionalGids());
        process.put("user", user);
        process.put("args", spec.args());
        process.put("env", spec.env());
        process.put("cwd", spec.cwd());
        List<String> caps = spec.insecure() ? Capabilities.allAvailable() : Capabilities.DOCKER_DEFAULT;
        Map<String, Object> capabilities = new LinkedHashMap<>();
        capabilities.put("bounding", caps);
        capabilities.put("effective", caps);
        capabilities.put("permitted", caps);
        capabilities.put("inheritable", List.of());
        process.put("capabilities", capabilities);
        process.put("noNewPrivileges", false);
        c.put("process", process);

        c.put("root", Map.of("path", rootfs.toString(), "readonly", false));
        if (spec.hostname() != null && !spec.hostname().isEmpty()) c.put("hostname", spec.hostname());

        List<Map<String, Object>> mounts = new ArrayList<>();
        mounts.add(mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"));
        mounts.add(mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"));
        mounts.add(mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
        mounts.add(mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
        mounts.add(mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"));
        mounts.add(mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", spec.insecure() ? "rw" : "ro"));
        if (hostnameFile != null) mounts.add(mount("/etc/hostname", "bind", hostnameFile.toString(), "rbind", "ro"));
        if (spec.resolvConf() != null) mounts.add(mount("/etc/resolv.conf", "bind", spec.resolvConf().toString(), "rbind", "ro"));
        if (spec.hosts() != null) mounts.add(mount("/etc/hosts", "bind", spec.hosts().toString(), "rbind", "ro"));
        for (Mount m : spec.mounts()) {
            if (m.type() == Mount.Type.BIND) {
                mounts.add(mount(m.target(), "bind", m.source().toString(), "rbind", m.readOnly() ? "ro" : "rw"));
            } else {
                List<String> o = new ArrayList<>(List.of("nosuid", "nodev"));
                o.add("mode=" + Integer.toOctalString(m.tmpfsMode() == 0 ? 01777 : m.tmpfsMode()));
                if (m.tmpfsSize() > 0) o.add("size=" + m.tmpfsSize());
                if (m.readOnly()) o.add("ro");
                mounts.add(mount(m.target(), "tmpfs", "tmpfs", o.toArray(String[]::new)));
            }
        }
        c.put("mounts", mounts);

        Map<String, Object> linux = new LinkedHashMap<>();
        List<Map<String, String>> ns = new ArrayList<>();
        for (String t : List.of("pid", "mount", "uts", "ipc")) ns.add(Map.of("type", t));
        if (spec.network() == Network.NONE) ns.add(Map.of("type", "network"));
        linux.put("namespaces", ns);
        if (!spec.insecure()) {
            linux.put("maskedPaths", MASKED);
            linux.put("readonlyPaths", READONLY);
        }
        c.put("linux", linux);
        return JSON.writeValueAsBytes(c);
    }

    private static Map<String, Object> mount(String dest, String type, String source, String... options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", dest);
        m.put("type", type);
        m.put("source", source);
        m.put("options", List.of(options));
        return m;
    }
}
