#pragma once
// FlatIndex: an exact (brute-force) nearest-neighbour index. Every search compares
// the query with every stored vector, so results are exact; it is the ground truth
// the HNSW index will be measured against (recall@k), and the right index for
// small sets.
//
// Ownership: the index copies the vectors it is given; nothing refers to caller
// memory after a call returns.
// Thread-safety: one instance belongs to one shard and is used by that shard's
// thread only; const methods may run concurrently with each other but not with a
// mutation.

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "kora/core/result.h"
#include "kora/vector/distance.h"

namespace kora::vector {

// One search hit.
struct Neighbor {
  std::uint64_t id = 0;
  float distance = 0;

  friend bool operator==(const Neighbor&, const Neighbor&) = default;
};

// The order of search results: ascending distance, ties broken by ascending id.
inline bool nearer(const Neighbor& a, const Neighbor& b) {
  return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
}

class FlatIndex {
 public:
  // Precondition: dimension > 0.
  FlatIndex(std::size_t dimension, Metric metric);

  std::size_t dimension() const { return dimension_; }
  Metric metric() const { return metric_; }
  std::size_t size() const { return ids_.size(); }
  bool contains(std::uint64_t id) const { return slot_of_.count(id) != 0; }

  // Stores a copy of `vec` under `id`, replacing the vector already stored there.
  // Returns true when `id` is new, false when it replaced a vector.
  // Errors (the index is unchanged):
  //   Errc::kSyntax  "ERR vector dimension mismatch: expected <d>, got <n>"
  //   Errc::kNotFloat a component is NaN or infinite ("ERR value is not a valid float").
  // Complexity: O(dimension) amortized.
  core::Result<bool> add(std::uint64_t id, std::span<const float> vec);

  // Removes `id`; false when it was not stored. O(dimension) (the last vector
  // moves into the freed slot).
  bool remove(std::uint64_t id);

  // The stored vector of `id`, or an empty span when absent. The span aliases the
  // index and is invalidated by the next add() or remove().
  std::span<const float> get(std::uint64_t id) const;

  // The min(k, size()) stored vectors nearest to `query`, ordered by nearer().
  // Errors: the same as add() for `query`.
  // Complexity: O(size() x dimension + size() x log k); memory O(k).
  core::Result<std::vector<Neighbor>> search(std::span<const float> query, std::size_t k) const;

 private:
  core::Result<void> check(std::span<const float> vec) const;
  std::span<const float> row(std::size_t slot) const {
    return {data_.data() + slot * dimension_, dimension_};
  }

  std::size_t dimension_;
  Metric metric_;
  std::vector<float> data_;         // row-major: slot i at [i * dimension_, (i+1) * dimension_)
  std::vector<std::uint64_t> ids_;  // id of each slot
  std::unordered_map<std::uint64_t, std::size_t> slot_of_;
};

}  // namespace kora::vector
