#include "kora/observability/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace kora::observability {

// Bucket layout, with p = precision_bits and s = the "shift" of a value v:
//   s = max(0, floor(log2 v) - p), index = s * 2^p + (v >> s).
// For v < 2^(p+1), s = 0 and index = v (exact). Otherwise v >> s lies in
// [2^p, 2^(p+1)), so each power of two above 2^p has 2^p buckets of width 2^s, and a
// bucket's width is at most 2^-p of any value in it.

LatencyHistogram::LatencyHistogram(int precision_bits)
    : precision_bits_(std::clamp(precision_bits, kMinPrecisionBits, kMaxPrecisionBits)),
      counts_(static_cast<std::size_t>(65 - precision_bits_) << precision_bits_, 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t value) const {
  const int magnitude = static_cast<int>(std::bit_width(value)) - 1;  // floor(log2 v); -1 for 0
  const int shift = std::max(0, magnitude - precision_bits_);
  return (static_cast<std::size_t>(shift) << precision_bits_) +
         static_cast<std::size_t>(value >> shift);
}

std::uint64_t LatencyHistogram::bucket_lowest(std::size_t index) const {
  const std::size_t sub_buckets = std::size_t{1} << precision_bits_;
  if (index < 2 * sub_buckets) return index;
  const std::size_t shift = (index >> precision_bits_) - 1;
  const std::uint64_t mantissa = index - shift * sub_buckets;
  return mantissa << shift;
}

std::uint64_t LatencyHistogram::bucket_highest(std::size_t index) const {
  const std::size_t sub_buckets = std::size_t{1} << precision_bits_;
  if (index < 2 * sub_buckets) return index;
  const std::size_t shift = (index >> precision_bits_) - 1;
  return bucket_lowest(index) + ((std::uint64_t{1} << shift) - 1);
}

void LatencyHistogram::record(std::uint64_t micros, std::uint64_t count) {
  if (count == 0) return;
  counts_[bucket_of(micros)] += count;
  if (count_ == 0 || micros < min_) min_ = micros;
  if (micros > max_) max_ = micros;
  count_ += count;
  sum_ += micros * count;
}

std::uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(bucket_highest(i), min_, max_);
  }
  return max_;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

bool LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.precision_bits_ != precision_bits_) return false;
  if (other.count_ == 0) return true;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
  return true;
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = sum_ = min_ = max_ = 0;
}

}  // namespace kora::observability
