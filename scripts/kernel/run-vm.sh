#!/usr/bin/env bash
# Boots the test kernel under qemu (TCG: the nested /dev/kvm here cannot run a guest) with the
# initramfs, and prints the serial console on stdout. Usage:
#   run-vm.sh [scenario|contract|devlink|...] [timeout-seconds]
# The kernel and initramfs are (re)built as needed: see build-kernel.sh and make-initramfs.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
run="${1:-scenario}"
timeout_s="${2:-600}"

command -v qemu-system-x86_64 >/dev/null || { echo "run-vm: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 3; }
bzimage="$("$here/build-kernel.sh" | tail -n 1)"
# The initramfs is per checkout (it carries this tree's code); only the kernel is shared.
mkdir -p "$root/.cache/kernel"
initrd="$root/.cache/kernel/initramfs-$run.cpio"
extra=""
[ "$run" = contract ] && extra="--with-vitest"
"$here/make-initramfs.sh" "$initrd" $extra

mem=1536
[ "$run" = contract ] && mem=3072
# -cpu max: node needs the host's instruction set extensions; panic=-1 + -no-reboot end the VM
# on a kernel panic as well as on /init's reboot.
exec timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
  -accel tcg -cpu max -smp 2 -m "$mem" \
  -kernel "$bzimage" -initrd "$initrd" \
  -append "console=ttyS0 panic=-1 loglevel=4 cfm.run=$run" \
  -display none -monitor none -serial stdio -no-reboot -nodefaults
