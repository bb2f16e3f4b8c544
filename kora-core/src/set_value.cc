#include "kora/core/set_value.h"

#include <algorithm>

#include <atomic>

namespace kora::core {

// ---- IntSet ----------------------------------------------------------------

int IntSet::width_for(std::int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX) return 8;
  if (v < INT16_MIN || v > INT16_MAX) return 4;
  return 2;
}

std::int64_t IntSet::get(std::size_t i, int width) const {
  const unsigned char* p = data_.data() + i * static_cast<std::size_t>(width);
  switch (width) {
    case 2: {
      std::int16_t v;
      std::memcpy(&v, p, sizeof v);
      return v;
    }
    case 4: {
      std::int32_t v;
      std::memcpy(&v, p, sizeof v);
      return v;
    }
    default: {
      std::int64_t v;
      std::memcpy(&v, p, sizeof v);
      return v;
    }
  }
}

std::int64_t IntSet::at(std::size_t i) const { return get(i, width_); }

void IntSet::put(std::size_t i, std::int64_t v) {
  unsigned char* p = data_.data() + i * static_cast<std::size_t>(width_);
  switch (width_) {
    case 2: {
      auto x = static_cast<std::int16_t>(v);
      std::memcpy(p, &x, sizeof x);
      break;
    }
    case 4: {
      auto x = static_cast<std::int32_t>(v);
      std::memcpy(p, &x, sizeof x);
      break;
    }
    default:
      std::memcpy(p, &v, sizeof v);
      break;
  }
}

bool IntSet::search(std::int64_t v, std::size_t* pos) const {
  if (size_ == 0) {
    *pos = 0;
    return false;
  }
  // Values beyond either end are common (appending ascending ids): answer them
  // without a binary search, as Redis's intsetSearch does.
  if (v > at(size_ - 1)) {
    *pos = size_;
    return false;
  }
  if (v < at(0)) {
    *pos = 0;
    return false;
  }
  std::size_t lo = 0, hi = size_;
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    std::int64_t cur = at(mid);
    if (cur < v) {
      lo = mid + 1;
    } else if (cur > v) {
      hi = mid;
    } else {
      *pos = mid;
      return true;
    }
  }
  *pos = lo;
  return false;
}

bool IntSet::contains(std::int64_t v) const {
  if (width_for(v) > width_) return false;
  std::size_t pos;
  return search(v, &pos);
}

void IntSet::upgrade_and_insert(std::int64_t v) {
  const int old_width = width_;
  // v does not fit the old width, so it is below or above every current value.
  const std::size_t offset = v < 0 ? 1 : 0;
  width_ = width_for(v);
  data_.resize((size_ + 1) * static_cast<std::size_t>(width_));
  // Widen in place from the back: a value's new slot never overlaps an old slot
  // that is still to be read.
  for (std::size_t i = size_; i-- > 0;) put(i + offset, get(i, old_width));
  put(offset ? 0 : size_, v);
  ++size_;
}

bool IntSet::insert(std::int64_t v) {
  if (width_for(v) > width_) {
    upgrade_and_insert(v);
    return true;
  }
  std::size_t pos;
  if (search(v, &pos)) return false;
  const auto w = static_cast<std::size_t>(width_);
  data_.resize((size_ + 1) * w);
  if (pos < size_) {
    std::memmove(data_.data() + (pos + 1) * w, data_.data() + pos * w, (size_ - pos) * w);
  }
  put(pos, v);
  ++size_;
  return true;
}

bool IntSet::erase(std::int64_t v) {
  if (width_for(v) > width_) return false;
  std::size_t pos;
  if (!search(v, &pos)) return false;
  const auto w = static_cast<std::size_t>(width_);
  if (pos + 1 < size_) {
    std::memmove(data_.data() + pos * w, data_.data() + (pos + 1) * w, (size_ - pos - 1) * w);
  }
  --size_;
  data_.resize(size_ * w);
  if (data_.capacity() > 64 && data_.size() * 4 < data_.capacity()) data_.shrink_to_fit();
  return true;
}

// ---- SetValue ----------------------------------------------------------------

namespace {

// Heap bytes of a std::string beyond the object itself (0 while it fits in SSO).
std::size_t heap_bytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

}  // namespace

std::size_t SetValue::memory_usage() const {
  std::size_t n = sizeof(SetValue) + ints_.bytes();
  if (!intset_) {
    // Per node: next pointer, the string, the cached hash.
    constexpr std::size_t kNode = sizeof(void*) + sizeof(std::string) + sizeof(std::size_t);
    n += table_.bucket_count() * sizeof(void*) + table_.size() * kNode + str_bytes_;
  }
  return n;
}

bool SetValue::add(std::string_view member) {
  if (intset_) {
    if (auto v = parse_int64(member)) return add_integer(*v);
    convert_to_hashtable();
  }
  if (table_.find(member) != table_.end()) return false;
  auto it = table_.emplace(member).first;
  str_bytes_ += heap_bytes(*it);
  return true;
}

bool SetValue::add_integer(std::int64_t v) {
  if (intset_) {
    if (!ints_.insert(v)) return false;
    const std::int64_t limit =
        EncodingLimits::instance().set_max_intset_entries.load(std::memory_order_relaxed);
    if (static_cast<std::int64_t>(ints_.size()) > limit) convert_to_hashtable();
    return true;
  }
  std::string s;
  append_int64(s, v);
  return add(s);
}

bool SetValue::remove(std::string_view member) {
  if (intset_) {
    auto v = parse_int64(member);
    return v && ints_.erase(*v);
  }
  auto it = table_.find(member);
  if (it == table_.end()) return false;
  str_bytes_ -= heap_bytes(*it);
  table_.erase(it);
  maybe_shrink_table();
  return true;
}

bool SetValue::contains(std::string_view member) const {
  if (intset_) {
    auto v = parse_int64(member);
    return v && ints_.contains(*v);
  }
  return table_.find(member) != table_.end();
}

bool SetValue::contains_integer(std::int64_t v) const {
  if (intset_) return ints_.contains(v);
  std::string s;
  append_int64(s, v);
  return table_.find(std::string_view(s)) != table_.end();
}

void SetValue::convert_to_hashtable() {
  if (!intset_) return;
  table_.reserve(ints_.size());
  std::string s;
  for (std::size_t i = 0; i < ints_.size(); ++i) {
    s.clear();
    append_int64(s, ints_.at(i));
    str_bytes_ += heap_bytes(*table_.insert(s).first);
  }
  ints_ = IntSet{};
  intset_ = false;
}

std::vector<std::string> SetValue::members() const {
  std::vector<std::string> out;
  out.reserve(size());
  for_each([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

std::string SetValue::random_member(std::mt19937_64& rng) const {
  if (intset_) {
    std::uniform_int_distribution<std::size_t> pick(0, ints_.size() - 1);
    std::string s;
    append_int64(s, ints_.at(pick(rng)));
    return s;
  }
  // Redis's dictGetFairRandomKey: gather up to kFairSample members from
  // consecutive buckets starting at a random one, then pick one of them. A set
  // no larger than the sample is drawn exactly uniformly; a random bucket's
  // random node would favour members that share a bucket.
  constexpr std::size_t kFairSample = 15;
  const std::size_t buckets = table_.bucket_count();
  const std::size_t want = std::min(kFairSample, table_.size());
  const std::string* picks[kFairSample];
  std::size_t got = 0;
  std::size_t b = std::uniform_int_distribution<std::size_t>(0, buckets - 1)(rng);
  for (std::size_t walked = 0; got < want && walked < buckets; ++walked, b = (b + 1) % buckets) {
    for (auto it = table_.begin(b); it != table_.end(b) && got < want; ++it) picks[got++] = &*it;
  }
  return *picks[std::uniform_int_distribution<std::size_t>(0, got - 1)(rng)];
}

void SetValue::maybe_shrink_table() {
  // Keep random_member's bucket sampling O(1) expected: never let the table get
  // much sparser than 1 member per 8 buckets.
  if (table_.bucket_count() > 64 && table_.size() * 8 < table_.bucket_count()) table_.rehash(0);
}

}  // namespace kora::core
