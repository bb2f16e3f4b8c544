#pragma once
// The versions Kora reports: the Redis version whose behaviour it serves
// (HELLO, INFO redis_version, redis.REDIS_VERSION) and its own.
#include <string_view>

namespace kora::server {

inline constexpr std::string_view kRedisVersion = "7.0.15";
inline constexpr std::string_view kKoraVersion = "0.1.0";

}  // namespace kora::server
