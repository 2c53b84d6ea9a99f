package dev.jbuild.core.build;

import java.util.Locale;
import java.util.Set;

/** STOPSIGNAL values as moby's signal.ParseSignal accepts them on Linux: a number, or a name with or without SIG. */
final class Signals {
    private static final Set<String> NAMES = Set.of("ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL",
            "INT", "IO", "IOT", "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM",
            "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ");

    private Signals() {}

    /** Null when valid, else the error message. */
    static String check(String signal) {
        if (signal.matches("\\d+")) {
            long n = Long.parseLong(signal);
            return n >= 1 && n <= 64 ? null : "Invalid signal: " + signal;
        }
        String name = signal.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) {
            name = name.substring(3);
        }
        if (NAMES.contains(name) || name.matches("RTMIN(\\+([1-9]|1[0-5]))?|RTMAX(-([1-9]|1[0-4]))?")) {
            return null;
        }
        return "Invalid signal: " + signal;
    }
}
