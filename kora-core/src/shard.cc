#include "kora/core/shard.h"

#include <atomic>

namespace kora::core {

ShardSlot register_shard_slot() {
  static std::atomic<ShardSlot> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace kora::core
