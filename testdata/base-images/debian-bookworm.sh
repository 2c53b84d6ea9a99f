#!/usr/bin/env bash
# debian-bookworm.sh OUTDIR: an OCI image layout of a minimal Debian 12 ("debootstrap
# --variant=minbase bookworm"), tagged docker.io/library/debian:bookworm, for `jbuild load -i
# OUTDIR` and `FROM debian:bookworm`. Needs root and debootstrap; takes minutes.
#
# The mirror is the one this machine's apt is configured with (the first "deb" source of suite
# bookworm with component main in /etc/apt/sources.list and /etc/apt/sources.list.d/*.list or
# *.sources), read at run time; MIRROR=URL overrides it. The layer is packed deterministically
# (sorted, numeric owners, mtimes clamped to SOURCE_DATE_EPOCH or 2024-01-01, apt lists, caches
# and logs removed, /dev emptied), so the same packages give the same image; a later run may
# fetch newer packages.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/oci-layout.sh"

[ $# -eq 1 ] || die "usage: debian-bookworm.sh OUTDIR"
out="$1"
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
need debootstrap "apt-get install debootstrap"

# The first deb source for bookworm main, from one-line and deb822 apt sources.
find_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '
            /^[ \t]*#/ { next }
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                uri = $i; suite = $(i + 1)
                if (suite != "bookworm") next
                for (j = i + 2; j <= NF; j++) if ($j == "main") { print uri; exit }
            }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ / bookworm / && (" " comps " ") ~ / main / && enabled != "no" && uris != "") {
                    split(uris, u, " "); print u[1]; found = 1; exit
                }
                types = ""; uris = ""; suites = ""; comps = ""; enabled = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            {
                line = $0; key = tolower(substr(line, 1, index(line, ":") - 1)); val = substr(line, index(line, ":") + 1)
                gsub(/^[ \t]+|[ \t]+$/, "", val)
                if (key == "types") types = val
                else if (key == "uris") uris = val
                else if (key == "suites") suites = val
                else if (key == "components") comps = val
                else if (key == "enabled") enabled = tolower(val)
            }
            END { if (!found) flush() }' "$f"
    done
}

mirror="${MIRROR:-$(find_mirror | head -n1)}"
[ -n "$mirror" ] || die "no apt source for bookworm main in /etc/apt/sources.list(.d); set MIRROR=URL"
echo "debian-bookworm.sh: mirror $mirror" >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/debian-image.XXXXXX")"
root="$work/root"
cleanup() {
    # debootstrap mounts proc and sys in the target; never delete through a mount.
    if [ -d "$root" ]; then
        for m in $(awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r); do
            umount -l "$m" || true
        done
    fi
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

start=$(date +%s)
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (the log is above)"
fi
echo "debian-bookworm.sh: debootstrap took $(($(date +%s) - start))s" >&2

# Remove what varies from run to run and what an image does not need.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/cache/ldconfig/aux-cache "$root"/var/log/* "$root"/tmp/* "$root"/var/tmp/* \
    "$root"/dev/* "$root"/run/* "$root"/root/.cache
find "$root/var/cache/apt/archives" -mindepth 1 -maxdepth 1 -name partial -prune -o -mindepth 1 -print 2>/dev/null \
    | xargs -r rm -rf
: >"$root/etc/machine-id" 2>/dev/null || true
rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_* "$root/var/lib/systemd/random-seed"
mkdir -p "$root/var/lib/apt/lists/partial"

tarfile="$work/layer.tar"
tar -C "$root" "${TAR_OPTS[@]}" --mtime="@$EPOCH" --clamp-mtime -cf "$tarfile" .

prepare_outdir "$out"
write_layout "$out" "$tarfile" docker.io/library/debian:bookworm bookworm '["bash"]' \
    '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' \
    "testdata/base-images/debian-bookworm.sh (debootstrap --variant=minbase bookworm)"
