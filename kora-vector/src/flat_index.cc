#include "kora/vector/flat_index.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <string>

namespace kora::vector {

FlatIndex::FlatIndex(std::size_t dimension, Metric metric)
    : dimension_(dimension), metric_(metric) {
  assert(dimension > 0);
}

core::Result<void> FlatIndex::check(std::span<const float> vec) const {
  if (vec.size() != dimension_) {
    return core::Error{core::Errc::kSyntax, "ERR vector dimension mismatch: expected " +
                                                std::to_string(dimension_) + ", got " +
                                                std::to_string(vec.size())};
  }
  for (float x : vec) {
    if (!std::isfinite(x)) return core::Error::of(core::Errc::kNotFloat);
  }
  return core::Ok{};
}

core::Result<bool> FlatIndex::add(std::uint64_t id, std::span<const float> vec) {
  KORA_RETURN_IF_ERROR(check(vec));
  if (auto it = slot_of_.find(id); it != slot_of_.end()) {
    std::copy(vec.begin(), vec.end(),
              data_.begin() + static_cast<std::ptrdiff_t>(it->second * dimension_));
    return false;
  }
  // `vec` may alias a stored row (add(b, index.get(a))); growing data_ would
  // invalidate it, so copy it out first.
  std::vector<float> copy;
  std::less<const float*> before;  // a total order, even for unrelated pointers
  const float* p = vec.data();
  if (!before(p, data_.data()) && before(p, data_.data() + data_.size())) {
    copy.assign(vec.begin(), vec.end());
    vec = copy;
  }
  slot_of_.emplace(id, ids_.size());
  ids_.push_back(id);
  data_.insert(data_.end(), vec.begin(), vec.end());
  return true;
}

bool FlatIndex::remove(std::uint64_t id) {
  auto it = slot_of_.find(id);
  if (it == slot_of_.end()) return false;
  std::size_t slot = it->second;
  std::size_t last = ids_.size() - 1;
  if (slot != last) {
    auto src = data_.begin() + static_cast<std::ptrdiff_t>(last * dimension_);
    std::copy(src, src + static_cast<std::ptrdiff_t>(dimension_),
              data_.begin() + static_cast<std::ptrdiff_t>(slot * dimension_));
    ids_[slot] = ids_[last];
    slot_of_[ids_[slot]] = slot;
  }
  ids_.pop_back();
  data_.resize(ids_.size() * dimension_);
  slot_of_.erase(it);
  return true;
}

std::span<const float> FlatIndex::get(std::uint64_t id) const {
  auto it = slot_of_.find(id);
  if (it == slot_of_.end()) return {};
  return row(it->second);
}

core::Result<std::vector<Neighbor>> FlatIndex::search(std::span<const float> query,
                                                      std::size_t k) const {
  KORA_RETURN_IF_ERROR(check(query));
  std::vector<Neighbor> best;  // max-heap under nearer(): front() is the worst kept
  best.reserve(std::min(k, ids_.size()));
  if (k == 0) return best;
  for (std::size_t slot = 0; slot < ids_.size(); ++slot) {
    Neighbor cand{ids_[slot], distance(metric_, query, row(slot))};
    if (best.size() < k) {
      best.push_back(cand);
      std::push_heap(best.begin(), best.end(), nearer);
    } else if (nearer(cand, best.front())) {
      std::pop_heap(best.begin(), best.end(), nearer);
      best.back() = cand;
      std::push_heap(best.begin(), best.end(), nearer);
    }
  }
  std::sort_heap(best.begin(), best.end(), nearer);
  return best;
}

}  // namespace kora::vector
