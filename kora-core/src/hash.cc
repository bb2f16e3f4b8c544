#include "kora/core/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace kora::core {
namespace {
__extension__ typedef unsigned __int128 Uint128;
}  // namespace

std::uint64_t hash_bytes(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

std::string_view routing_part(std::string_view key) {
  auto open = key.find('{');
  if (open == std::string_view::npos) return key;
  auto close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

ShardId shard_for_key(std::string_view key, std::size_t shard_count) {
  if (shard_count == 1) return 0;
  // Multiply-shift maps the hash onto [0, shard_count) without a division.
  Uint128 wide = static_cast<Uint128>(hash_bytes(routing_part(key))) * shard_count;
  return static_cast<ShardId>(wide >> 64);
}

}  // namespace kora::core
