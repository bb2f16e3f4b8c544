#pragma once
// Wall-clock time in milliseconds since the Unix epoch: the unit of every expiry
// time in the keyspace (EXPIREAT/PXAT are absolute wall-clock times in Redis).

#include <cstdint>
#include <ctime>

namespace kora::core {

inline std::int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace kora::core

namespace kora::core {

// A cheap monotonic tick counter for timing commands: the CPU's time-stamp
// counter on x86-64 (a few ns to read, against ~20 ns for clock_gettime), the
// steady clock elsewhere. ticks_to_ns() converts with a ratio measured once per
// process against the steady clock.
inline std::uint64_t ticks_now() {
#if defined(__x86_64__)
  return __builtin_ia32_rdtsc();
#else
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
#endif
}

// Nanoseconds per tick (1.0 without a TSC). Thread-safe; the first call
// calibrates for ~2 ms.
double ns_per_tick();

inline std::uint64_t ticks_to_ns(std::uint64_t ticks) {
  return static_cast<std::uint64_t>(static_cast<double>(ticks) * ns_per_tick());
}

}  // namespace kora::core
