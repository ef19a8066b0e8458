// Kernel errors as JS errors: every failed syscall throws an Error with `errno` (number),
// `syscall` (name) and `code` ('E...' name), which src/native/errors.ts maps to a typed CfmError.
#pragma once
#include <napi.h>
#include <cerrno>
#include <cstring>
#include <string>

namespace cfm {

inline const char* ErrnoName(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOSPC: return "ENOSPC";
    case EMSGSIZE: return "EMSGSIZE";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETDOWN: return "ENETDOWN";
    case ENETUNREACH: return "ENETUNREACH";
    case ENOBUFS: return "ENOBUFS";
    case ENXIO: return "ENXIO";
    default: return "EUNKNOWN";
  }
}

inline Napi::Error SysError(Napi::Env env, int err, const std::string& syscall, const std::string& what) {
  std::string msg = syscall + " (" + what + "): " + std::strerror(err);
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  return e;
}

[[noreturn]] inline void ThrowSys(Napi::Env env, int err, const std::string& syscall, const std::string& what) {
  throw SysError(env, err, syscall, what);
}

}  // namespace cfm
