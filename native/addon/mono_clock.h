// CLOCK_MONOTONIC in nanoseconds: the time base of the scheduler's deadlines, of the timer probe
// and of receive timestamps (the same clock as the TypeScript RealClock's hrtime).
#pragma once

#include <time.h>

#include <cstdint>

namespace cfm {

inline int64_t MonoNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

}  // namespace cfm
