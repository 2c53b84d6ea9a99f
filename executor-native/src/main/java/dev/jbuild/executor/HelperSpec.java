package dev.jbuild.executor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The helper's input: NUL-terminated {@code key=value} records (values may hold anything but NUL: newlines in
 * arguments are fine), and its report, in the same format: {@code created=PATH} records and at most one
 * {@code error=MESSAGE}.
 */
final class HelperSpec {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    HelperSpec add(String key, Object value) {
        byte[] v = String.valueOf(value).getBytes(StandardCharsets.UTF_8);
        out.writeBytes(key.getBytes(StandardCharsets.US_ASCII));
        out.write('=');
        out.writeBytes(v);
        out.write(0);
        return this;
    }

    void write(Path file) throws IOException {
        Files.write(file, out.toByteArray());
    }

    /** The records the native and the OCI modes share: the overlay, the process, the mounts. */
    static HelperSpec common(ExecSpec spec, RunDir dir) throws IOException {
        HelperSpec s = new HelperSpec();
        s.add("parent-pid", ProcessHandle.current().pid());
        s.add("report", dir.report());
        s.add("rootfs", dir.rootfs());
        s.add("empty", dir.emptyDir()); // the bottom layer of a scratch build, and of the helper's image probe
        for (Path p : spec.lowerDirs()) s.add("lower", p);
        s.add("upper", spec.upperDir());
        s.add("work", spec.workDir());
        for (String a : spec.args()) s.add("arg", a);
        for (String e : spec.env()) s.add("env", e);
        s.add("cwd", spec.cwd());
        s.add("uid", spec.uid());
        s.add("gid", spec.gid());
        for (long g : spec.additionalGids()) s.add("group", g);
        if (spec.hostname() != null && !spec.hostname().isEmpty()) s.add("hostname", spec.hostname());
        s.add("network", spec.network() == Network.NONE ? "none" : "host");
        if (spec.resolvConf() != null) s.add("resolv-conf", spec.resolvConf());
        if (spec.hosts() != null) s.add("hosts", spec.hosts());
        s.add("insecure", spec.insecure() ? 1 : 0);
        for (Mount m : spec.mounts()) {
            s.add("mount-type", m.type() == Mount.Type.BIND ? "bind" : "tmpfs");
            if (m.source() != null) s.add("mount-source", m.source());
            s.add("mount-target", m.target());
            s.add("mount-ro", m.readOnly() ? 1 : 0);
            if (m.type() == Mount.Type.TMPFS) {
                s.add("mount-size", m.tmpfsSize());
                s.add("mount-mode", Integer.toOctalString(m.tmpfsMode()));
            }
        }
        return s;
    }

    /** Checks the directories before a helper is started, for clear messages. */
    static void checkDirs(ExecSpec spec) throws IOException {
        for (Path p : spec.lowerDirs())
            if (!Files.isDirectory(p)) throw new NoSuchFileException(p.toString(), null, "lower dir is not a directory");
        if (!Files.isDirectory(spec.upperDir()))
            throw new NoSuchFileException(spec.upperDir().toString(), null, "upper dir is not a directory");
        if (!Files.isDirectory(spec.workDir()))
            throw new NoSuchFileException(spec.workDir().toString(), null, "work dir is not a directory");
        for (Mount m : spec.mounts())
            if (m.source() != null && !Files.exists(m.source()))
                throw new NoSuchFileException(m.source().toString(), null, "bind mount source does not exist");
        if (spec.resolvConf() != null && !Files.isRegularFile(spec.resolvConf()))
            throw new NoSuchFileException(spec.resolvConf().toString(), null, "resolv.conf is not a file");
        if (spec.hosts() != null && !Files.isRegularFile(spec.hosts()))
            throw new NoSuchFileException(spec.hosts().toString(), null, "hosts is not a file");
    }

    record Report(boolean present, List<String> created, String error) {
        static Report read(Path file) throws IOException {
            byte[] b;
            try {
                b = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                return new Report(false, List.of(), null);
            }
            List<String> created = new ArrayList<>();
            String error = null;
            int start = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] != 0) continue;
                String rec = new String(b, start, i - start, StandardCharsets.UTF_8);
                start = i + 1;
                int eq = rec.indexOf('=');
                if (eq < 0) continue;
                String k = rec.substring(0, eq), v = rec.substring(eq + 1);
                if (k.equals("created")) created.add(v);
                else if (k.equals("error") && error == null) error = v;
            }
            return new Report(true, created, error);
        }
    }
}
