#!/usr/bin/env bash
# Set up a Debian 12 machine (as root) to build, install and test ganeti-os:
# the system tools the providers run, Ganeti and the peer providers for the end-to-end tests and
# benchmarks, the npm dependencies, and the bundle. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "error: run as root (the providers use loop devices, mounts and chroots)" >&2
  exit 1
fi

packages=(
  # disks, partitions, filesystems
  util-linux fdisk gdisk kpartx e2fsprogs xfsprogs btrfs-progs dosfstools mtools
  # bootloader for BIOS and UEFI, and firmware for boot tests
  grub-pc-bin grub-efi-amd64-bin grub2-common ovmf qemu-system-x86 qemu-utils eatmydata
  # bootstrapping Debian guests, and the cache
  debootstrap mmdebstrap debian-archive-keyring arch-test zstd xz-utils tar
  # guest configuration and streams
  openssh-client openssl attr acl libcap2-bin dump
  # LUKS headers of encrypted guix roots (cryptsetup; opening them needs device-mapper)
  cryptsetup-bin
  # verifying signed checksum files of downloaded images (gpgv), and test keys for it (gpg)
  gpgv gnupg
  # the example provider (golden root trees)
  rsync
  # real Ganeti for the end-to-end suite, and the peers measured against
  ganeti ganeti-instance-debootstrap ganeti-os-noop socat iproute2 bridge-utils
  # benchmarks
  hyperfine
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A real GNU Guix (Debian sid's, in a chroot) for the guix provider's real-guix tests.
bash scripts/guix-chroot.sh || bash scripts/guix-chroot.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
bash scripts/deb-root.sh # a Debian 12 root with Debian's nodejs, for the package tests (built once)
