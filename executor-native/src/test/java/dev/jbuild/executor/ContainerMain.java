package dev.jbuild.executor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs one container and prints its output and exit status; started in a child JVM by the contract test (to
 * SIGKILL a JVM that runs a container, and to run as an unprivileged user).
 *
 * <p>Arguments: RUNTIME STATE_DIR LOWERS(colon-separated, may be empty) UPPER WORK COMMAND...
 */
public final class ContainerMain {
    private ContainerMain() {}

    public static void main(String[] args) throws Exception {
        List<Path> lowers = new ArrayList<>();
        for (String s : args[2].split(":")) if (!s.isEmpty()) lowers.add(Path.of(s));
        ExecSpec spec = ExecSpec.builder()
                .lowerDirs(lowers)
                .upperDir(Path.of(args[3]))
                .workDir(Path.of(args[4]))
                .args(Arrays.asList(args).subList(5, args.length))
                .env("PATH=/bin")
                .build();
        Executor ex = Executors.forName(args[0], Path.of(args[1]));
        System.out.println("started");
        System.out.flush();
        ExecResult r = ex.run(spec, new OutputSink() {
            @Override
            public void stdout(byte[] b, int off, int len) {
                System.out.write(b, off, len);
                System.out.flush();
            }

            @Override
            public void stderr(byte[] b, int off, int len) {
                System.err.write(b, off, len);
                System.err.flush();
            }
        });
        System.out.println("exit=" + r.exitCode());
        System.out.flush();
        System.exit(0);
    }
}
