#!/usr/bin/env bash
# busybox.sh OUTDIR: an OCI image layout of a busybox image, built offline from Debian's
# busybox-static, tagged docker.io/library/busybox:latest (`jbuild load -i OUTDIR`, then
# `FROM busybox`). Byte-reproducible: the same busybox-static package (and SOURCE_DATE_EPOCH)
# gives the same digests on every run. Needs no root.
#
# The image: /bin/busybox and a symlink to it in /bin for every applet; /etc/passwd with root,
# nobody and app (1000:1000, home /home/app); /etc/group with root, nogroup, app (1000) and
# extra (1001, which app is a member of); /tmp 1777; /root 0700; /home/app 0755 owned 1000:1000.
# Cmd ["sh"].
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/oci-layout.sh"

[ $# -eq 1 ] || die "usage: busybox.sh OUTDIR"
out="$1"

status="$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null || true)"
[ "$status" = "install ok installed" ] || die "busybox-static is not installed: apt-get install busybox-static"
version="$(dpkg-query -W -f='${Version}' busybox-static)"
busybox=""
for candidate in $(dpkg -L busybox-static | grep '/busybox$'); do
    if [ -f "$candidate" ] && [ -x "$candidate" ]; then
        busybox="$candidate"
        break
    fi
done
[ -n "$busybox" ] || die "busybox-static is installed but its binary is missing: apt-get install --reinstall busybox-static"

work="$(mktemp -d "${TMPDIR:-/tmp}/busybox-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/home/app"
install -m 0755 "$busybox" "$root/bin/busybox"
applets=0
for applet in $("$root/bin/busybox" --list); do
    case "$applet" in
        busybox | */*) continue ;;
    esac
    ln -s busybox "$root/bin/$applet"
    applets=$((applets + 1))
done
[ "$applets" -gt 100 ] || die "$busybox --list gave only $applets applets"

cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
app:x:1000:1000:app:/home/app:/bin/sh
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
extra:x:1001:app
app:x:1000:
nogroup:x:65534:
GROUP
chmod 0755 "$root" "$root/bin" "$root/etc" "$root/home" "$root/home/app"
chmod 0644 "$root/etc/passwd" "$root/etc/group"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"

# Two passes, so that only /home/app belongs to app whoever runs this (no root, no chown).
tarfile="$work/layer.tar"
tar -C "$root" "${TAR_OPTS[@]}" --mtime="@$EPOCH" --owner=0 --group=0 --exclude=./home/app -cf "$tarfile" .
tar -C "$root" "${TAR_OPTS[@]}" --mtime="@$EPOCH" --owner=1000 --group=1000 -rf "$tarfile" ./home/app

prepare_outdir "$out"
write_layout "$out" "$tarfile" docker.io/library/busybox:latest latest '["sh"]' \
    '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' \
    "testdata/base-images/busybox.sh (busybox-static $version, $applets applets)"
