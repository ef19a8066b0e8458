#!/bin/busybox sh
# /init of the qemu test VM. Mounts the pseudo filesystems, runs what the kernel command line
# asks for (cfm.run=scenario|contract), prints its exit status on the serial console, and
# reboots (qemu runs with -no-reboot, so that ends the VM).
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run && mkdir -p /run/netns
mount -t debugfs debugfs /sys/kernel/debug
ip link set lo up
echo "CFM-VM-BOOTED $(uname -r) $(cat /proc/uptime)"

run=scenario
for arg in $(cat /proc/cmdline); do
  case "$arg" in cfm.run=*) run="${arg#cfm.run=}" ;; esac
done

case "$run" in
  contract)
    cd /opt/cfm-src && HOME=/tmp CI=true node node_modules/vitest/vitest.mjs run --config test/kernel/vm/vitest.vm.config.ts --reporter=verbose 2>&1
    rc=$?
    ;;
  *)
    cd /opt/cfm && node test/kernel/vm/main.js "$run" 2>&1
    rc=$?
    ;;
esac
echo "CFM-VM-EXIT $rc"
sync
reboot -f
