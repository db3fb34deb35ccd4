/**
 * instance-debootstrap's example hooks (grub, extlinux) start with `. common.sh`, which worked only
 * because run-parts ran them from the OS directory. Hooks here run from their own directory, so a
 * small `common.sh` is put in a private directory on PATH (bash's `.` searches PATH first). It gives
 * what those hooks use: `log_error`, the `CLEANUP` array and `cleanup` (run on EXIT), and the
 * instance-debootstrap variable names with their old defaults. Everything else they need is already
 * in the hook environment.
 */
export const COMMON_SH = `# common.sh compatibility for instance-debootstrap hooks (provided by ganeti-os)
CLEANUP=( )
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
: \${CUSTOMIZE_DIR:="\${HOOKS_DIR:-}"}
: \${GENERATE_CACHE:="yes"}
: \${CLEAN_CACHE:="14"}
: \${PARTITION_ALIGNMENT:=2048}
: \${OSP_FILESYSTEM:="ext4"}
SCRIPT_NAME=create
instance=\${INSTANCE_NAME:-}
blockdev=\${BLOCKDEV:-}
filesystem_dev=\${FSYSDEV:-}
`;
