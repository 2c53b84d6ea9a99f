package dev.jbuild.store;

import java.util.ArrayList;
import java.util.List;

/**
 * A user-namespace id mapping, as {@code /proc/PID/uid_map} (or {@code gid_map}) shows it: ranges
 * of ids inside the namespace (the container's) and the ids outside (the host's, what the upper
 * directory's files carry). {@link UpperDiff} uses it to turn the host ids of an upper directory
 * back into the container's ids that belong in the layer.
 */
public final class IdMap {
    /** The kernel's overflow id: what an unmapped id shows as. */
    public static final long OVERFLOW_ID = 65534;

    /** No namespace: every id is itself. */
    public static final IdMap IDENTITY = new IdMap(List.of(new Range(0, 0, 1L << 32)));

    /** {@code count} ids from {@code inside} map to {@code count} ids from {@code outside}. */
    public record Range(long inside, long outside, long count) {
        public Range {
            if (inside < 0 || outside < 0 || count <= 0) {
                throw new IllegalArgumentException("invalid id range " + inside + " " + outside + " " + count);
            }
        }
    }

    private final List<Range> ranges;

    private IdMap(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    public static IdMap of(List<Range> ranges) {
        return new IdMap(ranges);
    }

    /** One range: {@code count} ids from {@code inside} are {@code outside...} on the host. */
    public static IdMap of(long inside, long outside, long count) {
        return new IdMap(List.of(new Range(inside, outside, count)));
    }

    /** Parses the text of {@code /proc/PID/uid_map}: lines of "inside outside count". */
    public static IdMap parse(String procMap) {
        List<Range> out = new ArrayList<>();
        for (String line : procMap.split("\n")) {
            String l = line.trim();
            if (l.isEmpty()) {
                continue;
            }
            String[] f = l.split("\\s+");
            if (f.length != 3) {
                throw new IllegalArgumentException("not an id map line: \"" + line + "\"");
            }
            out.add(new Range(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty id map");
        }
        return new IdMap(out);
    }

    public List<Range> ranges() {
        return ranges;
    }

    /** The container's id for a host id, or {@link #OVERFLOW_ID} when the host id is not mapped. */
    public long toInside(long outside) {
        for (Range r : ranges) {
            if (outside >= r.outside() && outside - r.outside() < r.count()) {
                return r.inside() + (outside - r.outside());
            }
        }
        return OVERFLOW_ID;
    }

    /** The host's id for a container id, or -1 when it is not mapped. */
    public long toOutside(long inside) {
        for (Range r : ranges) {
            if (inside >= r.inside() && inside - r.inside() < r.count()) {
                return r.outside() + (inside - r.inside());
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdMap m && m.ranges.equals(ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    @Override
    public String toString() {
        return "IdMap" + ranges;
    }
}
