#pragma once
// Db: one numbered database of one shard's keyspace. Owned by a Shard and touched
// only by that shard's thread: no member is thread-safe.
//
// Expiry is lazy (an expired key is removed the first time it is looked up) plus a
// bounded periodic sweep over the keys that carry a TTL (sweep_expired).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace kora::core {

enum class ValueType : unsigned char { kString, kList, kSet, kZSet, kHash };

// The name TYPE reports for `t` ("string", "list", ...).
std::string_view type_name(ValueType t);

struct Entry {
  std::string str;                 // the value of a string
  std::int64_t expire_at_ms = 0;   // absolute unix ms; 0 = no expiry
  ValueType type = ValueType::kString;
};

// A live entry and the key it is stored under. The key view stays valid until
// the entry is erased.
struct EntryRef {
  std::string_view key;
  Entry* entry = nullptr;
  explicit operator bool() const { return entry != nullptr; }
  Entry* operator->() const { return entry; }
};

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // The live entry of `key`, or an empty ref. Removes the key first if it has
  // expired at `now_ms`. O(1) average.
  EntryRef find(std::string_view key, std::int64_t now_ms);

  // The live entry of `key`, creating an empty string entry if absent (an expired
  // one is replaced). `created` tells which. O(1) average.
  EntryRef find_or_create(std::string_view key, std::int64_t now_ms, bool* created);

  // Removes `key` whether or not it has expired; true if it was present.
  bool erase(std::string_view key);

  // Sets (at_ms > 0) or clears (at_ms == 0) the expiry of a live entry.
  void set_expire(EntryRef ref, std::int64_t at_ms);

  // Keys present, counting those expired but not yet removed (as Redis's DBSIZE).
  std::size_t size() const { return table_.size(); }
  std::size_t expires_count() const { return expires_.size(); }

  void clear();

  // Removes expired keys among at most `budget` keys that carry a TTL, resuming
  // where the previous call stopped; returns how many it removed.
  std::size_t sweep_expired(std::int64_t now_ms, std::size_t budget);

  // Calls fn(key, entry) for every live key at `now_ms`; fn must not modify the Db.
  void for_each(std::int64_t now_ms,
                const std::function<void(std::string_view, const Entry&)>& fn) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const;
  };
  using Table = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;

  Table table_;
  // Views of the keys in table_ that carry a TTL (node keys never move).
  std::unordered_set<std::string_view, Hash, std::equal_to<>> expires_;
  std::size_t sweep_bucket_ = 0;
};

}  // namespace kora::core
