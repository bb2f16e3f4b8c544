#pragma once
// Count-Min Sketch and a top-k hot-key tracker built on it.
//
// CountMinSketch estimates how often each key was seen in O(width * depth) memory,
// whatever the number of distinct keys. Estimates never undercount; with
// width = ceil(e / epsilon) and depth = ceil(ln(1 / delta)), an estimate exceeds the
// true count by more than epsilon * total() with probability at most delta. Updates
// are conservative (only the counters at the current minimum grow), which tightens
// the overcount further without losing the no-undercount guarantee.
//
// HotKeys keeps the k keys with the highest estimates, for a HOTKEYS-style report.
// decay() halves every count so that the report follows the recent workload.
//
// Thread-safety: none, by contract. Each shard owns its own instances and feeds them
// from its thread; a report asks every shard (by message) for its top() and combines
// the answers with merge_hot_keys(). Keys live on exactly one shard, so the global
// top-k is the top-k of the union of the shards' lists.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kora::observability {

class CountMinSketch {
 public:
  // A sketch of `depth` rows of `width` counters. Width is rounded up to a power of
  // two; both are at least 1 and depth is at most kMaxDepth. Allocates
  // width * depth * 4 bytes.
  CountMinSketch(std::size_t width, std::size_t depth);

  // A sketch whose estimates overcount by at most epsilon * total() with
  // probability 1 - delta. Preconditions: 0 < epsilon < 1, 0 < delta < 1.
  static CountMinSketch with_error_bounds(double epsilon, double delta);

  static constexpr std::size_t kMaxDepth = 16;

  // Counts `n` more occurrences of `key` and returns its new estimate. Counters
  // saturate at 2^32 - 1. O(depth + len(key)).
  std::uint64_t add(std::string_view key, std::uint32_t n = 1);

  // Estimated occurrences of `key`: >= the true count (before saturation). O(depth).
  std::uint64_t estimate(std::string_view key) const;

  // Halves every counter (rounding down) and total(). O(width * depth).
  void decay();
  // Zeroes every counter.
  void clear();
  // Adds `other`'s counters to this one's. Returns false (and changes nothing) if the
  // dimensions differ. Estimates of the merged sketch bound the combined counts.
  bool merge(const CountMinSketch& other);

  std::size_t width() const { return width_; }
  std::size_t depth() const { return depth_; }
  // Sum of all n added (halved by decay()).
  std::uint64_t total() const { return total_; }

 private:
  // Fills idx[0..depth) with each row's counter index for `key`.
  void indexes(std::string_view key, std::size_t* idx) const;

  std::size_t width_;
  std::size_t depth_;
  std::vector<std::uint32_t> counters_;  // row-major: depth_ rows of width_
  std::uint64_t total_ = 0;
};

struct HotKey {
  std::string key;
  std::uint64_t count = 0;  // estimate (an upper bound on the true count)

  friend bool operator==(const HotKey&, const HotKey&) = default;
};

class HotKeys {
 public:
  // Tracks the `k` hottest keys using a width x depth sketch.
  HotKeys(std::size_t k, std::size_t width = 4096, std::size_t depth = 4);

  // Counts `n` more occurrences of `key`. O(depth + len(key)), plus O(k) when the
  // key enters the top k.
  void add(std::string_view key, std::uint32_t n = 1);

  // The tracked keys, highest estimate first (ties by key). O(k log k).
  std::vector<HotKey> top() const;

  // Halves the sketch and the tracked estimates. O(width * depth + k).
  void decay();
  // Forgets everything.
  void clear();

  std::size_t k() const { return k_; }
  const CountMinSketch& sketch() const { return sketch_; }

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept;
  };
  using Tracked = std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>>;

  // Recomputes floor_ as the lowest tracked estimate; returns that entry.
  Tracked::iterator find_min();

  CountMinSketch sketch_;
  std::size_t k_;
  Tracked tracked_;
  // A lower bound on the lowest tracked estimate once k keys are tracked: a new key
  // whose estimate does not exceed it cannot enter, without scanning tracked_.
  std::uint64_t floor_ = 0;
};

// Combines per-shard top() lists into one top-k, highest first (ties by key). A key
// present in several lists (not the case for shard lists) gets the sum of its counts.
std::vector<HotKey> merge_hot_keys(std::span<const std::vector<HotKey>> lists, std::size_t k);

}  // namespace kora::observability
