#pragma once
// SetValue: the value of a Redis set, with Redis 7.0's two encodings.
//
//   "intset"    while every member is an integer in Redis's strict sense
//               (parse_int64, i.e. string2ll) and there are at most
//               set_max_intset_entries members: a sorted array of integers stored
//               with the smallest width (2, 4 or 8 bytes) that fits them all,
//               upgraded as wider values arrive, exactly as Redis's intset.
//   "hashtable" otherwise: a hash set of byte strings.
//
// A set converts from intset to hashtable when a non-integer member is added or
// the intset grows past EncodingLimits::set_max_intset_entries (read relaxed); it
// never converts back (Redis 7.0 has no listpack encoding for sets).
//
// Iteration (for_each, members) follows Redis's order: ascending numeric for an
// intset, table order for a hashtable. Shard-local: touched only by the thread
// that owns the Db holding it. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "kora/core/numbers.h"
#include "kora/core/object.h"

namespace kora::core {

// A sorted set of distinct int64 values stored in one byte array with a uniform
// element width (2, 4 or 8 bytes): Redis's intset. Lookups are binary searches
// (O(log N)); insert and erase move the tail (O(N)).
class IntSet {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Bytes per element: 2 (int16), 4 (int32) or 8 (int64). Never shrinks.
  int width() const { return width_; }
  // The i-th smallest value. Precondition: i < size().
  std::int64_t at(std::size_t i) const;
  bool contains(std::int64_t v) const;
  // Adds v, upgrading the width first if v does not fit. False if present.
  bool insert(std::int64_t v);
  // Removes v. False if absent. The width stays.
  bool erase(std::int64_t v);
  // Bytes held by the element array.
  std::size_t bytes() const { return data_.capacity(); }

  // The width needed to store v.
  static int width_for(std::int64_t v);

 private:
  // Index of v (true) or of where it would be inserted (false).
  bool search(std::int64_t v, std::size_t* pos) const;
  std::int64_t get(std::size_t i, int width) const;
  void put(std::size_t i, std::int64_t v);
  void upgrade_and_insert(std::int64_t v);

  std::vector<unsigned char> data_;  // size_ * width_ bytes, native byte order
  std::size_t size_ = 0;
  int width_ = 2;
};

class SetValue final : public Object {
 public:
  static constexpr ValueType kType = ValueType::kSet;

  // Hashes byte strings; transparent so string_view lookups do not allocate.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Table = std::unordered_set<std::string, Hash, std::equal_to<>>;

  SetValue() = default;  // an empty intset, like Redis's createIntsetObject

  ValueType type() const override { return kType; }
  std::string_view encoding() const override { return intset_ ? "intset" : "hashtable"; }
  std::size_t size() const override { return intset_ ? ints_.size() : table_.size(); }
  std::unique_ptr<Object> clone() const override { return std::make_unique<SetValue>(*this); }
  std::size_t memory_usage() const override;

  bool is_intset() const { return intset_; }
  // The intset's element width in bytes (2, 4, 8); 0 for a hashtable. For tests.
  int intset_width() const { return intset_ ? ints_.width() : 0; }

  // Adds `member`; true if it was not present. Converts to a hashtable when
  // `member` is not an integer or the intset outgrows set_max_intset_entries.
  bool add(std::string_view member);
  // As add(member's decimal form), without formatting it for an intset.
  bool add_integer(std::int64_t v);
  // Removes `member`; true if it was present.
  bool remove(std::string_view member);
  bool contains(std::string_view member) const;
  bool contains_integer(std::int64_t v) const;

  // Converts an intset to a hashtable (no-op for a hashtable).
  void convert_to_hashtable();

  // Calls fn(std::string_view member) for every member in Redis's order. The view
  // lives only for the call. fn must not modify the set. If fn returns bool,
  // iteration stops at the first false.
  template <typename F>
  void for_each(F&& fn) const {
    auto call = [&](std::string_view m) {
      if constexpr (std::is_same_v<std::invoke_result_t<F&, std::string_view>, bool>) {
        return fn(m);
      } else {
        fn(m);
        return true;
      }
    };
    if (intset_) {
      std::string buf;
      for (std::size_t i = 0; i < ints_.size(); ++i) {
        buf.clear();
        append_int64(buf, ints_.at(i));
        if (!call(std::string_view(buf))) return;
      }
    } else {
      for (const std::string& m : table_) {
        if (!call(std::string_view(m))) return;
      }
    }
  }

  // Every member, in for_each order.
  std::vector<std::string> members() const;

  // A member chosen at random (uniformly for an intset; by random non-empty
  // bucket, then random node, for a hashtable, as Redis's dictGetFairRandomKey
  // approximates). Precondition: size() > 0.
  std::string random_member(std::mt19937_64& rng) const;

  // The intset (valid only while is_intset()); for fast paths of the set algebra.
  const IntSet& ints() const { return ints_; }

 private:
  void maybe_shrink_table();

  IntSet ints_;
  Table table_;
  std::size_t str_bytes_ = 0;  // heap bytes of the table's strings (memory_usage)
  bool intset_ = true;
};

}  // namespace kora::core
