/**
 * The `. common.sh` of the old bash providers' hooks. Hooks there started with it, which worked only
 * because run-parts ran them from the OS directory. Hooks here run from their own directory, so a
 * `common.sh` is put in a private directory on PATH (bash's `.` searches PATH first). It is written
 * here, not copied, and gives what the providers' example hooks use; everything else they need is
 * already in the hook environment:
 *  - both: `log_error`, `debug` (IMAGE_DEBUG), the `CLEANUP` array and `cleanup` (run on EXIT);
 *  - instance-debootstrap: its variable names with their old defaults;
 *  - instance-image: `get_os_type` (OS_TYPE), `get_os` (OPERATING_SYSTEM), `get_os_release`
 *    (OS_RELEASE), VOL_ID/VOL_TYPE, MKDIR_P and its directory defaults. The guest is looked at, never
 *    run: the names come from /etc/os-release and the distributions' release files, and a release
 *    file that is a symlink is not read (it could lead out of the guest).
 */
const SHARED = `CLEANUP=( )
log_error() {
  echo "$@" >&2
}
debug() { if [ "\${IMAGE_DEBUG:-}" = 1 ] || [ "\${IMAGE_DEBUG:-}" = yes ]; then "$@"; fi; }
cleanup() {
  if [ \${#CLEANUP[*]} -gt 0 ]; then
    LAST_ELEMENT=$((\${#CLEANUP[*]}-1))
    REVERSE_INDEXES=$(seq \${LAST_ELEMENT} -1 0)
    for i in $REVERSE_INDEXES; do
      \${CLEANUP[$i]}
    done
  fi
}
trap cleanup EXIT
`;

const INSTANCE_DEBOOTSTRAP = `: \${CUSTOMIZE_DIR:="\${HOOKS_DIR:-}"}
: \${GENERATE_CACHE:="yes"}
: \${CLEAN_CACHE:="14"}
: \${PARTITION_ALIGNMENT:=2048}
: \${OSP_FILESYSTEM:="ext4"}
SCRIPT_NAME=create
instance=\${INSTANCE_NAME:-}
blockdev=\${BLOCKDEV:-}
filesystem_dev=\${FSYSDEV:-}
`;

const INSTANCE_IMAGE = `: \${IMAGE_DEBUG:="no"}
: \${OVERLAYS_DIR:="\${NETWORKS_DIR:+\${NETWORKS_DIR%/*}/overlays}"}
MKDIR_P="mkdir -p"
VOL_ID="blkid -c /dev/null -o value -s UUID"
VOL_TYPE="blkid -c /dev/null -o value -s TYPE"
_compat_target() {
  if [ -z "\${2:-}" ]; then
    log_error "target is not set in $1"
    exit 1
  fi
  target=$2
}
_compat_has() { [ -e "$target/$1" ] || [ -L "$target/$1" ]; }
# A release file's text; empty when absent or a symlink.
_compat_read() { if [ -f "$target/$1" ] && [ ! -L "$target/$1" ]; then cat -- "$target/$1"; fi; }
# A field of os-release (/etc, else /usr/lib), unquoted.
_compat_os_release() {
  local f
  for f in etc/os-release usr/lib/os-release; do
    if [ -f "$target/$f" ] && [ ! -L "$target/$f" ]; then
      sed -n "s/^$1=//p" "$target/$f" | head -n 1 | tr -d "\\"'"
      return
    fi
  done
}
get_os_type() {
  _compat_target get_os_type "\${1:-}"
  if _compat_has etc/redhat-release; then OS_TYPE="redhat"
  elif _compat_has etc/debian_version; then OS_TYPE="debian"
  elif _compat_has etc/gentoo-release; then OS_TYPE="gentoo"
  elif _compat_has etc/SuSE-release || _compat_has etc/SUSE-brand; then OS_TYPE="suse"
  fi
}
get_os() {
  _compat_target get_os "\${1:-}"
  local id
  id=$(_compat_os_release ID | tr "[:upper:]" "[:lower:]")
  case "$id" in
    rhel) OPERATING_SYSTEM="redhat" ;;
    ?*) OPERATING_SYSTEM="$id" ;;
    *)
      if _compat_has etc/debian_version; then OPERATING_SYSTEM="debian"
      elif _compat_has etc/gentoo-release; then OPERATING_SYSTEM="gentoo"
      elif _compat_has etc/fedora-release; then OPERATING_SYSTEM="fedora"
      elif _compat_has etc/redhat-release; then
        if _compat_read etc/redhat-release | grep -qi centos; then OPERATING_SYSTEM="centos"
        else OPERATING_SYSTEM="redhat"
        fi
      fi
      ;;
  esac
}
get_os_release() {
  _compat_target get_os_release "\${1:-}"
  if _compat_has etc/debian_version; then OS_RELEASE=$(_compat_read etc/debian_version)
  elif _compat_has etc/fedora-release; then OS_RELEASE=$(_compat_read etc/fedora-release | awk '{print $3}')
  elif _compat_has etc/redhat-release; then OS_RELEASE=$(_compat_read etc/redhat-release | awk '{print $3}')
  else OS_RELEASE=$(_compat_os_release VERSION_ID)
  fi
}
`;

export const COMMON_SH = `# common.sh compatibility for instance-debootstrap and instance-image hooks (provided by ganeti-os)
${SHARED}# instance-debootstrap
${INSTANCE_DEBOOTSTRAP}# instance-image
${INSTANCE_IMAGE}`;
