#!/bin/bash
# Builds the base of amibake's container image from Debian's packages, since no image registry is
# reachable: Debian 12 with its Java 17 runtime (openjdk-17-jre-headless, CA certificates), no apt,
# no documentation, and the account amibake (uid and gid 10001) with its home /var/lib/amibake.
# Written as a 'docker save' archive of one layer, which Jib reads as a tar:// base image.
#
#   debian-jre-base.sh CACHE [MIRROR]     (MIRROR: default http://deb.debian.org/debian)
#
# Prints the archive's path on its last line: CACHE/debian-12-jre17-HASH.tar, HASH from this
# script's own text. Parallel runs wait on one lock; the archive appears in one rename.
set -euo pipefail
cache=$1 mirror=${2:-http://deb.debian.org/debian}
name=debian-12-jre17-$(sha256sum < "$0" | cut -c1-12)
final=$cache/$name.tar
mkdir -p "$cache"
exec 9>"$cache/$name.lock"
flock 9
if [ -f "$final" ]; then echo "$final"; exit 0; fi

work=$(mktemp -d "$cache/.$name.XXXXXX")
trap 'rm -rf "$work"' EXIT

# openjdk's postinst links its man page into /usr/share/man/man1, which must exist (then goes).
mmdebstrap --variant=essential --include=openjdk-17-jre-headless,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
  --customize-hook='echo "amibake:x:10001:10001:amibake:/var/lib/amibake:/usr/sbin/nologin" >> "$1/etc/passwd"' \
  --customize-hook='echo "amibake:x:10001:" >> "$1/etc/group"' \
  --customize-hook='mkdir -p "$1/var/lib/amibake" && chown 10001:10001 "$1/var/lib/amibake" && chmod 0750 "$1/var/lib/amibake"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log "$1"/usr/share/man' \
  bookworm "$work/layer.tar" "$mirror"

# A 'docker save' archive: the layer, the image's configuration naming it by its digest, a manifest.
diff_id=sha256:$(sha256sum < "$work/layer.tar" | cut -d' ' -f1)
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat > "$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"$created",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8"],
           "User":"10001:10001","WorkingDir":"/var/lib/amibake"},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created":"$created","created_by":"debian-jre-base.sh: mmdebstrap bookworm openjdk-17-jre-headless"}]}
JSON
echo '[{"Config":"config.json","RepoTags":["amibake-base:debian-12-jre17"],"Layers":["layer.tar"]}]' \
  > "$work/manifest.json"
tar -C "$work" -cf "$work/image.tar" manifest.json config.json layer.tar
mv "$work/image.tar" "$final"
echo "$final"
