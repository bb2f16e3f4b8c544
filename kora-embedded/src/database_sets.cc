// kora::Database, set family: thin wrappers over kora/core/set_ops.h.
#include "database_impl.h"
#include "kora/core/set_ops.h"

namespace kora {

using core::Db;

Result<std::size_t> Database::sadd(std::string_view key, std::span<const std::string_view> members) {
  if (members.empty()) return Error::of(Errc::kWrongArity, "sadd");
  static const auto& spec = Impl::cmd("sadd");
  return impl_->on_key(spec, key, Impl::argv_with("SADD", key, members),
                       [&](Db& db, std::int64_t now) { return core::op_sadd(db, key, members, now); });
}

Result<std::size_t> Database::sadd(std::string_view key, std::initializer_list<std::string_view> members) {
  return sadd(key, std::span<const std::string_view>(members.begin(), members.size()));
}

Result<bool> Database::sismember(std::string_view key, std::string_view member) {
  static const auto& spec = Impl::cmd("sismember");
  return impl_->on_key(spec, key, Impl::argv_of("SISMEMBER", key, member),
                       [&](Db& db, std::int64_t now) { return core::op_sismember(db, key, member, now); });
}

Result<std::size_t> Database::scard(std::string_view key) {
  static const auto& spec = Impl::cmd("scard");
  return impl_->on_key(spec, key, Impl::argv_of("SCARD", key),
                       [&](Db& db, std::int64_t now) { return core::op_scard(db, key, now); });
}

Result<std::vector<std::string>> Database::smembers(std::string_view key) {
  static const auto& spec = Impl::cmd("smembers");
  return impl_->on_key(spec, key, Impl::argv_of("SMEMBERS", key),
                       [&](Db& db, std::int64_t now) { return core::op_smembers(db, key, now); });
}

Result<std::size_t> Database::srem(std::string_view key, std::span<const std::string_view> members) {
  if (members.empty()) return Error::of(Errc::kWrongArity, "srem");
  static const auto& spec = Impl::cmd("srem");
  return impl_->on_key(spec, key, Impl::argv_with("SREM", key, members),
                       [&](Db& db, std::int64_t now) { return core::op_srem(db, key, members, now); });
}

Result<std::size_t> Database::srem(std::string_view key, std::initializer_list<std::string_view> members) {
  return srem(key, std::span<const std::string_view>(members.begin(), members.size()));
}

}  // namespace kora
