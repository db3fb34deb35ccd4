;;; ganeti-os guix variant "default": a minimal Guix System guest reachable over SSH.
;;;
;;; Everything that differs between instances comes from the instance-data file the provider
;;; writes (every value a Scheme literal, never code); the operating system built from it is the
;;; ganeti-os library's (lib/ganeti-os.scm: OpenSSH with root's keys, static addresses or DHCP for
;;; every NIC, the file systems by UUID, GRUB for BIOS or UEFI, the serial console, the host name
;;; after a rename).  Both files are found through the environment on the node at install time and
;;; in /etc/ganeti-os inside the guest, where this file is /etc/ganeti-os/config.scm:
;;;
;;;   guix system reconfigure /etc/ganeti-os/config.scm

(use-modules (gnu))

(load (or (getenv "GANETI_OS_INSTANCE_DATA") "/etc/ganeti-os/instance-data.scm"))
(load (or (getenv "GANETI_OS_LIBRARY") "/etc/ganeti-os/ganeti-os.scm"))

(ganeti-operating-system)
