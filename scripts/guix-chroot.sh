#!/usr/bin/env bash
# Build (once) a Debian sid root that carries a real GNU Guix, for the guix provider's real-guix
# tests: Debian 12 has no guix package, sid ships guix 1.5.0. Safe to run again; a finished root is
# marked and reused. Usage: scripts/guix-chroot.sh [DIR]   (default /var/tmp/ganeti-os-guix-root)
set -euo pipefail
root=${1:-${GANETI_OS_GUIX_ROOT:-/var/tmp/ganeti-os-guix-root}}
if [ -f "$root/.ganeti-os-ready" ]; then
  exit 0
fi
rm -rf "$root.tmp"
# sid's Release file may carry a Valid-Until in the past on a mirror snapshot.
mmdebstrap --quiet --variant=minbase --include=guix,procps \
  --aptopt='Acquire::Check-Valid-Until "false"' \
  sid "$root.tmp" \
  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main"
# The daemon runs as root with build users (the packaged unit's unprivileged user needs systemd-sysusers).
chroot "$root.tmp" groupadd --system guixbuild
for i in 01 02 03 04; do
  chroot "$root.tmp" useradd -g guixbuild -G guixbuild -d /var/empty -s /usr/sbin/nologin \
    -c "Guix build user $i" --system "guixbuilder$i"
done
chroot "$root.tmp" guix --version | head -n1 > "$root.tmp/.ganeti-os-ready"
rm -rf "$root"
mv "$root.tmp" "$root"
cat "$root/.ganeti-os-ready"
