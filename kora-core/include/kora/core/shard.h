#pragma once
// Shard: the slice of the keyspace one worker thread owns — 16 numbered databases,
// as Redis has — with its key-event hub, its change feed, and per-shard state of
// the layers above (the server's watch table and blocked clients, a module's
// collections or vector indexes). Touched only by the thread that holds it (see
// ShardEngine).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kora/core/change_feed.h"
#include "kora/core/db.h"
#include "kora/core/hash.h"
#include "kora/core/key_events.h"

namespace kora::core {

// Per-shard state owned by a layer above kora-core. Destroyed with the shard,
// on the thread that destroys the engine.
class ShardModuleState {
 public:
  virtual ~ShardModuleState() = default;
};

// A slot number for per-shard module state, handed out once per process by
// register_shard_slot(). Every shard has every slot (empty until set).
using ShardSlot = std::size_t;

// Reserves a new slot. Thread-safe; call once per kind of state (a
// function-local static).
ShardSlot register_shard_slot();

class Shard {
 public:
  static constexpr int kDbCount = 16;

  explicit Shard(ShardId id) : id_(id), feed_(id, events_) {
    for (int i = 0; i < kDbCount; ++i) dbs_[static_cast<std::size_t>(i)].attach(&events_, i);
  }
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  ShardId id() const { return id_; }

  // Database `index`; precondition: 0 <= index < kDbCount.
  Db& db(int index) { return dbs_[static_cast<std::size_t>(index)]; }
  const Db& db(int index) const { return dbs_[static_cast<std::size_t>(index)]; }

  KeyEventHub& events() { return events_; }
  ChangeFeed& feed() { return feed_; }

  // The state in `slot`, or nullptr when none was set.
  ShardModuleState* module_state(ShardSlot slot) const {
    return slot < modules_.size() ? modules_[slot].get() : nullptr;
  }
  // Sets the state in `slot` (replacing any), owned by the shard.
  void set_module_state(ShardSlot slot, std::unique_ptr<ShardModuleState> state) {
    if (modules_.size() <= slot) modules_.resize(slot + 1);
    modules_[slot] = std::move(state);
  }

  // One bounded active-expiry pass over every database; returns keys removed.
  std::size_t sweep_expired(std::int64_t now_ms, std::size_t budget_per_db) {
    std::size_t removed = 0;
    for (Db& d : dbs_) removed += d.sweep_expired(now_ms, budget_per_db);
    return removed;
  }

 private:
  ShardId id_;
  KeyEventHub events_;
  ChangeFeed feed_;
  // Module state is destroyed before the databases (it may reference them).
  std::array<Db, kDbCount> dbs_;
  std::vector<std::unique_ptr<ShardModuleState>> modules_;
};

}  // namespace kora::core
