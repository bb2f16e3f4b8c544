#pragma once
// Shard: the slice of the keyspace one worker thread owns — 16 numbered databases,
// as Redis has. Touched only by its worker thread (see ShardEngine).

#include <array>
#include <cstddef>
#include <cstdint>

#include "kora/core/db.h"
#include "kora/core/hash.h"

namespace kora::core {

class Shard {
 public:
  static constexpr int kDbCount = 16;

  explicit Shard(ShardId id) : id_(id) {}
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  ShardId id() const { return id_; }

  // Database `index`; precondition: 0 <= index < kDbCount.
  Db& db(int index) { return dbs_[static_cast<std::size_t>(index)]; }
  const Db& db(int index) const { return dbs_[static_cast<std::size_t>(index)]; }

  // One bounded active-expiry pass over every database; returns keys removed.
  std::size_t sweep_expired(std::int64_t now_ms, std::size_t budget_per_db) {
    std::size_t removed = 0;
    for (Db& d : dbs_) removed += d.sweep_expired(now_ms, budget_per_db);
    return removed;
  }

 private:
  ShardId id_;
  std::array<Db, kDbCount> dbs_;
};

}  // namespace kora::core
