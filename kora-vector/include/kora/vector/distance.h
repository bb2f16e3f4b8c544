#pragma once
// Distance functions of the vector index. Every metric is a distance: smaller is
// nearer, and search results are sorted ascending by it.
//
//   kCosine:       1 - cos(a, b) = 1 - dot(a, b) / (|a| |b|), in [0, 2]. When either
//                  vector is all zeros the cosine is undefined; the distance is then 1
//                  (as for orthogonal vectors).
//   kL2:           Euclidean distance sqrt(sum (a_i - b_i)^2) -- NOT squared, so the
//                  numbers read as lengths. Use squared_l2() where only the order matters.
//   kInnerProduct: 1 - dot(a, b) (hnswlib's "ip" space). Not a metric in the strict
//                  sense (it can be negative); for unit vectors it equals kCosine.
//
// The loops keep 8 independent partial sums so that GCC and Clang vectorize them at
// -O2 without -ffast-math; results can therefore differ in the last bits from a
// naive left-to-right sum, but are deterministic for a given build.
//
// Precondition for every function: a.size() == b.size() (asserted in debug builds;
// in release builds only the common prefix is read). Callers such as FlatIndex
// check dimensions before calling.
// Thread-safety: pure functions. Complexity: O(dimension).

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace kora::vector {

enum class Metric : unsigned char { kCosine, kL2, kInnerProduct };

// The distance between `a` and `b` under `metric` (definitions above).
float distance(Metric metric, std::span<const float> a, std::span<const float> b);

// sum a_i * b_i.
float dot_product(std::span<const float> a, std::span<const float> b);

// sum (a_i - b_i)^2.
float squared_l2(std::span<const float> a, std::span<const float> b);

// "COSINE", "L2", "IP": the names the VEC* commands will accept (case-insensitive
// in metric_from_name) and report.
std::string_view metric_name(Metric metric);
std::optional<Metric> metric_from_name(std::string_view name);

}  // namespace kora::vector
