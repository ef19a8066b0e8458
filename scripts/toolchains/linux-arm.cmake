# Cross build for linux-arm with Debian's arm-linux-gnueabihf toolchain (gcc-arm-linux-gnueabihf, g++-arm-linux-gnueabihf); used by
# scripts/prebuild.mjs through cmake-js (-DCMAKE_TOOLCHAIN_FILE). Node's headers come from the
# local Node install (they are the same on every Linux architecture).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7-a)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_STRIP arm-linux-gnueabihf-strip)
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# ARMv7-A hard-float (LAN966x: Cortex-A7 with VFPv4 + NEON); Debian's armhf baseline, stated
# explicitly so the prebuild runs on any ARMv7 board with a VFPv3-D16 unit or better.
set(CMAKE_C_FLAGS_INIT "-march=armv7-a -mfpu=vfpv3-d16 -mfloat-abi=hard")
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=vfpv3-d16 -mfloat-abi=hard")
