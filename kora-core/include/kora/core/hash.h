#pragma once
// Key hashing and shard routing.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kora::core {

using ShardId = std::uint32_t;

// 64-bit hash of `bytes` (XXH3). Stable across runs and processes.
std::uint64_t hash_bytes(std::string_view bytes);

// The part of `key` that routes it: as in Redis Cluster, if the key holds a
// non-empty "{...}" hash tag, only the tag's content counts, so "{user:1}:a" and
// "{user:1}:b" always live on one shard.
std::string_view routing_part(std::string_view key);

// The shard that owns `key` among `shard_count` (> 0) shards. O(len(key)).
ShardId shard_for_key(std::string_view key, std::size_t shard_count);

}  // namespace kora::core
