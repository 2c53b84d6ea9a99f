# Shared by busybox.sh and debian-bookworm.sh (source it): packs a root file system into a
# one-layer OCI image layout, deterministically. Needs bash, GNU tar, gzip, sha256sum.

set -euo pipefail

die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2)"
}

need tar "apt-get install tar"
need gzip "apt-get install gzip"
need sha256sum "apt-get install coreutils"
tar --version 2>/dev/null | head -n1 | grep -q 'GNU tar' || die "GNU tar is required"

# Every timestamp of the image (file mtimes, config created): SOURCE_DATE_EPOCH, else 2024-01-01.
EPOCH="${SOURCE_DATE_EPOCH:-1704067200}"
CREATED="$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)"

# Options for a reproducible layer tar: PAX format without atime/ctime records, sorted names,
# numeric owners, no ACLs/SELinux labels/xattrs of the build machine.
TAR_OPTS=(--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
    --sort=name --numeric-owner --no-acls --no-selinux --no-xattrs)

sha256() {
    sha256sum "$1" | cut -d' ' -f1
}

size() {
    stat -c %s "$1"
}

# The OCI architecture (and variant) of this machine.
oci_platform() {
    local arch
    arch="$(dpkg --print-architecture 2>/dev/null || uname -m)"
    case "$arch" in
        amd64 | x86_64) echo '"architecture":"amd64","os":"linux"' ;;
        arm64 | aarch64) echo '"architecture":"arm64","os":"linux"' ;;
        armhf) echo '"architecture":"arm","os":"linux","variant":"v7"' ;;
        armel) echo '"architecture":"arm","os":"linux","variant":"v5"' ;;
        i386) echo '"architecture":"386","os":"linux"' ;;
        ppc64el) echo '"architecture":"ppc64le","os":"linux"' ;;
        s390x | riscv64) echo "\"architecture\":\"$arch\",\"os\":\"linux\"" ;;
        *) die "unknown architecture $arch" ;;
    esac
}

# Prepares OUTDIR: created when missing; an earlier layout there is replaced; anything else is refused.
prepare_outdir() {
    local out="$1"
    if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
        [ -f "$out/oci-layout" ] || die "$out exists and is not an OCI layout; refusing to overwrite it"
        rm -rf "$out/blobs" "$out/index.json" "$out/oci-layout"
    fi
    mkdir -p "$out/blobs/sha256"
}

# write_layout OUTDIR LAYER_TAR REFERENCE TAG CMD_JSON ENV_JSON HISTORY
# Gzips the layer (no name, no time) and writes config, manifest, index.json (the manifest
# annotated with io.containerd.image.name=REFERENCE and org.opencontainers.image.ref.name=TAG)
# and oci-layout. Prints the manifest digest.
write_layout() {
    local out="$1" tarfile="$2" ref="$3" tag="$4" cmd="$5" env="$6" history="$7"
    local platform diffid layer config manifest
    platform="$(oci_platform)"
    diffid="$(sha256 "$tarfile")"
    gzip -n -6 -c "$tarfile" >"$out/blobs/sha256/layer.tmp"
    layer="$(sha256 "$out/blobs/sha256/layer.tmp")"
    local layer_size
    layer_size="$(size "$out/blobs/sha256/layer.tmp")"
    mv "$out/blobs/sha256/layer.tmp" "$out/blobs/sha256/$layer"

    printf '%s' "{\"created\":\"$CREATED\",$platform,\"config\":{\"Env\":$env,\"Cmd\":$cmd},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$diffid\"]},\"history\":[{\"created\":\"$CREATED\",\"created_by\":\"$history\"}]}" \
        >"$out/blobs/sha256/config.tmp"
    config="$(sha256 "$out/blobs/sha256/config.tmp")"
    local config_size
    config_size="$(size "$out/blobs/sha256/config.tmp")"
    mv "$out/blobs/sha256/config.tmp" "$out/blobs/sha256/$config"

    printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config\",\"size\":$config_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$layer\",\"size\":$layer_size}]}" \
        >"$out/blobs/sha256/manifest.tmp"
    manifest="$(sha256 "$out/blobs/sha256/manifest.tmp")"
    local manifest_size
    manifest_size="$(size "$out/blobs/sha256/manifest.tmp")"
    mv "$out/blobs/sha256/manifest.tmp" "$out/blobs/sha256/$manifest"

    printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest\",\"size\":$manifest_size,\"annotations\":{\"io.containerd.image.name\":\"$ref\",\"org.opencontainers.image.ref.name\":\"$tag\"},\"platform\":{$platform}}]}" \
        >"$out/index.json"
    printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
    echo "sha256:$manifest"
}
