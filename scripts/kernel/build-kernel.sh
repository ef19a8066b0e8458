#!/usr/bin/env bash
# Builds (or reuses) the small test kernel with CONFIG_BRIDGE_CFM and CONFIG_NETDEVSIM from
# Debian's linux-source-6.12 package. Prints the bzImage path on stdout's last line.
# Cache: .cache/kernel/<key>/bzImage, key = source package version + hash of config.fragment and
# RECIPE (bump it when the build steps below change), so a changed fragment, recipe or Debian
# source rebuilds and anything else is reused.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${CFM_KERNEL_CACHE:-$root/.cache/kernel}"
tarball=/usr/src/linux-source-6.12.tar.xz

if [ ! -f "$tarball" ]; then
  echo "build-kernel: $tarball missing (apt-get install linux-source-6.12)" >&2
  exit 3
fi
version="$(dpkg-query -W -f='${Version}' linux-source-6.12)"
RECIPE=1
fraghash="$( (cat "$here/config.fragment"; echo "recipe $RECIPE") | sha256sum | cut -c1-12)"
key="6.12-${version}-${fraghash}"
out="$cache/$key"
if [ -f "$out/bzImage" ]; then
  echo "build-kernel: cached $out/bzImage" >&2
  echo "$out/bzImage"
  exit 0
fi

mkdir -p "$cache"
src="$cache/src-$version"
if [ ! -f "$src/.unpacked" ]; then
  echo "build-kernel: unpacking $tarball ($version)" >&2
  rm -rf "$src" && mkdir -p "$src"
  tar -xJf "$tarball" -C "$src" --strip-components=1
  touch "$src/.unpacked"
fi

obj="$cache/obj-$key"
mkdir -p "$obj"
jobs="$(nproc)"
echo "build-kernel: configuring in $obj" >&2
make -s -C "$src" O="$obj" ARCH=x86_64 tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$here/config.fragment" >&2
make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig >&2

# merge_config silently drops options whose dependencies are missing: check the ones we need.
missing=""
for opt in $(grep -E '^CONFIG_[A-Z0-9_]+=y' "$here/config.fragment" | cut -d= -f1); do
  grep -q "^$opt=y" "$obj/.config" || missing="$missing $opt"
done
if [ -n "$missing" ]; then
  echo "build-kernel: these options did not survive olddefconfig:$missing" >&2
  exit 4
fi

echo "build-kernel: make -j$jobs bzImage (a few minutes on 2 cores)" >&2
make -s -C "$src" O="$obj" ARCH=x86_64 -j"$jobs" bzImage >&2
mkdir -p "$out"
cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
cp "$obj/.config" "$out/config"
echo "$out/bzImage"
