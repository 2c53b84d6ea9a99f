/**
 * jbuild's registry client (module registry-client): the OCI distribution protocol between the local store
 * ({@link dev.jbuild.store.Store}) and registries.
 *
 * <p>{@link dev.jbuild.registry.RegistryClient} pulls ({@code pull(ref, platform, store)} →
 * {@link dev.jbuild.registry.PullResult}), resolves ({@code resolve(ref, platform)} → the platform manifest's
 * descriptor, for {@code --pull} checks) and pushes ({@code push(target, manifestDigest, store)} →
 * {@link dev.jbuild.registry.PushResult}); {@code login(registry, credentials)} checks credentials.
 * {@link dev.jbuild.registry.RegistryOptions} holds insecure registries, the CA file, the certs.d directory,
 * docker's config directory, parallelism, chunk size and retry policy; {@link dev.jbuild.registry.DockerConfig}
 * reads and writes docker's {@code config.json} (auths, credsStore, credHelpers) for login and logout. Every
 * failure is a {@link dev.jbuild.registry.RegistryException} naming registry, repository, action, HTTP status and
 * the registry's error, never a credential.
 *
 * <p>Typical use:
 * <pre>{@code
 * try (RegistryClient client = new RegistryClient(RegistryOptions.defaults())) {
 *     PullResult base = client.pull(ImageReference.parse("alpine:3.20"), Platform.parse("linux/amd64"), store);
 *     ...
 *     client.push(ImageReference.parse("registry.example.com/app:1.0"), manifestDigest, store);
 * }
 * }</pre>
 */
package dev.jbuild.registry;
