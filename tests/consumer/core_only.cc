// Uses kora-core alone, as an outside project would after find_package(kora).
#include <cstdio>

#include "kora/core/db.h"
#include "kora/core/engine.h"
#include "kora/core/hash.h"
#include "kora/core/string_ops.h"

int main() {
  kora::core::ShardEngine engine({.shard_count = 2});
  const char* key = "greeting";
  auto shard = engine.shard_for(key);
  auto value = engine.call(shard, [&] {
    auto& db = engine.shard(shard).db(0);
    (void)kora::core::op_set(db, key, "hello", {}, 0);
    return std::string(**kora::core::op_get(db, key, 0));
  });
  if (value != "hello" || kora::core::shard_for_key(key, 2) != shard) {
    std::fprintf(stderr, "unexpected result\n");
    return 1;
  }
  std::printf("core_only: %s from shard %u\n", value.c_str(), shard);
  return 0;
}
