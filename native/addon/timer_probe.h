// Wakeup-latency probe: the floor the CCM scheduler's deviation cannot go under on this machine
// right now (timer interrupt + wakeup + whatever else holds the CPU), for benchmark calibration.
#pragma once
#include <napi.h>

namespace cfm {

// timerProbe(periodNs, count, realtime, cpu?) -> { samples: Float64Array (wakeup - deadline, ns),
// policy, startNs (CLOCK_MONOTONIC of deadline 0) }
Napi::Value TimerProbe(const Napi::CallbackInfo& info);

}  // namespace cfm
