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
