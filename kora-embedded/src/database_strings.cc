// kora::Database, strings family: thin wrappers over kora/core/string_ops.h.
#include "database_impl.h"
#include "kora/core/string_ops.h"

namespace kora {

using core::Db;
using core::ShardId;

Result<void> Database::set(std::string_view key, std::string_view value) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) -> Result<void> {
    auto r = core::op_set(db, key, value, {}, now);
    if (!r.ok()) return r.error();
    return core::Ok{};
  });
}

Result<void> Database::set_ex(std::string_view key, std::string_view value,
                              std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return Error::of(Errc::kInvalidExpire, "set");
  return impl_->on_key(key, [&](Db& db, std::int64_t now) -> Result<void> {
    auto at = Impl::deadline(now, ttl.count());
    if (!at) return Error::of(Errc::kInvalidExpire, "set");
    core::SetOptions opts;
    opts.expire_at_ms = *at;
    auto r = core::op_set(db, key, value, opts, now);
    if (!r.ok()) return r.error();
    return core::Ok{};
  });
}

Result<std::optional<std::string>> Database::get(std::string_view key) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) -> Result<std::optional<std::string>> {
    auto r = core::op_get(db, key, now);
    if (!r.ok()) return r.error();
    if (!r->has_value()) return std::optional<std::string>();
    return std::optional<std::string>(std::in_place, **r);  // copied while the shard is held
  });
}

Result<std::optional<std::string>> Database::getset(std::string_view key, std::string_view value) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) -> Result<std::optional<std::string>> {
    core::SetOptions opts;
    opts.get = true;
    auto r = core::op_set(db, key, value, opts, now);
    if (!r.ok()) return r.error();
    return std::move(r->previous);
  });
}

Result<std::int64_t> Database::incrby(std::string_view key, std::int64_t delta) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) { return core::op_incr_by(db, key, delta, now); });
}

Result<std::int64_t> Database::incr(std::string_view key) { return incrby(key, 1); }

Result<std::int64_t> Database::decr(std::string_view key) { return incrby(key, -1); }

Result<std::size_t> Database::append(std::string_view key, std::string_view suffix) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) { return core::op_append(db, key, suffix, now); });
}

Result<std::size_t> Database::strlen(std::string_view key) {
  return impl_->on_key(key, [&](Db& db, std::int64_t now) { return core::op_strlen(db, key, now); });
}

Result<void> Database::mset(std::span<const StringPair> pairs) {
  if (pairs.empty()) return Error::of(Errc::kWrongArity, "mset");
  auto shards = impl_->shards_of(pairs, [](const StringPair& p) { return p.first; });
  auto cost = pairs.size() <= Impl::kShortBatch ? Impl::Cost::kShort : Impl::Cost::kLong;
  return impl_->on_shards(shards, cost, [&](std::int64_t now) -> Result<void> {
    for (const StringPair& p : pairs) {
      // As MSET: op_set without options cannot fail, so nothing is half written.
      auto r = core::op_set(impl_->db(impl_->engine.shard_for(p.first)), p.first, p.second, {}, now);
      if (!r.ok()) return r.error();
    }
    return core::Ok{};
  });
}

Result<void> Database::mset(std::initializer_list<StringPair> pairs) {
  return mset(std::span<const StringPair>(pairs.begin(), pairs.size()));
}

std::vector<std::optional<std::string>> Database::mget(std::span<const std::string_view> keys) {
  std::vector<std::optional<std::string>> out;
  if (keys.empty()) return out;
  auto shards = impl_->shards_of(keys, [](std::string_view k) { return k; });
  out.reserve(keys.size());
  auto cost = keys.size() <= Impl::kShortBatch ? Impl::Cost::kShort : Impl::Cost::kLong;
  impl_->on_shards(shards, cost, [&](std::int64_t now) {
    for (std::string_view key : keys) {
      auto r = core::op_get(impl_->db(impl_->engine.shard_for(key)), key, now);
      if (r.ok() && r->has_value()) {
        out.emplace_back(std::in_place, **r);
      } else {
        out.emplace_back();  // absent or not a string: nil, as MGET
      }
    }
  });
  return out;
}

std::vector<std::optional<std::string>> Database::mget(std::initializer_list<std::string_view> keys) {
  return mget(std::span<const std::string_view>(keys.begin(), keys.size()));
}

}  // namespace kora
