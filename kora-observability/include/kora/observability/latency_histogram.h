#pragma once
// LatencyHistogram: a log-linear (HDR-style) histogram of latencies in microseconds.
//
// Values below 2^(p+1) (p = precision_bits) get one bucket each; above that, every
// power-of-two range [2^e, 2^(e+1)) is split into 2^p equal buckets. So any value is
// known to within a relative error of 2^-p (3 bits: 12.5%, 7 bits: < 1%), over the
// whole uint64 range, in (65 - p) * 2^p counters (496 for p = 3). record() is a few
// instructions and never allocates.
//
// Thread-safety: none, by contract. Keep one histogram per thread (per shard, per
// command), record into it from that thread only, and merge on read: the reader asks
// each owner (by message) for a copy — or for a copy and a reset(), to report deltas —
// and merge()s the copies. Copies are cheap (a few KiB).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kora::observability {

class LatencyHistogram {
 public:
  static constexpr int kMinPrecisionBits = 1;
  static constexpr int kMaxPrecisionBits = 10;

  // A histogram with relative error 2^-precision_bits; precision_bits is clamped to
  // [kMinPrecisionBits, kMaxPrecisionBits].
  explicit LatencyHistogram(int precision_bits = 3);

  // Records `count` observations of `micros`. O(1).
  void record(std::uint64_t micros, std::uint64_t count = 1);

  // The value at percentile `p` (0..100, clamped): the smallest recorded value v such
  // that at least ceil(p/100 * count()) observations are <= v, reported as the upper
  // end of v's bucket, clamped to [min(), max()] — so never below the true value and
  // at most 2^-precision_bits above it. percentile(100) == max(). 0 when empty.
  // O(number of buckets).
  std::uint64_t percentile(double p) const;

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  // Exact sum and mean of the recorded values (sum wraps past 2^64 us ~ 584k years).
  std::uint64_t sum() const { return sum_; }
  double mean() const;

  // Adds `other`'s observations. Returns false (and changes nothing) if the precisions
  // differ. O(number of buckets).
  bool merge(const LatencyHistogram& other);
  // Forgets every observation.
  void reset();

  int precision_bits() const { return precision_bits_; }

  // Calls fn(lowest, highest, count) for each non-empty bucket, in increasing order;
  // [lowest, highest] are the values the bucket covers. For exporting to other
  // formats (e.g. Prometheus buckets).
  template <typename Fn>
  void for_each_bucket(Fn&& fn) const {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] != 0) fn(bucket_lowest(i), bucket_highest(i), counts_[i]);
    }
  }

 private:
  std::size_t bucket_of(std::uint64_t value) const;
  std::uint64_t bucket_lowest(std::size_t index) const;
  std::uint64_t bucket_highest(std::size_t index) const;

  int precision_bits_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace kora::observability
