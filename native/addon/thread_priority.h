// The calling thread's scheduling (issue 17): `cfm run` raises the JavaScript main thread, which
// turns LOC records into fault events, above ordinary load where the process may.
#pragma once
#include <napi.h>

namespace cfm {

// threadPriority(set?: { policy: 'fifo' | 'other', priority?: number, nice?: number })
//   -> { policy, priority, nice, resetOnFork } of the calling thread, before the change when `set`.
// Always with SCHED_FLAG_RESET_ON_FORK: threads it creates later (Workers, the libuv pool) start
// as ordinary SCHED_OTHER nice 0 threads instead of inheriting it. Throws an OsError (EPERM...).
Napi::Value ThreadPriority(const Napi::CallbackInfo& info);

}  // namespace cfm
