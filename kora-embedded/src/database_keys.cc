// kora::Database, key family: thin wrappers over kora/core/key_ops.h, plus the
// all-shard calls (keys, db_size, flush_db), which borrow every shard at once.
#include "database_impl.h"
#include "kora/core/key_ops.h"

namespace kora {

using core::Db;
using core::ShardId;

bool Database::exists(std::string_view key) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) { return core::op_exists(db, key, now); });
}

bool Database::del(std::string_view key) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) { return core::op_del(db, key, now); });
}

Result<bool> Database::expire(std::string_view key, std::chrono::milliseconds ttl) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) -> Result<bool> {
    auto at = Impl::deadline(now, ttl.count());
    if (!at) return Error::of(Errc::kInvalidExpire, "pexpire");
    return core::op_expire_at(db, key, *at, now);
  });
}

std::optional<std::chrono::milliseconds> Database::ttl(std::string_view key) {
  std::int64_t ms = impl_->on_key(key, [&](Db& db, std::int64_t now) { return core::op_pttl(db, key, now); });
  if (ms == -2) return std::nullopt;
  return std::chrono::milliseconds(ms);
}

bool Database::persist(std::string_view key) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) { return core::op_persist(db, key, now); });
}

std::string Database::key_type(std::string_view key) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) { return std::string(core::op_type(db, key, now)); });
}

std::vector<std::string> Database::keys(std::string_view pattern) {
  return impl_->on_shards(impl_->all_shards(), Impl::Cost::kLong, [&](std::int64_t now) {
    std::vector<std::string> all;
    for (ShardId id = 0; id < impl_->engine.shard_count(); ++id) {
      auto part = core::op_keys(impl_->db(id), pattern, now);
      if (all.empty()) {
        all = std::move(part);
      } else {
        all.insert(all.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
      }
    }
    return all;
  });
}

std::size_t Database::db_size() {
  return impl_->on_shards(impl_->all_shards(), Impl::Cost::kShort, [&](std::int64_t) {
    std::size_t total = 0;
    for (ShardId id = 0; id < impl_->engine.shard_count(); ++id) total += impl_->db(id).size();
    return total;
  });
}

void Database::flush_db() {
  impl_->on_shards(impl_->all_shards(), Impl::Cost::kLong, [&](std::int64_t) {
    for (ShardId id = 0; id < impl_->engine.shard_count(); ++id) impl_->db(id).clear();
  });
}

}  // namespace kora
