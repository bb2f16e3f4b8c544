#include "kora/observability/count_min.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "kora/core/hash.h"

namespace kora::observability {
namespace {

constexpr std::uint32_t kCounterMax = std::numeric_limits<std::uint32_t>::max();

// splitmix64's finaliser: turns one 64-bit hash into a second, independent-looking one.
std::uint64_t remix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint32_t saturating_add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t sum = a + b;
  return sum > kCounterMax ? kCounterMax : static_cast<std::uint32_t>(sum);
}

bool hotter(const HotKey& a, const HotKey& b) {
  return a.count != b.count ? a.count > b.count : a.key < b.key;
}

}  // namespace

// ------------------------------------------------------------------ CountMinSketch

CountMinSketch::CountMinSketch(std::size_t width, std::size_t depth)
    : width_(std::bit_ceil(std::max<std::size_t>(width, 1))),
      depth_(std::clamp<std::size_t>(depth, 1, kMaxDepth)),
      counters_(width_ * depth_, 0) {}

CountMinSketch CountMinSketch::with_error_bounds(double epsilon, double delta) {
  epsilon = std::clamp(epsilon, 1e-9, 1.0);
  delta = std::clamp(delta, 1e-9, 1.0);
  const auto width = static_cast<std::size_t>(std::ceil(std::exp(1.0) / epsilon));
  const auto depth = static_cast<std::size_t>(std::ceil(std::log(1.0 / delta)));
  return CountMinSketch(width, depth);
}

void CountMinSketch::indexes(std::string_view key, std::size_t* idx) const {
  // Double hashing (Kirsch & Mitzenmacher): row i uses h1 + i * h2, h2 odd so that
  // rows differ; width_ is a power of two, so masking keeps the low bits.
  const std::uint64_t h1 = core::hash_bytes(key);
  const std::uint64_t h2 = remix(h1) | 1u;
  const std::uint64_t mask = width_ - 1;
  for (std::size_t i = 0; i < depth_; ++i) {
    idx[i] = i * width_ + static_cast<std::size_t>((h1 + i * h2) & mask);
  }
}

std::uint64_t CountMinSketch::add(std::string_view key, std::uint32_t n) {
  std::size_t idx[kMaxDepth];
  indexes(key, idx);
  std::uint32_t current = kCounterMax;
  for (std::size_t i = 0; i < depth_; ++i) current = std::min(current, counters_[idx[i]]);
  const std::uint32_t target = saturating_add(current, n);
  // Conservative update: raise only the counters below the new estimate.
  for (std::size_t i = 0; i < depth_; ++i) {
    counters_[idx[i]] = std::max(counters_[idx[i]], target);
  }
  total_ += n;
  return target;
}

std::uint64_t CountMinSketch::estimate(std::string_view key) const {
  std::size_t idx[kMaxDepth];
  indexes(key, idx);
  std::uint32_t current = kCounterMax;
  for (std::size_t i = 0; i < depth_; ++i) current = std::min(current, counters_[idx[i]]);
  return current;
}

void CountMinSketch::decay() {
  for (auto& c : counters_) c >>= 1;
  total_ >>= 1;
}

void CountMinSketch::clear() {
  std::fill(counters_.begin(), counters_.end(), 0);
  total_ = 0;
}

bool CountMinSketch::merge(const CountMinSketch& other) {
  if (other.width_ != width_ || other.depth_ != depth_) return false;
  for (std::size_t i = 0; i < counters_.size(); ++i) {
    counters_[i] = saturating_add(counters_[i], other.counters_[i]);
  }
  total_ += other.total_;
  return true;
}

// ------------------------------------------------------------------------ HotKeys

std::size_t HotKeys::StringHash::operator()(std::string_view s) const noexcept {
  return static_cast<std::size_t>(core::hash_bytes(s));
}

HotKeys::HotKeys(std::size_t k, std::size_t width, std::size_t depth)
    : sketch_(width, depth), k_(k) {
  tracked_.reserve(k);
}

HotKeys::Tracked::iterator HotKeys::find_min() {
  auto min = tracked_.begin();
  // Stored estimates are those of each key's last add(): lower bounds of the current
  // ones (collisions may have raised them since). Re-reading the sketch here would cost
  // k hashes per displacement; top() and decay() re-read instead.
  for (auto it = tracked_.begin(); it != tracked_.end(); ++it) {
    if (it->second < min->second) min = it;
  }
  floor_ = min == tracked_.end() ? 0 : min->second;
  return min;
}

void HotKeys::add(std::string_view key, std::uint32_t n) {
  const std::uint64_t estimate = sketch_.add(key, n);
  if (k_ == 0) return;
  if (auto it = tracked_.find(key); it != tracked_.end()) {
    it->second = estimate;  // estimates only grow, so floor_ stays a lower bound
    return;
  }
  if (tracked_.size() < k_) {
    tracked_.emplace(std::string(key), estimate);
    if (tracked_.size() == k_) find_min();
    return;
  }
  if (estimate <= floor_) return;  // cannot beat the coldest tracked key
  auto coldest = find_min();
  if (estimate <= coldest->second) return;
  tracked_.erase(coldest);
  tracked_.emplace(std::string(key), estimate);
  find_min();
}

std::vector<HotKey> HotKeys::top() const {
  std::vector<HotKey> out;
  out.reserve(tracked_.size());
  // Re-read the sketch: a tracked key's estimate may have grown through collisions
  // since it was last added.
  for (const auto& entry : tracked_) out.push_back({entry.first, sketch_.estimate(entry.first)});
  std::sort(out.begin(), out.end(), hotter);
  return out;
}

void HotKeys::decay() {
  sketch_.decay();
  for (auto& entry : tracked_) entry.second = sketch_.estimate(entry.first);
  if (tracked_.size() == k_) {
    find_min();
  } else {
    floor_ = 0;
  }
}

void HotKeys::clear() {
  sketch_.clear();
  tracked_.clear();
  floor_ = 0;
}

std::vector<HotKey> merge_hot_keys(std::span<const std::vector<HotKey>> lists, std::size_t k) {
  std::unordered_map<std::string_view, std::uint64_t> sums;
  for (const auto& list : lists) {
    for (const auto& hot : list) sums[hot.key] += hot.count;
  }
  std::vector<HotKey> out;
  out.reserve(sums.size());
  for (const auto& [key, count] : sums) out.push_back({std::string(key), count});
  std::sort(out.begin(), out.end(), hotter);
  if (out.size() > k) out.resize(k);
  return out;
}

}  // namespace kora::observability
