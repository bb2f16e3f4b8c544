#pragma once
// ZSetValue: the value of a Redis sorted set, with Redis 7.0's two encodings.
//
//   "listpack" small sets: one byte buffer of entries sorted by (score, member),
//              each [varint member_len<<1 | int_flag][member][score], the score
//              a zigzag varint when it is an integer that a double holds exactly
//              (not -0), else the 8 bytes of the double. Lookups are linear.
//   "skiplist" larger sets: Redis's skiplist with spans (O(log N) insert, erase,
//              rank and select by rank), each node holding its member inline,
//              plus an open-addressing index member -> node (O(1) ZSCORE).
//
// Conversion follows Redis: a new set starts as a listpack unless
// zset_max_listpack_entries is 0 or the first member is longer than
// zset_max_listpack_value; it converts to a skiplist when it would outgrow
// either limit; it never converts back by itself (the *STORE commands build
// their result and call convert_to_listpack_if_fits, as Redis does).
//
// Order: ascending score, ties broken by memcmp of the members (shorter first).
// Ranks are 0-based in that order. Scores are never NaN.
//
// Shard-local: touched only by the thread that owns the Db holding it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/object.h"

namespace kora::core {

// One element as seen during a walk. The view lives until the set changes.
struct ZItem {
  std::string_view member;
  double score;
};

// A score interval ("(" bounds are exclusive), as ZRANGEBYSCORE parses it.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
  bool above_min(double v) const { return minex ? v > min : v >= min; }
  bool below_max(double v) const { return maxex ? v < max : v <= max; }
  // True when no value can be inside (min > max, or equal with an open end).
  bool empty() const { return min > max || (min == max && (minex || maxex)); }
};

// A lexicographic interval as ZRANGEBYLEX parses it: "-" / "+" are the
// smallest / largest strings, "(" exclusive, "[" inclusive.
struct LexBound {
  enum Kind : unsigned char { kValue, kMinusInf, kPlusInf } kind = kValue;
  std::string value;
  bool exclusive = false;
};
struct LexRange {
  LexBound min, max;
  bool above_min(std::string_view v) const;
  bool below_max(std::string_view v) const;
  bool empty() const;
};

// Redis's sdscmp: memcmp, then the shorter string first.
int compare_members(std::string_view a, std::string_view b);

class ZSetValue final : public Object {
 public:
  static constexpr ValueType kType = ValueType::kZSet;

  // ZADD's input flags and what zsetAdd reports, as Redis names them.
  enum AddIn : int { kNone = 0, kIncr = 1, kNx = 2, kXx = 4, kGt = 8, kLt = 16 };
  enum AddOut : int { kNan = 1, kAdded = 2, kUpdated = 4, kNop = 8 };

  // An empty set in the listpack encoding, or the skiplist one.
  explicit ZSetValue(bool skiplist = false);
  ZSetValue(const ZSetValue& other);
  ZSetValue& operator=(const ZSetValue&) = delete;
  ~ZSetValue() override;

  // A new, empty set encoded as ZADD would create it for a first member of
  // `first_member_len` bytes (createZsetObject vs createZsetListpackObject).
  static std::unique_ptr<ZSetValue> for_first_member(std::size_t first_member_len);
  // A new, empty set for a result of `size_hint` elements (zsetTypeCreate):
  // a skiplist when it exceeds zset_max_listpack_entries.
  static std::unique_ptr<ZSetValue> for_size(std::size_t size_hint);

  ValueType type() const override { return kType; }
  std::string_view encoding() const override { return skiplist_ ? "skiplist" : "listpack"; }
  std::size_t size() const override { return size_; }
  std::unique_ptr<Object> clone() const override { return std::make_unique<ZSetValue>(*this); }
  std::size_t memory_usage() const override;

  bool is_listpack() const { return !skiplist_; }

  // Redis's zsetAdd: adds or updates `member` (which must not point into this
  // set) according to `flags` (AddIn);
  // returns AddOut bits (kNan alone when the (incremented) score is NaN and
  // nothing changed). *new_score gets the resulting score when the member was
  // added or its score computed. Converts to a skiplist when needed.
  int add(std::string_view member, double score, int flags, double* new_score);
  // Removes `member`; true if it was present. O(log N) / O(N) for a listpack.
  bool remove(std::string_view member);
  // The score of `member`, or nullopt. O(1) / O(N).
  std::optional<double> score(std::string_view member) const;
  // The 0-based ascending rank of `member`, or nullopt. O(log N) / O(N).
  std::optional<std::size_t> rank(std::string_view member) const;
  // The element at `rank`. Precondition: rank < size(). O(log N) / O(N).
  ZItem at(std::size_t rank) const;

  // Calls fn(ZItem) for the elements from rank `start` on, ascending
  // (reverse == false) or descending, until fn returns false or the set ends.
  // fn must not modify the set. O(log N + M) / O(N).
  void walk(std::size_t start, bool reverse, const std::function<bool(const ZItem&)>& fn) const;
  // Every element, ascending.
  void for_each(const std::function<void(const ZItem&)>& fn) const {
    walk(0, false, [&](const ZItem& it) {
      fn(it);
      return true;
    });
  }

  // The rank of the first element that `range` admits scanning forward (a
  // skiplist descends; a listpack scans from the head, as Redis's
  // zslFirstInRange / zzlFirstInRange), or nullopt when there is none.
  std::optional<std::size_t> first_in(const ScoreRange& range) const;
  std::optional<std::size_t> last_in(const ScoreRange& range) const;
  std::optional<std::size_t> first_in(const LexRange& range) const;
  std::optional<std::size_t> last_in(const LexRange& range) const;

  // Removes the elements of ranks [from, to]. Precondition: from <= to < size().
  void erase_ranks(std::size_t from, std::size_t to);

  // A set holding `items` (ascending by (score, member), members distinct) in
  // the encoding Redis's *STORE commands leave: a listpack when they fit both
  // listpack limits, else a skiplist.
  static std::unique_ptr<ZSetValue> from_sorted(std::span<const ZItem> items);

  // Appends an element greater, in (score, member) order, than every element
  // present and not present itself, in the current encoding with no
  // conversion check (loaders: RESTORE, snapshots). Preconditions are the
  // caller's.
  void append_sorted(std::string_view member, double score);

  // Converts to the skiplist encoding (no-op when already one).
  void convert_to_skiplist();
  // Converts a skiplist back to a listpack when it fits the listpack limits
  // (zsetConvertToListpackIfNeeded).
  void convert_to_listpack_if_fits();

  // A uniformly random rank's element. Precondition: size() > 0.
  ZItem random(std::mt19937_64& rng) const { return at(std::uniform_int_distribution<std::size_t>(0, size_ - 1)(rng)); }

 private:
  struct Node;
  struct Skiplist;
  struct Index;

  // Listpack helpers.
  struct LpEntry {
    std::size_t offset;  // of the entry
    std::size_t next;    // offset of the following entry
    std::string_view member;
    double score;
  };
  LpEntry lp_decode(std::size_t offset) const;
  std::optional<LpEntry> lp_find(std::string_view member) const;
  void lp_insert(std::string_view member, double score);
  static void lp_encode(std::string& out, std::string_view member, double score);
  void lp_erase(const LpEntry& e);
  // Offsets of every entry, in order (reverse walks).
  std::vector<std::size_t> lp_offsets() const;
  bool fits_listpack(std::size_t count, std::size_t member_len) const;

  // Skiplist helpers.
  void sl_insert(std::string_view member, double score);
  ZItem sl_item(const Node* n) const;
  const Node* sl_at(std::size_t rank) const;
  template <typename Pred>
  std::optional<std::size_t> sl_first_not(Pred below) const;
  template <typename Pred>
  std::optional<std::size_t> sl_last_where(Pred inside) const;
  template <typename Range>
  bool reaches(const Range& range) const;
  template <typename Range>
  std::optional<std::size_t> first_in_impl(const Range& range) const;
  template <typename Range>
  std::optional<std::size_t> last_in_impl(const Range& range) const;

  std::string lp_;                      // listpack bytes (listpack encoding)
  std::unique_ptr<Skiplist> sl_;        // skiplist encoding
  std::size_t size_ = 0;
  bool skiplist_ = false;
};

}  // namespace kora::core
