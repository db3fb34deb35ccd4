#!/usr/bin/env bash
# Build (once) a fresh Debian 12 root for the Debian package's tests: minbase, Debian's own nodejs
# (bookworm, 18.x) as its only node, and Debian's ganeti-instance-debootstrap and ganeti-os-noop, so
# that installing ganeti-os there proves it coexists with them. The package lists are kept, so that
# `apt-get install ./ganeti-os_*.deb` in the root resolves its Depends from the mirror. Safe to run
# again; a finished root is marked and reused.
# Usage: scripts/deb-root.sh [DIR]   (default /var/tmp/ganeti-os-deb-root)
set -euo pipefail
root=${1:-${GANETI_OS_DEB_ROOT:-/var/tmp/ganeti-os-deb-root}}
if [ -f "$root/.ganeti-os-ready" ]; then
  exit 0
fi
rm -rf "$root.tmp"
mmdebstrap --quiet --variant=minbase --skip=cleanup/apt/lists \
  --include=nodejs,ganeti-instance-debootstrap,ganeti-os-noop \
  bookworm "$root.tmp" \
  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main"
# The root's only node is Debian's nodejs package (a fresh root has no other source of one).
if [ "$(chroot "$root.tmp" dpkg -S /usr/bin/node | cut -d: -f1)" != nodejs ]; then
  echo "error: /usr/bin/node in $root.tmp is not Debian's nodejs" >&2
  exit 1
fi
chroot "$root.tmp" node --version > "$root.tmp/.ganeti-os-ready"
rm -rf "$root"
mv "$root.tmp" "$root"
cat "$root/.ganeti-os-ready"
