#include "kora/core/string_ops.h"

#include "kora/core/numbers.h"

namespace kora::core {

Result<std::optional<std::string_view>> op_get(Db& db, std::string_view key,
                                               std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return std::optional<std::string_view>();
  if (ref->type() != ValueType::kString) return Errc::kWrongType;
  return std::optional<std::string_view>(ref->str());
}

Result<SetOutcome> op_set(Db& db, std::string_view key, std::string_view value,
                          const SetOptions& opts, std::int64_t now_ms) {
  SetOutcome out;
  EntryRef ref = db.find(key, now_ms);
  if (opts.get && ref) {
    if (ref->type() != ValueType::kString) return Errc::kWrongType;
    out.previous = std::string(ref->str());
  }
  using C = SetOptions::Condition;
  if ((opts.condition == C::kIfAbsent && ref) || (opts.condition == C::kIfPresent && !ref)) {
    return out;
  }
  if (!ref) ref = db.find_or_create(key, now_ms, nullptr);
  db.set_string(ref, value);
  if (!opts.keep_ttl) db.set_expire(ref, opts.expire_at_ms);
  out.written = true;
  return out;
}

Result<std::int64_t> op_incr_by(Db& db, std::string_view key, std::int64_t delta,
                                std::int64_t now_ms) {
  bool created = false;
  EntryRef ref = db.find(key, now_ms);
  std::int64_t current = 0;
  if (ref) {
    if (ref->type() != ValueType::kString) return Errc::kWrongType;
    auto parsed = parse_int64(ref->str());
    if (!parsed) return Errc::kNotInteger;
    current = *parsed;
  }
  std::int64_t next;
  if (__builtin_add_overflow(current, delta, &next)) return Errc::kOverflow;
  if (!ref) ref = db.find_or_create(key, now_ms, &created);
  std::string text;
  append_int64(text, next);
  db.set_string(ref, text);
  return next;
}

Result<std::size_t> op_append(Db& db, std::string_view key, std::string_view suffix,
                              std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (ref && ref->type() != ValueType::kString) return Errc::kWrongType;
  std::size_t current = ref ? ref->str().size() : 0;
  if (current + suffix.size() > kMaxStringLength) return Errc::kStringTooLong;
  if (!ref) ref = db.find_or_create(key, now_ms, nullptr);
  db.append_string(ref, suffix);
  return ref->str().size();
}

Result<std::size_t> op_strlen(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return std::size_t{0};
  if (ref->type() != ValueType::kString) return Errc::kWrongType;
  return ref->str().size();
}

}  // namespace kora::core
