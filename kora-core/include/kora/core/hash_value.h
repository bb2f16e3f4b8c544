#pragma once
// HashValue: the value of a Redis hash (field -> value, both binary strings).
//
// Two encodings, named as Redis 7.0's OBJECT ENCODING names them:
//   "listpack"  one contiguous malloc'd byte buffer of length-prefixed entries,
//               field then value, in insertion order (an updated field keeps its
//               place; a deleted one closes the gap). Lookups scan it. Used while
//               the hash has at most hash-max-listpack-entries fields and every
//               field and value is at most hash-max-listpack-value bytes.
//   "hashtable" an open-addressing table (linear probing, backward-shift
//               deletion) of pointers to one malloc'd record per field holding
//               the field and its value.
// The hash converts itself from listpack to hashtable when a write crosses a
// limit of EncodingLimits (read relaxed at each write) and, as in Redis, never
// converts back.
//
// Memory: the object itself is 24 bytes (vptr, one pointer, two counters); a
// listpack adds one allocation of sum(varint(len) + len) bytes over its fields
// and values, and nothing per field.
//
// Shard-local like every Object: no member is thread-safe. Views (string_view,
// Pair) returned by const members stay valid until the next non-const call.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <vector>

#include "kora/core/object.h"

namespace kora::core {

class HashValue final : public Object {
 public:
  static constexpr ValueType kType = ValueType::kHash;

  struct Pair {
    std::string_view field;
    std::string_view value;
  };

  HashValue() = default;
  ~HashValue() override;
  HashValue(const HashValue&) = delete;
  HashValue& operator=(const HashValue&) = delete;

  // Object.
  ValueType type() const override { return kType; }
  std::string_view encoding() const override;      // "listpack" or "hashtable"
  std::size_t size() const override;               // number of fields
  std::unique_ptr<Object> clone() const override;  // same encoding, same order
  std::size_t memory_usage() const override;

  bool is_listpack() const { return !is_table_; }

  // The value of `field`, or nullopt. O(n) as listpack, O(1) average as hashtable.
  std::optional<std::string_view> get(std::string_view field) const;
  bool contains(std::string_view field) const { return get(field).has_value(); }

  // Redis's hashTypeTryConversion: call before writing the strings `args` (fields
  // and values) with set(); converts to hashtable when one of them is longer than
  // hash-max-listpack-value or the listpack would pass its 1 GB size limit.
  void prepare_write(std::span<const std::string_view> args);

  // Sets `field` to `value`; true when the field is new. An updated field keeps
  // its place in a listpack. Converts to hashtable when field or value is longer
  // than hash-max-listpack-value, or when the hash then has more fields than
  // hash-max-listpack-entries (as Redis's hashTypeSet).
  bool set(std::string_view field, std::string_view value);

  // Removes `field`; true if it was present. Never changes the encoding.
  bool erase(std::string_view field);

  // Forward iteration over the pairs, in insertion order as listpack and in
  // table order as hashtable. Invalidated by any non-const call.
  class const_iterator {
   public:
    using value_type = Pair;
    using difference_type = std::ptrdiff_t;
    const_iterator() = default;
    Pair operator*() const;
    const_iterator& operator++();
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& o) const { return pos_ == o.pos_; }

   private:
    friend class HashValue;
    const_iterator(const HashValue* h, std::size_t pos) : h_(h), pos_(pos) {}
    const HashValue* h_ = nullptr;
    std::size_t pos_ = 0;  // listpack: byte offset; hashtable: slot index
  };
  const_iterator begin() const;
  const_iterator end() const;

  // Random sampling (HRANDFIELD). Preconditions: size() > 0.
  // One pair chosen uniformly.
  Pair random_pair(std::mt19937_64& rng) const;
  // `count` pairs chosen independently (repetitions possible), appended to out.
  void random_pairs(std::size_t count, std::mt19937_64& rng, std::vector<Pair>& out) const;
  // min(count, size()) distinct pairs, appended to out: all pairs in iteration
  // order when count >= size(); otherwise a uniform sample (listpack: in
  // insertion order; hashtable: in random order).
  void random_distinct_pairs(std::size_t count, std::mt19937_64& rng, std::vector<Pair>& out) const;

  // Converts to hashtable now (no-op when already one). Exposed for tests and
  // for callers that know the hash will grow large.
  void convert_to_hashtable();

 private:
  struct Table;

  // Listpack helpers (offsets are byte offsets into lp_).
  std::size_t lp_find(std::string_view field) const;  // offset of the field entry or npos
  void lp_append(std::string_view field, std::string_view value);
  void lp_replace_value(std::size_t value_off, std::string_view value);
  void lp_erase_pair(std::size_t field_off);
  void lp_resize(std::size_t bytes);
  Pair lp_pair_at(std::size_t off, std::size_t* next) const;
  void lp_offsets(std::vector<std::uint32_t>& out) const;
  Table& table() const { return *table_; }

  union {
    unsigned char* lp_ = nullptr;  // listpack bytes (nullptr while empty)
    Table* table_;                 // when is_table_
  };
  std::uint32_t lp_bytes_ = 0;       // bytes used by the listpack
  std::uint32_t lp_count_ : 31 = 0;  // pairs in the listpack
  std::uint32_t is_table_ : 1 = 0;
};

}  // namespace kora::core
