// kora::Database, hash family: thin wrappers over kora/core/hash_ops.h.
#include <array>

#include "database_impl.h"
#include "kora/core/hash_ops.h"

namespace kora {

using core::Db;

namespace {

// field, value, field, value, ...: the argument shape of op_hset.
std::vector<std::string_view> flatten(std::span<const StringPair> pairs) {
  std::vector<std::string_view> flat;
  flat.reserve(pairs.size() * 2);
  for (const StringPair& p : pairs) {
    flat.push_back(p.first);
    flat.push_back(p.second);
  }
  return flat;
}

}  // namespace

Result<bool> Database::hset(std::string_view key, std::string_view field, std::string_view value) {
  const std::array<std::string_view, 2> flat{field, value};
  static const auto& spec = Impl::cmd("hset");
  return impl_->on_key(spec, key, Impl::argv_with("HSET", key, flat), [&](Db& db, std::int64_t now) -> Result<bool> {
    auto r = core::op_hset(db, key, flat, now);
    if (!r.ok()) return r.error();
    return *r == 1;
  });
}

Result<std::size_t> Database::hset(std::string_view key, std::span<const StringPair> field_values) {
  if (field_values.empty()) return Error::of(Errc::kWrongArity, "hset");
  std::vector<std::string_view> flat = flatten(field_values);
  static const auto& spec = Impl::cmd("hset");
  return impl_->on_key(spec, key, Impl::argv_with("HSET", key, flat), [&](Db& db, std::int64_t now) { return core::op_hset(db, key, flat, now); });
}

Result<std::size_t> Database::hset(std::string_view key, std::initializer_list<StringPair> field_values) {
  return hset(key, std::span<const StringPair>(field_values.begin(), field_values.size()));
}

Result<std::optional<std::string>> Database::hget(std::string_view key, std::string_view field) {
  static const auto& spec = Impl::cmd("hget");
  return impl_->on_key(spec, key, Impl::argv_of("HGET", key, field), [&](Db& db, std::int64_t now) -> Result<std::optional<std::string>> {
    auto r = core::op_hget(db, key, field, now);
    if (!r.ok()) return r.error();
    if (!r->has_value()) return std::optional<std::string>();
    return std::optional<std::string>(std::in_place, **r);
  });
}

Result<bool> Database::hexists(std::string_view key, std::string_view field) {
  static const auto& spec = Impl::cmd("hexists");
  return impl_->on_key(spec, key, Impl::argv_of("HEXISTS", key, field),
                       [&](Db& db, std::int64_t now) { return core::op_hexists(db, key, field, now); });
}

Result<std::size_t> Database::hlen(std::string_view key) {
  static const auto& spec = Impl::cmd("hlen");
  return impl_->on_key(spec, key, Impl::argv_of("HLEN", key),
                       [&](Db& db, std::int64_t now) { return core::op_hlen(db, key, now); });
}

Result<std::vector<OwnedPair>> Database::hgetall(std::string_view key) {
  static const auto& spec = Impl::cmd("hgetall");
  return impl_->on_key(spec, key, Impl::argv_of("HGETALL", key), [&](Db& db, std::int64_t now) -> Result<std::vector<OwnedPair>> {
    auto r = core::op_hgetall(db, key, now);
    if (!r.ok()) return r.error();
    std::vector<OwnedPair> out;
    out.reserve(r->size());
    for (const core::HashPair& p : *r) out.emplace_back(std::string(p.field), std::string(p.value));
    return out;
  });
}

Result<std::size_t> Database::hdel(std::string_view key, std::span<const std::string_view> fields) {
  if (fields.empty()) return Error::of(Errc::kWrongArity, "hdel");
  static const auto& spec = Impl::cmd("hdel");
  return impl_->on_key(spec, key, Impl::argv_with("HDEL", key, fields),
                       [&](Db& db, std::int64_t now) { return core::op_hdel(db, key, fields, now); });
}

Result<std::size_t> Database::hdel(std::string_view key, std::initializer_list<std::string_view> fields) {
  return hdel(key, std::span<const std::string_view>(fields.begin(), fields.size()));
}

Result<std::int64_t> Database::hincrby(std::string_view key, std::string_view field, std::int64_t delta) {
  static const auto& spec = Impl::cmd("hincrby");
  auto argv = [&] {
    return std::vector<std::string>{"HINCRBY", std::string(key), std::string(field), std::to_string(delta)};
  };
  return impl_->on_key(spec, key, argv,
                       [&](Db& db, std::int64_t now) { return core::op_hincrby(db, key, field, delta, now); });
}

}  // namespace kora
