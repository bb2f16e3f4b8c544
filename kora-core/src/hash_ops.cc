#include "kora/core/hash_ops.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "kora/core/glob.h"
#include "kora/core/numbers.h"

namespace kora::core {
namespace {

// Redis's MAX_LONG_DOUBLE_CHARS.

std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

Result<std::size_t> op_hset(Db& db, std::string_view key,
                            std::span<const std::string_view> field_values, std::int64_t now_ms) {
  auto h = db.find_or_create_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  HashValue& hash = **h;
  hash.prepare_write(field_values);
  std::size_t added = 0;
  for (std::size_t i = 0; i + 1 < field_values.size(); i += 2) {
    if (hash.set(field_values[i], field_values[i + 1])) ++added;
  }
  if (!field_values.empty()) {
    db.signal_modified(key);
    db.notify(notify::kHash, "hset", key);  // HSET and HMSET
  }
  db.erase_if_empty(key);  // only when called with no pairs
  return added;
}

Result<bool> op_hsetnx(Db& db, std::string_view key, std::string_view field, std::string_view value,
                       std::int64_t now_ms) {
  auto h = db.find_or_create_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  HashValue& hash = **h;
  if (hash.contains(field)) return false;
  const std::string_view args[] = {field, value};
  hash.prepare_write(args);
  hash.set(field, value);
  db.signal_modified(key);
  db.notify(notify::kHash, "hset", key);
  return true;
}

Result<std::optional<std::string_view>> op_hget(Db& db, std::string_view key,
                                                std::string_view field, std::int64_t now_ms) {
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  if (*h == nullptr) return std::optional<std::string_view>();
  return (*h)->get(field);
}

Result<std::vector<std::optional<std::string_view>>> op_hmget(
    Db& db, std::string_view key, std::span<const std::string_view> fields, std::int64_t now_ms) {
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  std::vector<std::optional<std::string_view>> out(fields.size());
  if (*h != nullptr) {
    for (std::size_t i = 0; i < fields.size(); ++i) out[i] = (*h)->get(fields[i]);
  }
  return out;
}

Result<std::size_t> op_hdel(Db& db, std::string_view key, std::span<const std::string_view> fields,
                            std::int64_t now_ms) {
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  if (*h == nullptr) return std::size_t{0};
  std::size_t removed = 0;
  for (std::string_view f : fields) {
    if ((*h)->erase(f)) {
      ++removed;
      if ((*h)->size() == 0) break;  // as Redis: stop once the hash is empty
    }
  }
  if (removed > 0) {
    db.signal_modified(key);
    db.notify(notify::kHash, "hdel", key);
  }
  db.erase_if_empty(key);
  return removed;
}

Result<bool> op_hexists(Db& db, std::string_view key, std::string_view field, std::int64_t now_ms) {
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  return *h != nullptr && (*h)->contains(field);
}

Result<std::size_t> op_hlen(Db& db, std::string_view key, std::int64_t now_ms) {
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  return *h == nullptr ? std::size_t{0} : (*h)->size();
}

Result<std::size_t> op_hstrlen(Db& db, std::string_view key, std::string_view field,
                               std::int64_t now_ms) {
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  if (*h == nullptr) return std::size_t{0};
  auto v = (*h)->get(field);
  return v ? v->size() : std::size_t{0};
}

Result<std::vector<HashPair>> op_hgetall(Db& db, std::string_view key, std::int64_t now_ms) {
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  std::vector<HashPair> out;
  if (*h == nullptr) return out;
  out.reserve((*h)->size());
  for (HashPair p : **h) out.push_back(p);
  return out;
}

Result<std::int64_t> op_hincrby(Db& db, std::string_view key, std::string_view field,
                                std::int64_t delta, std::int64_t now_ms) {
  auto h = db.find_or_create_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  HashValue& hash = **h;
  std::int64_t current = 0;
  if (auto v = hash.get(field)) {
    auto parsed = parse_int64(*v);
    if (!parsed) return Errc::kHashNotInteger;
    current = *parsed;
  }
  std::int64_t next;
  if (__builtin_add_overflow(current, delta, &next)) {
    db.erase_if_empty(key);
    return Errc::kOverflow;
  }
  std::string text;
  append_int64(text, next);
  hash.set(field, text);
  db.signal_modified(key);
  db.notify(notify::kHash, "hincrby", key);
  return next;
}

Result<std::string> op_hincrbyfloat(Db& db, std::string_view key, std::string_view field,
                                    long double incr, std::int64_t now_ms) {
  if (std::isnan(incr) || std::isinf(incr)) return Errc::kValueNanOrInf;
  auto h = db.find_or_create_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  HashValue& hash = **h;
  long double value = 0;
  if (auto v = hash.get(field)) {
    auto parsed = parse_long_double(*v);
    if (!parsed) return Errc::kHashNotFloat;
    value = *parsed;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    db.erase_if_empty(key);
    return Errc::kIncrNanOrInf;
  }
  std::string text = format_long_double_human(value);
  hash.set(field, text);
  db.signal_modified(key);
  db.notify(notify::kHash, "hincrbyfloat", key);
  return text;
}

Result<std::optional<std::string_view>> op_hrandfield(Db& db, std::string_view key,
                                                      std::int64_t now_ms) {
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  if (*h == nullptr) return std::optional<std::string_view>();
  return std::optional<std::string_view>((*h)->random_pair(thread_rng()).field);
}

Result<std::vector<HashPair>> op_hrandfield_count(Db& db, std::string_view key, std::int64_t count,
                                                  std::int64_t now_ms) {
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  std::vector<HashPair> out;
  if (*h == nullptr || count == 0) return out;
  if (count < 0) {
    (*h)->random_pairs(static_cast<std::size_t>(-count), thread_rng(), out);
  } else {
    (*h)->random_distinct_pairs(static_cast<std::size_t>(count), thread_rng(), out);
  }
  return out;
}

Result<HashScanPage> op_hscan(Db& db, std::string_view key, std::uint64_t cursor,
                              std::optional<std::string_view> pattern, std::int64_t now_ms) {
  (void)cursor;  // every page is the whole hash
  auto h = db.find_as<HashValue>(key, now_ms);
  if (!h.ok()) return h.error();
  HashScanPage page;
  if (*h == nullptr) return page;
  bool filter = pattern && *pattern != "*";
  for (HashPair p : **h) {
    if (!filter || glob_match(*pattern, p.field)) page.pairs.push_back(p);
  }
  return page;
}

// --- numbers -------------------------------------------------------------------



}  // namespace kora::core
