package dev.jbuild.core.build;

import dev.jbuild.oci.Digest;
import dev.jbuild.store.StepCache;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The cache key of a step that changes the filesystem: the key of the state before it, the
 * instruction after expansion, and every input by name and digest. Timestamps are never inputs;
 * contents, modes and owners are. Secret values never are (only their ids).
 */
final class StepKey {
    /** Bumped whenever the meaning of a key changes, so old entries never hit. */
    static final String SCHEMA = "jbuild-step-v1";

    private final Digest parent;
    private final String instruction;
    private final List<StepCache.Input> inputs = new ArrayList<>();

    StepKey(Digest parent, String instruction) {
        this.parent = parent;
        this.instruction = instruction;
    }

    StepKey input(String name, String value) {
        inputs.add(new StepCache.Input(name, Digest.sha256(value.getBytes(StandardCharsets.UTF_8)), value));
        key = null;
        return this;
    }

    StepKey input(String name, Digest digest) {
        inputs.add(new StepCache.Input(name, digest, null));
        key = null;
        return this;
    }

    /** The key as last computed, until an input is added: a COPY's key (an input per file) is asked for twice. */
    private Digest key;

    Digest parent() {
        return parent;
    }

    String instruction() {
        return instruction;
    }

    List<StepCache.Input> inputs() {
        return java.util.Collections.unmodifiableList(inputs); // added through input(), which forgets the key
    }

    Digest key() {
        if (key == null) {
            key = compute();
        }
        return key;
    }

    private Digest compute() {
        MessageDigest md = Digest.newSha256();
        line(md, SCHEMA);
        line(md, parent.toString());
        line(md, instruction);
        for (StepCache.Input i : inputs) {
            line(md, i.name());
            line(md, i.digest().toString());
        }
        return Digest.fromMessageDigest(md.digest());
    }

    private static void line(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
        md.update((byte) ':');
        md.update(b);
    }

    /**
     * A memo of a step ({@code StepCache#memo}): the digest of everything that determines its inputs, for a lookup
     * of its key that skips computing them. Each part counts with its length, so no two lists of parts collide.
     */
    static Digest memo(String... parts) {
        MessageDigest md = Digest.newSha256();
        line(md, SCHEMA + " memo");
        for (String p : parts) {
            line(md, p);
        }
        return Digest.fromMessageDigest(md.digest());
    }

    static Digest root(String what) {
        return Digest.sha256((SCHEMA + "\n" + what).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Why a step missed, compared with the entries recorded after the same parent: the first input
     * whose digest differs, an input that is new or gone, or a changed instruction.
     */
    static String explain(StepKey key, List<StepCache.Entry> siblings, boolean parentMissed) {
        if (siblings.isEmpty()) {
            return parentMissed ? "a step before it ran" : "no earlier build of this step";
        }
        StepCache.Entry best = null;
        for (StepCache.Entry e : siblings) {
            if (e.instruction().equals(key.instruction())) {
                best = e;
                break;
            }
        }
        if (best == null) {
            return "the instruction changed (was: " + siblings.get(0).instruction() + ")";
        }
        java.util.Map<String, StepCache.Input> old = new java.util.LinkedHashMap<>();
        for (StepCache.Input i : best.inputs()) {
            old.put(i.name(), i);
        }
        for (StepCache.Input now : key.inputs()) {
            StepCache.Input was = old.remove(now.name());
            if (was == null) {
                return now.name() + " is new";
            }
            if (!was.digest().equals(now.digest())) {
                if (was.display() != null && now.display() != null) {
                    return now.name() + " changed " + was.display() + " \u2192 " + now.display();
                }
                return now.name() + " changed";
            }
        }
        if (!old.isEmpty()) {
            return old.keySet().iterator().next() + " is gone";
        }
        return "the cached layer is no longer in the store";
    }
}
