#!/bin/sh
# /init of the test guest (initramfs.ts packs it): mounts the kernel's file
# systems, loads the modules initramfs.ts chose (dependencies first), brings
# up the NIC, runs /workload.sh with the settings the host put on the kernel
# command line as guest.KEY=VALUE (exported as GUEST_KEY), and powers off.
# QEMU runs with -no-reboot, so the host sees the guest end rather than
# waiting out its timeout; if this script dies instead, the kernel panics,
# and panic=-1 on the command line makes that a reboot, so an exit too.

/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

while read -r module; do
  insmod "/lib/modules/$module.ko" || echo "@@ info insmod=$module failed"
done < /lib/modules/order

# The NIC's driver binds as its module loads, but allow it a moment.
tries=0
while [ ! -e /sys/class/net/eth0 ] && [ "$tries" -lt 50 ]; do
  sleep 0.1
  tries=$((tries + 1))
done

# A static address on QEMU's user network and no default route: the guest
# reaches 10.0.2.2, which QEMU maps to the host's loopback, and nothing else.
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0

for arg in $(cat /proc/cmdline); do
  case $arg in
    guest.*=*)
      key=${arg%%=*}
      export "GUEST_$(echo "${key#guest.}" | tr a-z A-Z)=${arg#*=}"
      ;;
  esac
done

sh /workload.sh
poweroff -f
