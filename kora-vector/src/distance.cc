#include "kora/vector/distance.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>

namespace kora::vector {
namespace {

// Width of the independent partial sums. Eight floats fill one AVX register or two
// SSE registers; the inner `j` loops are fixed-length so the compiler turns each
// into one vector operation (SLP) without needing to reassociate a reduction.
constexpr std::size_t kLanes = 8;

float horizontal_sum(const float (&acc)[kLanes]) {
  float s = 0;
  for (float x : acc) s += x;
  return s;
}

std::size_t common_size(std::span<const float> a, std::span<const float> b) {
  assert(a.size() == b.size());
  return std::min(a.size(), b.size());
}

float dot_raw(const float* a, const float* b, std::size_t n) {
  float acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float s = horizontal_sum(acc);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

float squared_l2_raw(const float* a, const float* b, std::size_t n) {
  float acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) {
      float d = a[i + j] - b[i + j];
      acc[j] += d * d;
    }
  }
  float s = horizontal_sum(acc);
  for (; i < n; ++i) {
    float d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

// dot(a, b), |a|^2 and |b|^2 in one pass over both vectors.
float cosine_raw(const float* a, const float* b, std::size_t n) {
  float ab[kLanes] = {};
  float aa[kLanes] = {};
  float bb[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) {
      ab[j] += a[i + j] * b[i + j];
      aa[j] += a[i + j] * a[i + j];
      bb[j] += b[i + j] * b[i + j];
    }
  }
  float dot = horizontal_sum(ab);
  float na = horizontal_sum(aa);
  float nb = horizontal_sum(bb);
  for (; i < n; ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na == 0.0f || nb == 0.0f) return 1.0f;
  float cos = dot / (std::sqrt(na) * std::sqrt(nb));
  // Rounding can push |cos| slightly past 1; keep the documented range [0, 2].
  return std::clamp(1.0f - cos, 0.0f, 2.0f);
}

}  // namespace

float dot_product(std::span<const float> a, std::span<const float> b) {
  return dot_raw(a.data(), b.data(), common_size(a, b));
}

float squared_l2(std::span<const float> a, std::span<const float> b) {
  return squared_l2_raw(a.data(), b.data(), common_size(a, b));
}

float distance(Metric metric, std::span<const float> a, std::span<const float> b) {
  std::size_t n = common_size(a, b);
  switch (metric) {
    case Metric::kCosine:
      return cosine_raw(a.data(), b.data(), n);
    case Metric::kL2:
      return std::sqrt(squared_l2_raw(a.data(), b.data(), n));
    case Metric::kInnerProduct:
      return 1.0f - dot_raw(a.data(), b.data(), n);
  }
  return 0.0f;
}

std::string_view metric_name(Metric metric) {
  switch (metric) {
    case Metric::kCosine:
      return "COSINE";
    case Metric::kL2:
      return "L2";
    case Metric::kInnerProduct:
      return "IP";
  }
  return "?";
}

std::optional<Metric> metric_from_name(std::string_view name) {
  for (Metric m : {Metric::kCosine, Metric::kL2, Metric::kInnerProduct}) {
    std::string_view canon = metric_name(m);
    bool equal = canon.size() == name.size() &&
                 std::equal(canon.begin(), canon.end(), name.begin(), [](char c, char n) {
                   return c == ((n >= 'a' && n <= 'z') ? static_cast<char>(n - 'a' + 'A') : n);
                 });
    if (equal) return m;
  }
  return std::nullopt;
}

}  // namespace kora::vector
