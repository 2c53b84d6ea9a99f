package dev.jbuild.sample;

/** The sample application the Maven plugin's integration tests put into an image. */
public final class App {
    private App() {}

    public static void main(String[] args) {
        System.out.println("hello from " + App.class.getPackage().getImplementationVersion());
    }
}
