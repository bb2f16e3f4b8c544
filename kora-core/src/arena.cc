#include "kora/core/arena.h"

#include <cstdlib>
#include <new>

namespace kora::core {

void* Arena::allocate(std::size_t n) {
  n = rounded(n);
  if (n > kMaxSmall) {
    void* p = std::malloc(n);
    if (!p) throw std::bad_alloc();
    in_use_ += n;
    reserved_ += n;
    return p;
  }
  FreeBlock*& head = free_[n / 8];
  if (head) {
    FreeBlock* b = head;
    head = b->next;
    in_use_ += n;
    return b;
  }
  if (bump_left_ < n) {
    // The tail of the old page (< kMaxSmall bytes) is left unused.
    void* page = std::malloc(kPageSize);
    if (!page) throw std::bad_alloc();
    pages_.push_back(page);
    reserved_ += kPageSize;
    bump_ = static_cast<char*>(page);
    bump_left_ = kPageSize;
  }
  void* p = bump_;
  bump_ += n;
  bump_left_ -= n;
  in_use_ += n;
  return p;
}

void Arena::deallocate(void* p, std::size_t n) {
  n = rounded(n);
  in_use_ -= n;
  if (n > kMaxSmall) {
    reserved_ -= n;
    std::free(p);
    return;
  }
  auto* b = static_cast<FreeBlock*>(p);
  b->next = free_[n / 8];
  free_[n / 8] = b;
}

void Arena::release_all() {
  for (void* page : pages_) std::free(page);
  pages_.clear();
  free_.fill(nullptr);
  bump_ = nullptr;
  bump_left_ = 0;
  reserved_ = 0;
  in_use_ = 0;
}

}  // namespace kora::core
