package dev.jbuild.core.build;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * EXPOSE port specs as BuildKit reads them: {@code 80}, {@code 80/udp}, ranges
 * ({@code 8000-8002/udp} exposes each port), and the {@code [ip:]hostPort:containerPort} forms whose
 * host part is validated and then ignored.
 */
final class Ports {
    private Ports() {}

    static List<String> parse(String raw) throws BuildException {
        String[] parts = raw.split(":", -1);
        String hostPort = parts.length >= 2 ? parts[parts.length - 2] : "";
        String container = parts[parts.length - 1];
        int slash = container.indexOf('/');
        String port = slash < 0 ? container : container.substring(0, slash);
        String proto = slash < 0 ? "tcp" : container.substring(slash + 1);
        if (port.isEmpty()) {
            throw new BuildException("invalid port: \"" + raw + "\": no port specified");
        }
        String p = proto.toLowerCase(Locale.ROOT);
        if (!p.equals("tcp") && !p.equals("udp") && !p.equals("sctp")) {
            throw new BuildException("invalid port: \"" + raw + "\": invalid proto: " + proto);
        }
        int[] range = range(port, "containerPort");
        if (!hostPort.isEmpty()) {
            int[] host = range(hostPort, "hostPort");
            if (range[1] - range[0] != host[1] - host[0] && range[1] != range[0]) {
                throw new BuildException("invalid ranges specified for container and host Ports: " + port + " and "
                        + hostPort);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = range[0]; i <= range[1]; i++) {
            out.add(i + "/" + p);
        }
        return out;
    }

    private static int[] range(String spec, String what) throws BuildException {
        int dash = spec.indexOf('-');
        String start = dash < 0 ? spec : spec.substring(0, dash);
        String end = dash < 0 ? start : spec.substring(dash + 1);
        int s = number(start, spec, what);
        int e = start.equals(end) ? s : number(end, spec, what);
        if (e < s) {
            throw new BuildException("invalid " + what + ": " + spec);
        }
        return new int[] {s, e};
    }

    private static int number(String n, String spec, String what) throws BuildException {
        try {
            int v = Integer.parseInt(n);
            if (v < 0 || v > 65535) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException ex) {
            throw new BuildException("invalid " + what + ": " + spec);
        }
    }
}
