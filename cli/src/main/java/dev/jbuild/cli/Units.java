package dev.jbuild.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Sizes and times as the docker CLI shows them (go-units' HumanSize and HumanDuration). */
final class Units {
    private Units() {}

    private static final String[] DECIMAL = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};

    /** go-units {@code HumanSizeWithPrecision}: decimal units, {@code %.*g}; e.g. 1.23MB, 512B. */
    static String humanSize(long size, int precision) {
        double s = size;
        int i = 0;
        while (s >= 1000.0 && i < DECIMAL.length - 1) {
            s /= 1000.0;
            i++;
        }
        return goG(s, precision) + DECIMAL[i];
    }

    /** {@code docker images} and {@code docker history}: three significant digits. */
    static String humanSize(long size) {
        return humanSize(size, 3);
    }

    /** Go's {@code fmt.Sprintf("%.*g", precision, v)} for a finite, non-negative v. */
    static String goG(double v, int precision) {
        if (v == 0) {
            return "0";
        }
        BigDecimal d = new BigDecimal(v).round(new MathContext(precision, RoundingMode.HALF_EVEN));
        int exponent = d.precision() - d.scale() - 1;
        if (exponent < -4 || exponent >= precision) {
            BigDecimal mantissa = d.movePointLeft(exponent).stripTrailingZeros();
            String m = mantissa.toPlainString();
            String sign = exponent < 0 ? "-" : "+";
            int abs = Math.abs(exponent);
            return m + "e" + sign + (abs < 10 ? "0" : "") + abs;
        }
        String plain = d.toPlainString();
        if (plain.indexOf('.') >= 0) {
            plain = plain.replaceAll("0+$", "");
            if (plain.endsWith(".")) {
                plain = plain.substring(0, plain.length() - 1);
            }
        }
        return plain;
    }

    /** go-units {@code HumanDuration}: "Less than a second", "About a minute", "3 hours", "2 weeks". */
    static String humanDuration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < 1) {
            return "Less than a second";
        } else if (seconds == 1) {
            return "1 second";
        } else if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = d.toMinutes();
        if (minutes == 1) {
            return "About a minute";
        } else if (minutes < 60) {
            return minutes + " minutes";
        }
        long hours = (long) (d.toNanos() / 3.6e12 + 0.5);
        if (hours == 1) {
            return "About an hour";
        } else if (hours < 48) {
            return hours + " hours";
        } else if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        } else if (hours < 24 * 30 * 2) {
            return hours / 24 / 7 + " weeks";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return d.toHours() / 24 / 365 + " years";
    }

    /** "2 hours ago" for an RFC 3339 time, as the docker CLI's CREATED column; "N/A" when unknown. */
    static String ago(String created, Instant now) {
        Instant t = parseTime(created);
        if (t == null) {
            return "N/A";
        }
        return humanDuration(Duration.between(t, now)) + " ago";
    }

    static Instant parseTime(String rfc3339) {
        if (rfc3339 == null || rfc3339.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(rfc3339).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
