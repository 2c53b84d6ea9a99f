/**
 * jbuild's local store (module layer-cache): {@link dev.jbuild.store.Store} opens the state
 * directory; {@link dev.jbuild.store.BlobStore} holds content-addressed blobs;
 * {@link dev.jbuild.store.LayerWriter} and {@link dev.jbuild.store.LayerReader} write and read
 * deterministic layer tars; {@link dev.jbuild.store.SnapshotStore} unpacks layers for builds;
 * {@link dev.jbuild.store.RootfsSnapshots} unpacks them as overlayfs lower directories for
 * containers, and {@link dev.jbuild.store.UpperDiff} turns a container's overlay upper directory
 * into the entries of its layer;
 * {@link dev.jbuild.store.ImageStore} keeps local tags; {@link dev.jbuild.store.Store#prune}
 * collects garbage.
 *
 * <p>Typical build: hold {@link dev.jbuild.store.Store#lockShared()} for the whole build; write
 * layers with {@code LayerWriter.write(store.blobs(), entries, Compression.GZIP, epoch)}; put the
 * config and manifest with {@code store.blobs().put(bytes)}; {@code store.images().tag(ref,
 * manifestDigest)}; release the hold.
 *
 * <p>A RUN step: {@code lowers = store.rootfs().ensure(layer)} for each layer of the stage (top
 * first); mount overlay with {@code lowerdir=L1:L2:...,upperdir=U,workdir=W,} followed by
 * {@code store.rootfs().overlayXattrs().mountOptions()}; run; unmount; {@code UpperDiff.entries(U, mountPoints, lowerEntries)}; write the layer
 * with LayerWriter before deleting U.
 */
package dev.jbuild.store;
