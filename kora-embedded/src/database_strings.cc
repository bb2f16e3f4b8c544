// kora::Database, strings family: thin wrappers over kora/core/string_ops.h.
#include "database_impl.h"
#include "kora/core/string_ops.h"

namespace kora {

using core::Db;
using core::ShardId;

Result<void> Database::set(std::string_view key, std::string_view value) {
  static const auto& spec = Impl::cmd("set");
  return impl_->on_key(spec, key, Impl::argv_of("SET", key, value), [&](Db& db, std::int64_t now) -> Result<void> {
    auto r = core::op_set(db, key, value, {}, now);
    if (!r.ok()) return r.error();
    return core::Ok{};
  });
}

Result<void> Database::set_ex(std::string_view key, std::string_view value,
                              std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return Error::of(Errc::kInvalidExpire, "set");
  static const auto& spec = Impl::cmd("set");
  std::int64_t at_ms = 0;
  auto argv = [&] { return std::vector<std::string>{"SET", std::string(key), std::string(value), "PXAT", std::to_string(at_ms)}; };
  return impl_->on_key(spec, key, argv, [&](Db& db, std::int64_t now) -> Result<void> {
    auto at = Impl::deadline(now, ttl.count());
    if (!at) return Error::of(Errc::kInvalidExpire, "set");
    at_ms = *at;
    core::SetOptions opts;
    opts.expire_at_ms = *at;
    auto r = core::op_set(db, key, value, opts, now);
    if (!r.ok()) return r.error();
    return core::Ok{};
  });
}

Result<std::optional<std::string>> Database::get(std::string_view key) {
  static const auto& spec = Impl::cmd("get");
  return impl_->on_key(spec, key, Impl::argv_of("GET", key), [&](Db& db, std::int64_t now) -> Result<std::optional<std::string>> {
    auto r = core::op_get(db, key, now);
    if (!r.ok()) return r.error();
    if (!r->has_value()) return std::optional<std::string>();
    return std::optional<std::string>(std::in_place, **r);  // copied while the shard is held
  });
}

Result<std::optional<std::string>> Database::getset(std::string_view key, std::string_view value) {
  static const auto& spec = Impl::cmd("getset");
  return impl_->on_key(spec, key, Impl::argv_of("SET", key, value), [&](Db& db, std::int64_t now) -> Result<std::optional<std::string>> {
    core::SetOptions opts;
    opts.get = true;
    auto r = core::op_set(db, key, value, opts, now);
    if (!r.ok()) return r.error();
    return std::move(r->previous);
  });
}

Result<std::int64_t> Database::incrby(std::string_view key, std::int64_t delta) {
  static const auto& spec = Impl::cmd("incrby");
  auto argv = [&] { return std::vector<std::string>{"INCRBY", std::string(key), std::to_string(delta)}; };
  return impl_->on_key(spec, key, argv, [&](Db& db, std::int64_t now) { return core::op_incr_by(db, key, delta, now); });
}

Result<std::int64_t> Database::incr(std::string_view key) { return incrby(key, 1); }

Result<std::int64_t> Database::decr(std::string_view key) { return incrby(key, -1); }

Result<std::size_t> Database::append(std::string_view key, std::string_view suffix) {
  static const auto& spec = Impl::cmd("append");
  return impl_->on_key(spec, key, Impl::argv_of("APPEND", key, suffix),
                       [&](Db& db, std::int64_t now) { return core::op_append(db, key, suffix, now); });
}

Result<std::size_t> Database::strlen(std::string_view key) {
  static const auto& spec = Impl::cmd("strlen");
  return impl_->on_key(spec, key, Impl::argv_of("STRLEN", key),
                       [&](Db& db, std::int64_t now) { return core::op_strlen(db, key, now); });
}

Result<void> Database::mset(std::span<const StringPair> pairs) {
  if (pairs.empty()) return Error::of(Errc::kWrongArity, "mset");
  auto shards = impl_->shards_of(pairs, [](const StringPair& p) { return p.first; });
  auto cost = pairs.size() <= Impl::kShortBatch ? Impl::Cost::kShort : Impl::Cost::kLong;
  static const auto& spec = Impl::cmd("mset");
  return impl_->on_shards_cmd(spec, shards, cost, [&](std::int64_t now, auto& run_on) -> Result<void> {
    // One part per shard: MSET of that shard's pairs. As MSET: op_set without
    // options cannot fail, so nothing is half written.
    for (ShardId id : shards) {
      auto argv = [&] {
        std::vector<std::string> a{"MSET"};
        for (const StringPair& p : pairs) {
          if (impl_->engine.shard_for(p.first) != id) continue;
          a.emplace_back(p.first);
          a.emplace_back(p.second);
        }
        return a;
      };
      Result<void> r = run_on(id, argv, [&]() -> Result<void> {
        for (const StringPair& p : pairs) {
          if (impl_->engine.shard_for(p.first) != id) continue;
          auto set = core::op_set(impl_->db(id), p.first, p.second, {}, now);
          if (!set.ok()) return set.error();
        }
        return core::Ok{};
      });
      if (!r.ok()) return r;
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
  auto cost = keys.size() <= Impl::kShortBatch ? Impl::Cost::kShort : Impl::Cost::kLong;
  static const auto& spec = Impl::cmd("mget");
  out.resize(keys.size());
  impl_->on_shards_cmd(spec, shards, cost, [&](std::int64_t now, auto& run_on) {
    for (ShardId id : shards) {
      auto argv = [&] {
        std::vector<std::string> a{"MGET"};
        for (std::string_view k : keys) a.emplace_back(k);
        return a;
      };
      run_on(id, argv, [&] {
        for (std::size_t i = 0; i < keys.size(); ++i) {
          if (impl_->engine.shard_for(keys[i]) != id) continue;
          auto r = core::op_get(impl_->db(id), keys[i], now);
          if (r.ok() && r->has_value()) out[i].emplace(**r);  // else nil, as MGET
        }
        return true;
      });
    }
  });
  return out;
}

std::vector<std::optional<std::string>> Database::mget(std::initializer_list<std::string_view> keys) {
  return mget(std::span<const std::string_view>(keys.begin(), keys.size()));
}

}  // namespace kora
