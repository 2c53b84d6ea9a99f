package dev.jbuild.core.progress;

/**
 * One step of a build as progress displays name it: BuildKit's vertex {@code #ID [STAGE INDEX/TOTAL] INSTRUCTION}.
 * Steps are FROM and the instructions that touch the filesystem (RUN, COPY, ADD, WORKDIR); instructions that only
 * change the image config are not steps, as in BuildKit.
 *
 * @param id          the build's step number, from 1, in the order steps started
 * @param stage       the stage's name ({@code stage-N} when it has none)
 * @param stageIndex  the stage's index in the Dockerfile
 * @param index       the step's position in its stage, from 1 (FROM is 1)
 * @param total       the number of steps of the stage
 * @param line        the Dockerfile line of the instruction (of FROM for ONBUILD triggers)
 * @param instruction the instruction's text as written
 */
public record StepInfo(int id, String stage, int stageIndex, int index, int total, int line, String instruction) {
    /** BuildKit's vertex name: {@code [STAGE i/n] INSTRUCTION}, or {@code [i/n] INSTRUCTION} for an unnamed stage. */
    public String label() {
        return "[" + (stage.isEmpty() ? "" : stage + " ") + index + "/" + total + "] " + instruction;
    }
}
