#!/usr/bin/env bash
# Builds the initramfs for the qemu kernel test: busybox-static, the host's node and `ip`
# (iproute2) with the libraries ldd lists, the compiled kit (src/ + test/kernel/vm/ via tsc),
# the built N-API addon, and /init (scripts/kernel/init.sh). With --with-vitest it also carries
# node_modules and the TypeScript sources so the shared contract suite runs under vitest.
# Usage: make-initramfs.sh OUT.cpio [--with-vitest]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$1"; shift
withVitest=0
[ "${1:-}" = "--with-vitest" ] && withVitest=1

addon="$root/build/Release/cfm_addon.node"
if [ ! -f "$addon" ]; then
  echo "make-initramfs: $addon missing (npm run build:native)" >&2
  exit 3
fi
# busybox-static installs /bin/busybox; a dynamic one (package busybox) would need its libraries.
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
  echo "make-initramfs: a static /bin/busybox is needed (apt-get install busybox-static)" >&2
  exit 3
fi

stage="$(mktemp -d /tmp/cfm-initramfs.XXXXXX)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run/netns,etc,opt/cfm/build/Release}

cp "$busybox" "$stage/bin/busybox"
copy_with_libs() {
  local bin="$1" dest="$2"
  mkdir -p "$(dirname "$stage$dest")"
  cp -L "$bin" "$stage$dest"
  ldd "$bin" | grep -oE '/[^ ]+' | while read -r lib; do
    [ -f "$lib" ] || continue
    mkdir -p "$stage$(dirname "$lib")"
    cp -Ln "$lib" "$stage$lib" 2>/dev/null || true
  done
}
copy_with_libs "$(readlink -f "$(command -v node)")" /usr/bin/node
copy_with_libs "$(command -v ip)" /usr/sbin/ip
copy_with_libs "$addon" /opt/cfm/build/Release/cfm_addon.node
# the dynamic loader at its canonical path
mkdir -p "$stage/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$stage/lib64/"

# The kit, compiled for the VM (src/ and test/kernel/vm/ keep their relative layout, so the
# addon loader finds build/Release/cfm_addon.node two folders above src/native/).
(cd "$root" && node node_modules/typescript/bin/tsc -p scripts/kernel/tsconfig.vm.json --outDir "$stage/opt/cfm")
echo '{"type":"module"}' > "$stage/opt/cfm/package.json"

if [ "$withVitest" = 1 ]; then
  # vitest transforms the TypeScript itself: ship sources, config and the dependencies.
  mkdir -p "$stage/opt/cfm-src"
  cp -r "$root/src" "$root/test" "$root/schema" "$root/hw-profiles" "$root/package.json" "$root/tsconfig.json" "$stage/opt/cfm-src/"
  rm -rf "$stage/opt/cfm-src/test/kernel/host"
  mkdir -p "$stage/opt/cfm-src/build/Release" && cp "$addon" "$stage/opt/cfm-src/build/Release/"
  (cd "$root" && tar -cf - --exclude='node_modules/typescript' --exclude='node_modules/.cache' node_modules) | tar -xf - -C "$stage/opt/cfm-src"
  # native bindings of the toolchain (rolldown, lightningcss, esbuild) need more libraries than node
  find "$root/node_modules" -name '*.node' -type f | while read -r nb; do
    ldd "$nb" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
      [ -f "$lib" ] || continue
      mkdir -p "$stage$(dirname "$lib")"
      cp -Ln "$lib" "$stage$lib" 2>/dev/null || true
    done
  done
fi

cp "$here/init.sh" "$stage/init"
chmod +x "$stage/init"
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) > "$out"
echo "make-initramfs: $(du -h "$out" | cut -f1) -> $out" >&2
