// maxmemory-policy: CONFIG's custom row (config.h) over core::EvictionConfig.
#include <string>

#include "config.h"
#include "kora/core/eviction.h"

namespace kora::server {
namespace {

std::string policy_get() { return std::string(core::policy_name(core::EvictionConfig::instance().policy())); }

std::optional<std::string> policy_check(std::string_view text) {
  if (core::parse_policy(text)) return std::nullopt;
  return std::string(
      "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
      "allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
}

void policy_apply(std::string_view text) { core::EvictionConfig::instance().set_policy(*core::parse_policy(text)); }

}  // namespace

const CustomConfig kMaxmemoryPolicyConfig{policy_get, policy_check, policy_apply};

}  // namespace kora::server
