#include "kora/core/string_ops.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <new>

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
  db.notify(notify::kString, "set", key);
  if (!opts.keep_ttl && opts.expire_at_ms != 0) db.notify(notify::kGeneric, "expire", key);
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
  db.notify(notify::kString, "incrby", key);
  return next;
}

Result<std::size_t> op_append(Db& db, std::string_view key, std::string_view suffix,
                              std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (ref && ref->type() != ValueType::kString) return Errc::kWrongType;
  std::size_t current = ref ? ref->str().size() : 0;
  if (current + suffix.size() > kMaxStringLength) return Errc::kStringTooLong;
  if (!ref) {
    // As Redis: the new key holds the argument as SET would store it ("int",
    // "embstr" or "raw"), not a string built by appending.
    ref = db.find_or_create(key, now_ms, nullptr);
    db.set_string(ref, suffix);
    db.notify(notify::kString, "append", key);
    return suffix.size();
  }
  db.append_string(ref, suffix);
  db.notify(notify::kString, "append", key);
  return ref->str().size();
}

Result<std::size_t> op_strlen(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return std::size_t{0};
  if (ref->type() != ValueType::kString) return Errc::kWrongType;
  return ref->str().size();
}

Result<std::optional<std::string>> op_getdel(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return std::optional<std::string>();
  if (ref->type() != ValueType::kString) return Errc::kWrongType;
  std::optional<std::string> value(std::in_place, ref->str());
  db.erase(key);
  return value;
}

Result<std::optional<std::string>> op_getex(Db& db, std::string_view key, const GetExOptions& opts,
                                            std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return std::optional<std::string>();
  if (ref->type() != ValueType::kString) return Errc::kWrongType;
  std::optional<std::string> value(std::in_place, ref->str());
  switch (opts.ttl) {
    case GetExOptions::Ttl::kKeep:
      break;
    case GetExOptions::Ttl::kSet:
      if (db.already_expired(opts.expire_at_ms, now_ms)) {
        db.erase(key);  // an absolute time already past deletes the key, as Redis does
      } else {
        db.set_expire(ref, opts.expire_at_ms);
        db.notify(notify::kGeneric, "expire", key);
      }
      break;
    case GetExOptions::Ttl::kPersist:
      if (ref->expire_at_ms() != 0) {
        db.set_expire(ref, 0);
        db.notify(notify::kGeneric, "persist", key);
      }
      break;
  }
  return value;
}

bool op_msetnx(std::span<const DbKeyValue> items, std::int64_t now_ms) {
  for (const DbKeyValue& kv : items) {
    if (kv.db->find(kv.key, now_ms)) return false;
  }
  for (const DbKeyValue& kv : items) {
    EntryRef ref = kv.db->find_or_create(kv.key, now_ms, nullptr);
    kv.db->set_string(ref, kv.value);
    kv.db->set_expire(ref, 0);
    kv.db->notify(notify::kString, "set", kv.key);
  }
  return true;
}

Result<std::string_view> op_getrange(Db& db, std::string_view key, std::int64_t start,
                                     std::int64_t end, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return std::string_view();
  if (ref->type() != ValueType::kString) return Errc::kWrongType;
  std::string_view str = ref->str();
  // As Redis's getrangeCommand, step by step.
  const auto len = static_cast<std::int64_t>(str.size());
  if (start < 0 && end < 0 && start > end) return std::string_view();
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return std::string_view();
  return str.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start + 1));
}

namespace {

// Whether a string of `offset + size` bytes stays within kMaxStringLength.
bool fits(std::int64_t offset, std::size_t size) {
  auto off = static_cast<std::uint64_t>(offset);
  return off <= kMaxStringLength && size <= kMaxStringLength - off;
}

}  // namespace

Result<std::size_t> op_setrange(Db& db, std::string_view key, std::int64_t offset,
                                std::string_view value, std::int64_t now_ms) {
  if (offset < 0) return Errc::kOffsetOutOfRange;
  EntryRef ref = db.find(key, now_ms);
  if (!ref) {
    if (value.empty()) return std::size_t{0};
    if (!fits(offset, value.size())) return Errc::kStringTooLong;
    ref = db.find_or_create(key, now_ms, nullptr);
  } else {
    if (ref->type() != ValueType::kString) return Errc::kWrongType;
    if (value.empty()) return ref->str().size();
    if (!fits(offset, value.size())) return Errc::kStringTooLong;
  }
  db.write_string(ref, static_cast<std::size_t>(offset), value);  // zero-pads, keeps the TTL
  db.notify(notify::kString, "setrange", key);
  return ref->str().size();
}

Result<std::string> op_incr_by_float(Db& db, std::string_view key, long double increment,
                                     std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  long double current = 0;
  if (ref) {
    if (ref->type() != ValueType::kString) return Errc::kWrongType;
    auto parsed = parse_long_double(ref->str());
    if (!parsed) return Errc::kNotFloat;
    current = *parsed;
  }
  long double next = current + increment;
  if (std::isnan(next) || std::isinf(next)) return Errc::kIncrNanOrInf;
  std::string text = format_long_double_human(next);
  if (!ref) ref = db.find_or_create(key, now_ms, nullptr);
  db.set_string(ref, text, StringEncoding::kEmbstr);  // keeps the TTL; as Redis, never "int"
  db.notify(notify::kString, "incrbyfloat", key);
  return text;
}

Result<std::pair<std::string_view, std::string_view>> op_lcs_inputs(Db& db_a, std::string_view key_a,
                                                                     Db& db_b, std::string_view key_b,
                                                                     std::int64_t now_ms) {
  EntryRef a = db_a.find(key_a, now_ms);
  EntryRef b = db_b.find(key_b, now_ms);
  if ((a && a->type() != ValueType::kString) || (b && b->type() != ValueType::kString)) {
    return Errc::kLcsNotString;
  }
  return std::pair(a ? a->str() : std::string_view(), b ? b->str() : std::string_view());
}

namespace {

// LCS length only, two rows of Redis's table (same values, O(|b|) memory).
std::size_t lcs_length(std::string_view a, std::string_view b) {
  std::vector<std::uint32_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

Result<LcsResult> compute_lcs(std::string_view a, std::string_view b, const LcsOptions& opts) {
  const std::uint64_t alen = a.size(), blen = b.size();
  const std::uint64_t cells = (alen + 1) * (blen + 1);  // both <= 512 MB: no overflow
  if (cells * sizeof(std::uint32_t) > kMaxStringLength) return Errc::kLcsTooBig;
  LcsResult out;
  if (!opts.want_string && !opts.want_matches) {
    out.length = lcs_length(a, b);
    return out;
  }
  std::unique_ptr<std::uint32_t[]> table(new (std::nothrow) std::uint32_t[cells]);
  if (!table) return Errc::kLcsAllocFailed;
  const std::uint64_t row = blen + 1;
  auto at = [&](std::uint64_t i, std::uint64_t j) -> std::uint32_t& { return table[i * row + j]; };
  for (std::uint64_t i = 0; i <= alen; ++i) {
    for (std::uint64_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        at(i, j) = 0;
      } else if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  // Walk back from the end as Redis's lcsCommand does, collecting the string and
  // the ranges of contiguous matches.
  std::uint32_t idx = at(alen, blen);
  out.length = idx;
  out.lcs.assign(idx, '\0');
  const auto unset = static_cast<std::uint32_t>(alen);
  std::uint32_t a_start = unset, a_end = 0, b_start = 0, b_end = 0;
  auto i = static_cast<std::uint32_t>(alen), j = static_cast<std::uint32_t>(blen);
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      out.lcs[idx - 1] = a[i - 1];
      if (a_start == unset) {
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {
        --a_start;
        --b_start;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (a_start != unset) emit = true;
    }
    if (emit) {
      std::uint32_t len = a_end - a_start + 1;
      if (opts.want_matches &&
          (opts.min_match_len == 0 || static_cast<std::int64_t>(len) >= opts.min_match_len)) {
        out.matches.push_back({a_start, a_end, b_start, b_end, len});
      }
      a_start = unset;
    }
  }
  if (!opts.want_string) out.lcs.clear();
  return out;
}

Result<LcsResult> op_lcs(Db& db_a, std::string_view key_a, Db& db_b, std::string_view key_b,
                         const LcsOptions& opts, std::int64_t now_ms) {
  auto inputs = op_lcs_inputs(db_a, key_a, db_b, key_b, now_ms);
  if (!inputs.ok()) return inputs.error();
  return compute_lcs(inputs->first, inputs->second, opts);
}

}  // namespace kora::core
