// kora::Database, list family: thin wrappers over kora/core/list_ops.h.
#include "database_impl.h"
#include "kora/core/list_ops.h"

namespace kora {

using core::Db;
using core::ListEnd;

namespace {

using Element = Result<std::optional<std::string>>;

// LPUSH/RPUSH; `name` for the arity error of an empty push. (Impl is deduced:
// Database::Impl is private to Database.)
template <typename Impl>
Result<std::size_t> push(Impl& impl, const char* name, std::string_view key, ListEnd end,
                         std::span<const std::string_view> values) {
  if (values.empty()) return Error::of(Errc::kWrongArity, name);
  static const auto& lpush = Impl::cmd("lpush");
  static const auto& rpush = Impl::cmd("rpush");
  const bool head = end == ListEnd::kHead;
  return impl.on_key(head ? lpush : rpush, key, Impl::argv_with(head ? "LPUSH" : "RPUSH", key, values),
                     [&](Db& db, std::int64_t now) {
    return core::op_push(db, key, end, values, /*only_if_exists=*/false, now);
  });
}

template <typename Impl>
Element pop(Impl& impl, std::string_view key, ListEnd end) {
  static const auto& lpop = Impl::cmd("lpop");
  static const auto& rpop = Impl::cmd("rpop");
  const bool head = end == ListEnd::kHead;
  return impl.on_key(head ? lpop : rpop, key, Impl::argv_of(head ? "LPOP" : "RPOP", key),
                     [&](Db& db, std::int64_t now) { return core::op_pop(db, key, end, now); });
}

}  // namespace

Result<std::size_t> Database::lpush(std::string_view key, std::span<const std::string_view> values) {
  return push(*impl_, "lpush", key, ListEnd::kHead, values);
}

Result<std::size_t> Database::lpush(std::string_view key, std::initializer_list<std::string_view> values) {
  return lpush(key, std::span<const std::string_view>(values.begin(), values.size()));
}

Result<std::size_t> Database::rpush(std::string_view key, std::span<const std::string_view> values) {
  return push(*impl_, "rpush", key, ListEnd::kTail, values);
}

Result<std::size_t> Database::rpush(std::string_view key, std::initializer_list<std::string_view> values) {
  return rpush(key, std::span<const std::string_view>(values.begin(), values.size()));
}

Result<std::vector<std::string>> Database::lrange(std::string_view key, std::int64_t start,
                                                  std::int64_t stop) {
  static const auto& spec = Impl::cmd("lrange");
  auto argv = [&] {
    return std::vector<std::string>{"LRANGE", std::string(key), std::to_string(start), std::to_string(stop)};
  };
  return impl_->on_key(spec, key, argv, [&](Db& db, std::int64_t now) -> Result<std::vector<std::string>> {
    auto r = core::op_lrange(db, key, start, stop, now);
    if (!r.ok()) return r.error();
    return std::vector<std::string>(r->begin(), r->end());  // copied while the shard is held
  });
}

Element Database::lpop(std::string_view key) { return pop(*impl_, key, ListEnd::kHead); }

Element Database::rpop(std::string_view key) { return pop(*impl_, key, ListEnd::kTail); }

Result<std::size_t> Database::llen(std::string_view key) {
  static const auto& spec = Impl::cmd("llen");
  return impl_->on_key(spec, key, Impl::argv_of("LLEN", key),
                       [&](Db& db, std::int64_t now) { return core::op_llen(db, key, now); });
}

Element Database::lindex(std::string_view key, std::int64_t index) {
  static const auto& spec = Impl::cmd("lindex");
  auto argv = [&] { return std::vector<std::string>{"LINDEX", std::string(key), std::to_string(index)}; };
  return impl_->on_key(spec, key, argv, [&](Db& db, std::int64_t now) -> Element {
    auto r = core::op_lindex(db, key, index, now);
    if (!r.ok()) return r.error();
    if (!r->has_value()) return std::optional<std::string>();
    return std::optional<std::string>(std::in_place, **r);
  });
}

}  // namespace kora
