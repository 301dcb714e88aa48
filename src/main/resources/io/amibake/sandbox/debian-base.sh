#!/bin/bash
# Builds the sandbox's Debian 12 base image: a root file system that boots under systemd-nspawn
# and looks, to a recipe, like Debian's own AMI: systemd, OpenSSH, curl and cloud-init, no SSH
# host keys and an empty machine-id (cloud-init and systemd make them on the first boot), the
# Debian mirror, updates and security in its apt sources, no package lists.
#
#   debian-base.sh CACHE [MIRROR]     (MIRROR: default http://deb.debian.org/debian)
#
# Prints the image's directory on its last line: CACHE/debian-12-HASH, HASH from this script's
# own text, so a changed script builds a new image. Parallel runs (tests, CI starting the build
# early) wait on one lock and build it once; the image appears in one rename, whole or not at all.
set -euo pipefail
cache=$1 mirror=${2:-http://deb.debian.org/debian}
name=debian-12-$(sha256sum < "$0" | cut -c1-12)
final=$cache/$name
mkdir -p "$cache"
exec 9>"$cache/$name.lock"
flock 9
if [ -d "$final" ]; then echo "$final"; exit 0; fi

# A build killed half-way left its directory behind; only this lock's holder may remove it.
rm -rf "$cache/.$name".building.*
root=$cache/.$name.building.$$

echo "debootstrap bookworm from $mirror"
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,curl,ca-certificates,openssh-server,procps,cloud-init,python3-cffi-backend \
  bookworm "$root" "$mirror"

cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
# Debian's AMI has no package lists: apt-get update comes first on every build.
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/*
mkdir -p "$root/var/lib/apt/lists/partial"

# What the first boot of every instance makes for itself.
rm -f "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
echo localhost > "$root/etc/hostname"

# cloud-init reads each instance's id and hostname from a NoCloud seed that the sandbox mounts
# at boot, as it reads them from the instance metadata service on EC2. The sandbox configures
# the network itself, and the image has no locales package.
mkdir -p "$root/var/lib/cloud/seed/nocloud"
cat > "$root/etc/cloud/cloud.cfg.d/90-amibake-sandbox.cfg" <<'EOF'
datasource_list: [NoCloud, None]
network: {config: disabled}
locale: false
EOF

# The sandbox mounts its apt proxy setting over this empty file while an instance runs: the
# file stays empty in every image.
: > "$root/etc/apt/apt.conf.d/01amibake-sandbox-proxy"

find "$root/var/log" -type f -exec truncate -s 0 {} +
rm -rf "$root"/tmp/* "$root"/var/tmp/* "$root/debootstrap"

mv "$root" "$final"
echo "$final"
