// kora::Database, key family: thin wrappers over kora/core/key_ops.h, plus the
// all-shard calls (keys, db_size, flush_db), which borrow every shard at once.
#include "database_impl.h"
#include "kora/core/key_ops.h"

namespace kora {

using core::Db;
using core::ShardId;

bool Database::exists(std::string_view key) {
  static const auto& spec = Impl::cmd("exists");
  return impl_->on_key(spec, key, Impl::argv_of("EXISTS", key),
                       [&](Db& db, std::int64_t now) { return core::op_exists(db, key, now); });
}

bool Database::del(std::string_view key) {
  static const auto& spec = Impl::cmd("del");
  return impl_->on_key(spec, key, Impl::argv_of("DEL", key),
                       [&](Db& db, std::int64_t now) { return core::op_del(db, key, now); });
}

Result<bool> Database::expire(std::string_view key, std::chrono::milliseconds ttl) {
  static const auto& spec = Impl::cmd("pexpire");
  std::int64_t at_ms = 0;
  auto argv = [&] { return std::vector<std::string>{"PEXPIREAT", std::string(key), std::to_string(at_ms)}; };
  return impl_->on_key(spec, key, argv, [&](Db& db, std::int64_t now) -> Result<bool> {
    auto at = Impl::deadline(now, ttl.count());
    if (!at) return Error::of(Errc::kInvalidExpire, "pexpire");
    at_ms = *at;
    return core::op_expire_at(db, key, *at, now);
  });
}

std::optional<std::chrono::milliseconds> Database::ttl(std::string_view key) {
  static const auto& spec = Impl::cmd("pttl");
  std::int64_t ms = impl_->on_key(spec, key, Impl::argv_of("PTTL", key),
                                  [&](Db& db, std::int64_t now) { return core::op_pttl(db, key, now); });
  if (ms == -2) return std::nullopt;
  return std::chrono::milliseconds(ms);
}

bool Database::persist(std::string_view key) {
  static const auto& spec = Impl::cmd("persist");
  return impl_->on_key(spec, key, Impl::argv_of("PERSIST", key),
                       [&](Db& db, std::int64_t now) { return core::op_persist(db, key, now); });
}

std::string Database::key_type(std::string_view key) {
  static const auto& spec = Impl::cmd("type");
  return impl_->on_key(spec, key, Impl::argv_of("TYPE", key),
                       [&](Db& db, std::int64_t now) { return std::string(core::op_type(db, key, now)); });
}

std::vector<std::string> Database::keys(std::string_view pattern) {
  static const auto& spec = Impl::cmd("keys");
  const auto shards = impl_->all_shards();
  return impl_->on_shards_cmd(spec, shards, Impl::Cost::kLong, [&](std::int64_t now, auto& run_on) {
    std::vector<std::string> all;
    for (ShardId id : shards) {
      auto part = run_on(id, Impl::argv_of("KEYS", pattern), [&] { return core::op_keys(impl_->db(id), pattern, now); });
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
  static const auto& spec = Impl::cmd("dbsize");
  const auto shards = impl_->all_shards();
  return impl_->on_shards_cmd(spec, shards, Impl::Cost::kShort, [&](std::int64_t, auto& run_on) {
    std::size_t total = 0;
    for (ShardId id : shards) total += run_on(id, Impl::argv_of("DBSIZE"), [&] { return impl_->db(id).size(); });
    return total;
  });
}

void Database::flush_db() {
  static const auto& spec = Impl::cmd("flushdb");
  const auto shards = impl_->all_shards();
  impl_->on_shards_cmd(spec, shards, Impl::Cost::kLong, [&](std::int64_t, auto& run_on) {
    for (ShardId id : shards) {
      run_on(id, Impl::argv_of("FLUSHDB"), [&] {
        impl_->db(id).flush();
        return true;
      });
    }
  });
}

}  // namespace kora
