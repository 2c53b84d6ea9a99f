package dev.jbuild.cli;

import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A command on the local store: {@code --root}, and errors reported as one line on stderr
 * ({@code jbuild: ...}) with exit status 1.
 */
abstract class StoreCommand implements Callable<Integer> {
    final StoreOptions storeOptions = new StoreOptions();

    final CommandSpec spec;

    /** The command {@code name}, with {@code --root}; a subclass adds its own options. */
    StoreCommand(String name, String... description) {
        spec = Specs.command(this, name, description);
        storeOptions.addTo(spec);
    }

    /** A failure to report as one line. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
        try {
            return run(storeOptions.open());
        } catch (Failure | LocalImages.NotFound e) {
            err().println("jbuild: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err().println("jbuild: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err().println("jbuild: " + describe(e));
            return 1;
        } finally {
            out().flush();
            err().flush();
        }
    }

    abstract int run(Store store) throws IOException, Failure, LocalImages.NotFound;

    /** An IOException as one readable line: the path and what is wrong with it. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return (n.getReason() != null ? n.getReason() + " (" + n.getFile() + ")" : n.getFile() + ": no such file or directory");
        }
        if (e instanceof AccessDeniedException a) {
            return a.getFile() + ": permission denied";
        }
        if (e instanceof FileAlreadyExistsException a) {
            return a.getFile() + ": already exists";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
