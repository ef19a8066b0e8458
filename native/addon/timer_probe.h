// Wakeup-latency probe: the floor the CCM scheduler's deviation cannot go under on this machine
// right now (timer interrupt + wakeup + whatever else holds the CPU), for benchmark calibration.
#pragma once
#include <napi.h>

namespace cfm {

// timerProbe(periodNs, count, realtime) -> { samples: Float64Array (wakeup - deadline, ns), policy }
Napi::Value TimerProbe(const Napi::CallbackInfo& info);

}  // namespace cfm
