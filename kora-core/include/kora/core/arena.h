#pragma once
// Arena: the allocator of one shard's keyspace records. Blocks of up to
// kMaxSmall bytes come from 64 KiB pages in 8-byte size classes, with no
// per-block header (a 56-byte record costs 56 bytes, where malloc would take 64);
// freed blocks go to a free list per class. Larger blocks come from malloc.
//
// Shard-local: used only by the thread that owns the shard (or a transaction
// the shard is lent to). Not thread-safe.

#include <array>
#include <cstddef>
#include <utility>
#include <vector>

namespace kora::core {

class Arena {
 public:
  static constexpr std::size_t kMaxSmall = 512;
  static constexpr std::size_t kPageSize = 64 * 1024;

  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() { release_all(); }
  // Exchanges every page and free list with `other` (SWAPDB).
  void swap(Arena& other) noexcept {
    std::swap(free_, other.free_);
    pages_.swap(other.pages_);
    std::swap(bump_, other.bump_);
    std::swap(bump_left_, other.bump_left_);
    std::swap(in_use_, other.in_use_);
    std::swap(reserved_, other.reserved_);
  }

  // A block of at least n bytes, 8-byte aligned. Throws std::bad_alloc.
  void* allocate(std::size_t n);
  // Returns a block; n must be the size it was allocated with.
  void deallocate(void* p, std::size_t n);

  // The size actually reserved for a request of n bytes.
  static std::size_t rounded(std::size_t n) { return n <= kMaxSmall ? (n + 7) & ~std::size_t{7} : n; }

  // Bytes handed out and not returned (rounded sizes).
  std::size_t bytes_in_use() const { return in_use_; }
  // Bytes held from the system (pages plus large blocks).
  std::size_t bytes_reserved() const { return reserved_; }

  // Frees every page at once. Precondition: no block is in use any more.
  void release_all();

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  std::array<FreeBlock*, kMaxSmall / 8 + 1> free_{};
  std::vector<void*> pages_;
  char* bump_ = nullptr;
  std::size_t bump_left_ = 0;
  std::size_t in_use_ = 0;
  std::size_t reserved_ = 0;
};

}  // namespace kora::core
