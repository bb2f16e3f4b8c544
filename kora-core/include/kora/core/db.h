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
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "kora/core/object.h"
#include "kora/core/result.h"

namespace kora::core {

// The value stored under one key: a string (its bytes) or an aggregate Object,
// plus its expiry. Read through the accessors; change through Db, which keeps its
// indexes (TTL set, memory accounting) in step.
class Entry {
 public:
  ValueType type() const { return type_; }
  std::int64_t expire_at_ms() const { return expire_at_ms_; }  // 0: no expiry

  // The bytes of a string. Precondition: type() == kString.
  std::string_view str() const { return str_; }

  // The aggregate. Precondition: type() == T::kType.
  template <typename T>
  T& as() { return static_cast<T&>(*obj_); }
  template <typename T>
  const T& as() const { return static_cast<const T&>(*obj_); }
  Object* object() const { return obj_.get(); }

 private:
  friend class Db;
  std::string str_;
  std::unique_ptr<Object> obj_;
  std::int64_t expire_at_ms_ = 0;
  ValueType type_ = ValueType::kString;
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

  // Makes `ref` a string holding `value` (replacing any aggregate). Keeps the
  // expiry. The ref stays valid.
  void set_string(EntryRef ref, std::string_view value);
  // Appends to the string of `ref`. Precondition: ref is a string.
  void append_string(EntryRef ref, std::string_view suffix);

  // Replaces the value of `ref` with `obj` (COPY, RESTORE, *STORE). Keeps the expiry.
  void set_object(EntryRef ref, std::unique_ptr<Object> obj);

  // The aggregate of type T under `key`: nullptr when the key is absent,
  // kWrongType when it holds another type.
  template <typename T>
  Result<T*> find_as(std::string_view key, std::int64_t now_ms);

  // As find_as, but creates an empty T when the key is absent.
  template <typename T>
  Result<T*> find_or_create_as(std::string_view key, std::int64_t now_ms);

  // Deletes `key` if it holds an aggregate with no elements left (Redis deletes
  // empty lists, hashes and sets). True if it deleted.
  bool erase_if_empty(std::string_view key);

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

namespace kora::core {

template <typename T>
Result<T*> Db::find_as(std::string_view key, std::int64_t now_ms) {
  EntryRef ref = find(key, now_ms);
  if (!ref) return static_cast<T*>(nullptr);
  if (ref->type() != T::kType) return Errc::kWrongType;
  return &ref->as<T>();
}

template <typename T>
Result<T*> Db::find_or_create_as(std::string_view key, std::int64_t now_ms) {
  EntryRef ref = find(key, now_ms);
  if (ref) {
    if (ref->type() != T::kType) return Errc::kWrongType;
    return &ref->as<T>();
  }
  ref = find_or_create(key, now_ms, nullptr);
  set_object(ref, std::make_unique<T>());
  return &ref->as<T>();
}

}  // namespace kora::core
