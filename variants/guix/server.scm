;;; ganeti-os guix variant "server": the default variant for a long-lived server, with /home
;;; apart from the system (server.yaml: btrfs with the subvolume @ for / and @home for /home, each
;;; snapshot on its own), a firewall (nftables: incoming SSH and ICMP only) and NTP.
;;;
;;; Everything else is the ganeti-os library's, as for default.scm; like it, this file is the
;;; guest's /etc/ganeti-os/config.scm:
;;;
;;;   guix system reconfigure /etc/ganeti-os/config.scm

(use-modules (gnu))
(use-service-modules networking)

(load (or (getenv "GANETI_OS_INSTANCE_DATA") "/etc/ganeti-os/instance-data.scm"))
(load (or (getenv "GANETI_OS_LIBRARY") "/etc/ganeti-os/ganeti-os.scm"))

(ganeti-operating-system
 #:services (list (service nftables-service-type)
                  (service ntp-service-type)))
