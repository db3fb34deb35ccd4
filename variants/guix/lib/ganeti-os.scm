;;; ganeti-os library for Guix System variants: the operating system every shipped variant starts
;;; from, built from the instance data.  It is not a variant itself (variants are the .scm and
;;; .yaml files of the variants directory, not of lib/).  The provider writes it next to the
;;; instance data: for the install on the node (GANETI_OS_LIBRARY points at that copy) and into the
;;; guest as /etc/ganeti-os/ganeti-os.scm, rewritten with the instance data on reinstall, import and
;;; rename.  An admin's <config dir>/variants/lib/ganeti-os.scm replaces the shipped one.
;;;
;;; A variant loads the instance data first, then this file, and ends with an operating system:
;;;
;;;   (use-modules (gnu))
;;;   (load (or (getenv "GANETI_OS_INSTANCE_DATA") "/etc/ganeti-os/instance-data.scm"))
;;;   (load (or (getenv "GANETI_OS_LIBRARY") "/etc/ganeti-os/ganeti-os.scm"))
;;;   (ganeti-operating-system #:services (list (service ntp-service-type)))
;;;
;;; or inherits from it: (operating-system (inherit (ganeti-operating-system)) ...), or builds its
;;; own operating-system from the pieces defined here (%ganeti-file-systems, %ganeti-bootloader,
;;; %ganeti-network-services, ...).
;;;
;;; What (ganeti-operating-system) gives the guest:
;;; - OpenSSH, root login by key only, keys from the instance data (the ssh-authorized-keys
;;;   parameter or the variant; never the node's own files);
;;; - a static address for every NIC Ganeti gives one (IPv4 and IPv6, the first gateway of each
;;;   family as the default route), dhcpcd for the NICs without one; NICs are eth0, eth1, ... in
;;;   Ganeti's order (net.ifnames=0);
;;; - the root, /home, swap and EFI file systems by UUID, a LUKS root opened under the name the
;;;   instance data gives, the btrfs subvolumes @ and @home of that layout;
;;; - the kernel console and GRUB on the serial port when the instance has one; the automatic
;;;   agetty of %base-services then runs on it;
;;; - GRUB for BIOS on the disk, or for UEFI in /boot/efi (removable path: no NVRAM entry needed);
;;; - the time zone and host name of the instance data, and after a rename the host name from
;;;   /etc/ganeti-os/hostname at boot (service ganeti-host-name).

(use-modules (gnu)
             (guix gexp)
             (ice-9 match)
             (srfi srfi-1))
(use-service-modules networking shepherd ssh)

(define (ganeti-nic-ref nic key) (assq-ref nic key))

(define %ganeti-static-nics
  (filter (lambda (nic) (or (ganeti-nic-ref nic 'ipv4) (ganeti-nic-ref nic 'ipv6))) ganeti-nics))

(define %ganeti-dhcp-nics
  ;; DHCP when Ganeti gives no IPv4 address, or when the NIC has no static address at all.
  (filter (lambda (nic)
            (or (ganeti-nic-ref nic 'dhcp) (not (memq nic %ganeti-static-nics))))
          ganeti-nics))

(define (ganeti-network-addresses nic)
  (filter-map (lambda (family)
                (match (ganeti-nic-ref nic family)
                  (#f #f)
                  (address
                   (network-address
                    (device (ganeti-nic-ref nic 'name))
                    (value (string-append (assq-ref address 'address) "/"
                                          (number->string (assq-ref address 'prefix))))))))
              '(ipv4 ipv6)))

(define (ganeti-default-route family)
  ;; One default route per family ('ipv4 or 'ipv6): through the first NIC with a gateway for it.
  (any (lambda (nic)
         (match (ganeti-nic-ref nic family)
           (#f #f)
           (address
            (and (assq-ref address 'gateway)
                 (network-route
                  (destination "default")
                  (device (ganeti-nic-ref nic 'name))
                  (gateway (assq-ref address 'gateway)))))))
       %ganeti-static-nics))

(define %ganeti-network-services
  (append
   (if (null? %ganeti-static-nics)
       '()
       (list (simple-service 'ganeti-static-networking static-networking-service-type
                             (list (static-networking
                                    (addresses (append-map ganeti-network-addresses
                                                           %ganeti-static-nics))
                                    (routes (filter-map ganeti-default-route '(ipv4 ipv6)))
                                    (name-servers ganeti-nameservers)
                                    (provision '(networking)))))))
   (if (and (null? %ganeti-dhcp-nics) (pair? %ganeti-static-nics))
       '()
       (list (service dhcpcd-service-type
                      (dhcpcd-configuration
                       (interfaces (map (lambda (nic) (ganeti-nic-ref nic 'name))
                                        %ganeti-dhcp-nics))
                       (shepherd-provision (if (null? %ganeti-static-nics)
                                               '(networking)
                                               '(dhcpcd)))))))))

(define %ganeti-ssh-service
  (service openssh-service-type
           (openssh-configuration
            (permit-root-login 'prohibit-password)
            (password-authentication? #f)
            (authorized-keys
             (if (null? ganeti-ssh-authorized-keys)
                 '()
                 `(("root" ,(plain-file "root-authorized-keys"
                                        (string-join ganeti-ssh-authorized-keys
                                                     "\n" 'suffix)))))))))

(define %ganeti-host-name-service
  ;; ganeti-os rename writes the new name to /etc/ganeti-os/hostname in the guest; this sets it at
  ;; boot, after the configured host name, until the next reconfigure bakes it in.
  (simple-service 'ganeti-host-name shepherd-root-service-type
                  (list (shepherd-service
                         (provision '(ganeti-host-name))
                         (requirement '(host-name file-systems))
                         (one-shot? #t)
                         (modules '((ice-9 rdelim)))
                         (documentation "Set the host name from /etc/ganeti-os/hostname.")
                         (start #~(lambda _
                                    (let* ((file "/etc/ganeti-os/hostname")
                                           (name (and (file-exists? file)
                                                      (call-with-input-file file read-line)))
                                           (ok (char-set-union char-set:letter+digit
                                                               (char-set #\- #\.))))
                                      (when (and (string? name)
                                                 (< 0 (string-length name) 64)
                                                 (string-every ok name))
                                        (sethostname name)))
                                    #t))))))

(define %ganeti-mapped-devices
  (if ganeti-luks-uuid
      (list (mapped-device
             (source (uuid ganeti-luks-uuid))
             (target ganeti-luks-name)
             (type luks-device-mapping)))
      '()))

(define %ganeti-root-device
  (if ganeti-luks-uuid
      (string-append "/dev/mapper/" ganeti-luks-name)
      (uuid ganeti-root-uuid)))

(define %ganeti-subvolumes? (string=? ganeti-layout "btrfs-subvolumes"))

(define %ganeti-file-systems
  (append
   (list (file-system
           (mount-point "/")
           (device %ganeti-root-device)
           (type ganeti-root-type)
           (options (and %ganeti-subvolumes? (string-append "subvol=" ganeti-root-subvolume)))
           (dependencies %ganeti-mapped-devices)))
   (if %ganeti-subvolumes?
       (list (file-system
               (mount-point "/home")
               (device %ganeti-root-device)
               (type ganeti-root-type)
               (options (string-append "subvol=" ganeti-home-subvolume))
               (dependencies %ganeti-mapped-devices)))
       '())
   (if (and ganeti-home-uuid (not %ganeti-subvolumes?))
       (list (file-system
               (mount-point "/home")
               (device (uuid ganeti-home-uuid))
               (type ganeti-home-type)))
       '())
   (if ganeti-esp-uuid
       (list (file-system
               (mount-point "/boot/efi")
               (device (uuid ganeti-esp-uuid 'fat))
               (type "vfat")))
       '())
   %base-file-systems))

(define %ganeti-swap-devices
  (if ganeti-swap-uuid
      (list (swap-space (target (uuid ganeti-swap-uuid))))
      '()))

(define %ganeti-serial-device
  (and ganeti-serial-console (assq-ref ganeti-serial-console 'device)))

(define %ganeti-serial-speed
  (and ganeti-serial-console (assq-ref ganeti-serial-console 'speed)))

(define %ganeti-serial-unit
  ;; GRUB's serial unit: the N of ttySN (Xen's hvc0 has none: GRUB stays on the screen).
  (and %ganeti-serial-device
       (string-prefix? "ttyS" %ganeti-serial-device)
       (string->number (string-drop %ganeti-serial-device 4))))

(define %ganeti-kernel-arguments
  (append (list "net.ifnames=0")
          (if %ganeti-serial-device
              (list "console=tty0"
                    (string-append "console=" %ganeti-serial-device ","
                                   (number->string %ganeti-serial-speed)))
              '())
          %default-kernel-arguments))

(define %ganeti-bootloader
  (bootloader-configuration
   (bootloader (if (string=? ganeti-firmware "uefi")
                   grub-efi-removable-bootloader
                   grub-bootloader))
   (targets ganeti-bootloader-targets)
   (terminal-outputs (if %ganeti-serial-unit '(serial console) '(console)))
   (terminal-inputs (if %ganeti-serial-unit '(serial console) '()))
   (serial-unit %ganeti-serial-unit)
   (serial-speed (and %ganeti-serial-unit %ganeti-serial-speed))))

(define* (ganeti-operating-system #:key
                                  (services '())
                                  (packages %base-packages)
                                  (kernel-arguments '()))
  "The guest of the instance data: SERVICES are added to its network, SSH and host-name services
and %base-services, KERNEL-ARGUMENTS to its own."
  (operating-system
    (host-name ganeti-host-name)
    (timezone ganeti-timezone)
    (locale "en_US.utf8")
    (kernel-arguments (append %ganeti-kernel-arguments kernel-arguments))
    (bootloader %ganeti-bootloader)
    (mapped-devices %ganeti-mapped-devices)
    (file-systems %ganeti-file-systems)
    (swap-devices %ganeti-swap-devices)
    (packages packages)
    (services (append %ganeti-network-services
                      (list %ganeti-ssh-service %ganeti-host-name-service)
                      services
                      %base-services))))
