#include "kora/core/list_value.h"
#include "varint.h"

#include <lz4.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

namespace kora::core {

// One heap block: this 32-byte header, then capacity() bytes of buffer whose
// [begin, end) holds `count` entries — or, when compressed(), the entries'
// size (4 bytes) then an LZ4 block that inflates to them (begin = 0, end =
// capacity()). Two flags ride in the top bits of the capacity word.
// Trivially destructible; freed with ::operator delete.
struct ListValue::Node {
  static constexpr std::uint32_t kCompressed = 1u << 31;
  static constexpr std::uint32_t kTried = 1u << 30;  // compressing did not pay;
                                                      // retried once entries change
  static constexpr std::uint32_t kCapMask = kTried - 1;

  Node* prev;
  Node* next;
  std::uint32_t cap_bits;  // capacity | flags
  std::uint32_t begin;
  std::uint32_t end;
  std::uint32_t count;

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::uint32_t used() const { return end - begin; }
  std::uint32_t capacity() const { return cap_bits & kCapMask; }
  bool compressed() const { return cap_bits & kCompressed; }
  bool tried() const { return cap_bits & kTried; }
  void set_tried(bool on) { cap_bits = on ? (cap_bits | kTried) : (cap_bits & ~kTried); }
  // Compressed nodes: the size of the entries once inflated.
  std::uint32_t raw_size() const {
    std::uint32_t raw;
    std::memcpy(&raw, data(), sizeof raw);
    return raw;
  }
  // The bytes of its entries, compressed or not (what node limits count).
  std::uint32_t entries_size() const { return compressed() ? raw_size() : used(); }
};


// What a node may hold before a new entry goes to another node.
struct ListValue::Limit {
  std::size_t bytes;
  std::size_t entries;
  std::size_t plain;  // elements of at least this size get a node of their own
};

namespace {

// Redis's SIZE_SAFETY_LIMIT: a node limited by entry count still stops at 8 KiB.
constexpr std::size_t kSafetyBytes = 8192;

std::size_t entry_bytes(std::size_t len) { return 2 * varint::size(len) + len; }

// Redis's quicklist rules: smaller nodes are never compressed, and a node stays
// plain unless compression saves at least this much.
constexpr std::uint32_t kMinCompressBytes = 48;
constexpr std::uint32_t kMinCompressImprove = 8;

// Writes the entry of `v` at p: varint(len), the bytes, varint(len) reversed.
void write_entry(char* p, std::string_view v) {
  const std::size_t h = varint::size(v.size());
  std::size_t x = v.size();
  for (std::size_t i = 0; i < h; ++i, x >>= 7) {
    const auto b = static_cast<char>((x & 0x7f) | (i + 1 < h ? 0x80 : 0));
    p[i] = b;
    p[2 * h + v.size() - 1 - i] = b;
  }
  if (!v.empty()) std::memcpy(p + h, v.data(), v.size());
}

// The value of the entry at `off`; its whole size goes to *size.
std::string_view read_entry(const char* data, std::uint32_t off, std::uint32_t* size) {
  std::size_t len = 0;
  std::size_t h = 0;
  unsigned char b;
  do {
    b = static_cast<unsigned char>(data[off + h]);
    len |= static_cast<std::size_t>(b & 0x7f) << (7 * h);
    ++h;
  } while (b & 0x80);
  *size = static_cast<std::uint32_t>(2 * h + len);
  return {data + off + h, len};
}

std::uint32_t entry_size_at(const char* data, std::uint32_t off) {
  std::uint32_t size;
  read_entry(data, off, &size);
  return size;
}

// The offset of the entry that ends at `end` (read through its trailing length).
std::uint32_t entry_before(const char* data, std::uint32_t end) {
  std::size_t len = 0;
  std::size_t h = 0;
  unsigned char b;
  do {
    b = static_cast<unsigned char>(data[end - 1 - h]);
    len |= static_cast<std::size_t>(b & 0x7f) << (7 * h);
    ++h;
  } while (b & 0x80);
  return static_cast<std::uint32_t>(end - 2 * h - len);
}

// Free space to add beside `bytes` new bytes in a node holding `used`: half of
// what it holds (amortized O(1) growth), but never past the node limit.
std::size_t growth(std::size_t used, std::size_t bytes, std::size_t limit_bytes) {
  const std::size_t after = used + bytes;
  const std::size_t headroom = limit_bytes > after ? limit_bytes - after : 0;
  return std::min(std::max<std::size_t>(used / 2, 16), headroom);
}

}  // namespace

// --- Cursor ------------------------------------------------------------------

std::string_view ListValue::Cursor::value() const {
  std::uint32_t size;
  return read_entry(node_->data(), off_, &size);
}

void ListValue::Cursor::next() {
  off_ += entry_size_at(node_->data(), off_);
  if (off_ == node_->end) {
    node_ = node_->next;
    if (node_ && node_->compressed()) node_ = list_->inflate_for_read(node_);
    off_ = node_ ? node_->begin : 0;
  }
}

void ListValue::Cursor::prev() {
  if (off_ != node_->begin) {
    off_ = entry_before(node_->data(), off_);
    return;
  }
  node_ = node_->prev;
  if (node_ && node_->compressed()) node_ = list_->inflate_for_read(node_);
  off_ = node_ ? entry_before(node_->data(), node_->end) : 0;
}

ListValue::Cursor ListValue::front() const {
  settle_if_read();
  return head_ ? Cursor(this, head_, head_->begin) : Cursor(this, nullptr, 0);
}

ListValue::Cursor ListValue::back() const {
  settle_if_read();
  return tail_ ? Cursor(this, tail_, entry_before(tail_->data(), tail_->end)) : Cursor(this, nullptr, 0);
}

ListValue::Cursor ListValue::at(std::size_t index) const {
  settle_if_read();
  const Node* n;
  std::size_t i;  // index within n
  if (index < count_ / 2) {
    n = head_;
    for (i = index; i >= n->count; n = n->next) i -= n->count;
  } else {
    n = tail_;
    std::size_t from_back = count_ - 1 - index;
    for (; from_back >= n->count; n = n->prev) from_back -= n->count;
    i = n->count - 1 - from_back;
  }
  if (n->compressed()) n = inflate_for_read(n);
  std::uint32_t off;
  if (i <= n->count / 2) {
    off = n->begin;
    for (; i > 0; --i) off += entry_size_at(n->data(), off);
  } else {
    off = n->end;
    for (std::size_t k = n->count - i; k > 0; --k) off = entry_before(n->data(), off);
  }
  return Cursor(this, n, off);
}

// --- Nodes -------------------------------------------------------------------

ListValue::ListValue()
    : depth_(static_cast<std::uint32_t>(std::clamp<std::int64_t>(
          EncodingLimits::instance().list_compress_depth.load(std::memory_order_relaxed), 0, UINT32_MAX))) {}

ListValue::~ListValue() {
  for (Node* n = head_; n;) {
    Node* next = n->next;
    ::operator delete(n);
    n = next;
  }
}

ListValue::ListValue(ListValue&& other) noexcept
    : head_(std::exchange(other.head_, nullptr)),
      tail_(std::exchange(other.tail_, nullptr)),
      count_(std::exchange(other.count_, 0)),
      depth_(other.depth_),
      dirty_(std::exchange(other.dirty_, false)) {}

ListValue& ListValue::operator=(ListValue&& other) noexcept {
  std::swap(head_, other.head_);
  std::swap(tail_, other.tail_);
  std::swap(count_, other.count_);
  std::swap(depth_, other.depth_);
  std::swap(dirty_, other.dirty_);
  return *this;
}

ListValue::Limit ListValue::current_limit() {
  std::int64_t fill = EncodingLimits::instance().list_max_listpack_size.load(std::memory_order_relaxed);
  const auto plain = static_cast<std::size_t>(
      std::max<std::int64_t>(EncodingLimits::instance().list_packed_threshold.load(std::memory_order_relaxed), 1));
  if (fill < 0) {
    fill = std::max<std::int64_t>(fill, -5);
    return {std::size_t{4096} << (-fill - 1), std::numeric_limits<std::size_t>::max(), plain};
  }
  return {kSafetyBytes, static_cast<std::size_t>(std::max<std::int64_t>(fill, 1)), plain};
}

bool ListValue::fits(const Node* n, std::size_t len, const Limit& lim) {
  if (n->count == 0) return true;
  if (len >= lim.plain) return false;  // a plain node of its own
  // A node holding one element at least that large is plain: nothing joins it.
  if (n->count == 1 && n->entries_size() >= lim.plain + 2) return false;
  return n->entries_size() + entry_bytes(len) <= lim.bytes && n->count < lim.entries;
}

ListValue::Node* ListValue::new_node(Node* prev, std::size_t cap, std::uint32_t begin) {
  static_assert(sizeof(Node) == 32 || sizeof(void*) != 8, "a node header is 32 bytes");
  // Elements are at most 512 MB (proto-max-bulk-len), so capacities stay
  // below the flag bits.
  Node* next = prev ? prev->next : head_;
  Node* n = new (::operator new(sizeof(Node) + cap))
      Node{prev, next, static_cast<std::uint32_t>(cap), begin, begin, 0};
  (prev ? prev->next : head_) = n;
  (next ? next->prev : tail_) = n;
  return n;
}

ListValue::Node* ListValue::empty_node(Node* prev, ListEnd side, std::size_t entry_bytes,
                                       const Limit& lim) {
  const std::size_t cap = entry_bytes + growth(0, entry_bytes, lim.bytes);
  return new_node(prev, cap, side == ListEnd::kHead ? static_cast<std::uint32_t>(cap) : 0);
}

void ListValue::unlink(Node* n) {
  (n->prev ? n->prev->next : head_) = n->next;
  (n->next ? n->next->prev : tail_) = n->prev;
  ::operator delete(n);
}

ListValue::Node* ListValue::reshape(Node* n, std::size_t front_room, std::size_t back_room) {
  const std::uint32_t used = n->used();
  const std::size_t cap = front_room + used + back_room;
  Node* m = new (::operator new(sizeof(Node) + cap))
      Node{n->prev, n->next, static_cast<std::uint32_t>(cap), static_cast<std::uint32_t>(front_room),
           static_cast<std::uint32_t>(front_room + used), n->count};
  std::memcpy(m->data() + front_room, n->data() + n->begin, used);
  m->set_tried(n->tried());
  (m->prev ? m->prev->next : head_) = m;
  (m->next ? m->next->prev : tail_) = m;
  ::operator delete(n);
  return m;
}

// Makes at least `bytes` of free space at `side` of n's entries, plus room to
// grow (see growth()), keeping at most max(used/2, 16) bytes free at the other
// side. Slides the entries inside the buffer when it is big enough (a queue
// reuses the room its pops freed), else reallocates. Entries may move: callers
// holding an offset keep it relative to `begin`.
ListValue::Node* ListValue::make_room(Node* n, ListEnd side, std::size_t bytes, const Limit& lim) {
  const bool head = side == ListEnd::kHead;
  const std::size_t used = n->used();
  const std::size_t room = head ? n->begin : n->capacity() - n->end;
  if (room >= bytes) return n;
  const std::size_t other_room = head ? n->capacity() - n->end : n->begin;
  const std::size_t want = bytes + growth(used, bytes, lim.bytes);
  const std::size_t other = std::min(other_room, std::max<std::size_t>(used / 2, 16));
  if (want + other + used > n->capacity()) return head ? reshape(n, want, other) : reshape(n, other, want);
  // Enough free space in the buffer, on the wrong side: slide the entries over.
  const std::size_t begin = head ? n->capacity() - other - used : other;
  std::memmove(n->data() + begin, n->data() + n->begin, used);
  n->begin = static_cast<std::uint32_t>(begin);
  n->end = static_cast<std::uint32_t>(begin + used);
  return n;
}

// After removals: a node holding under a quarter of its buffer is reallocated
// with a quarter of what it holds free at each end.
void ListValue::maybe_shrink(Node* n) {
  const std::size_t used = n->used();
  if (n->capacity() > 64 && n->capacity() / 4 > used) reshape(n, used / 4, used / 4);
}

ListValue::Node* ListValue::push_into(Node* n, ListEnd side, std::string_view value,
                                      const Limit& lim) {
  const std::size_t bytes = entry_bytes(value.size());
  n = make_room(n, side, bytes, lim);
  if (side == ListEnd::kHead) {
    n->begin -= static_cast<std::uint32_t>(bytes);
    write_entry(n->data() + n->begin, value);
  } else {
    write_entry(n->data() + n->end, value);
    n->end += static_cast<std::uint32_t>(bytes);
  }
  ++n->count;
  n->set_tried(false);
  return n;
}

// Moves the entries of n from `off` on into a new node after n; returns it.
ListValue::Node* ListValue::split(Node* n, std::uint32_t off) {
  std::uint32_t moved = 0;
  for (std::uint32_t o = off; o < n->end; o += entry_size_at(n->data(), o)) ++moved;
  const std::uint32_t bytes = n->end - off;
  Node* m = new_node(n, bytes, 0);
  std::memcpy(m->data(), n->data() + off, bytes);
  m->end = bytes;
  m->count = moved;
  n->end = off;
  n->count -= moved;
  n->set_tried(false);
  return m;
}

// Inserts `value` at byte offset `off` of n (an entry boundary). Does not count it.
void ListValue::insert_at(Node* n, std::uint32_t off, std::string_view value, const Limit& lim) {
  const std::size_t bytes = entry_bytes(value.size());
  if (fits(n, value.size(), lim)) {
    if (off == n->begin) {
      push_into(n, ListEnd::kHead, value, lim);
      return;
    }
    if (off == n->end) {
      push_into(n, ListEnd::kTail, value, lim);
      return;
    }
    // Open a gap in the middle, moving one side into the free space there.
    if (n->capacity() - n->end < bytes && n->begin < bytes) {
      const std::uint32_t rel = off - n->begin;
      n = make_room(n, ListEnd::kTail, bytes, lim);
      off = n->begin + rel;
    }
    char* d = n->data();
    if (n->capacity() - n->end >= bytes) {
      std::memmove(d + off + bytes, d + off, n->end - off);
      n->end += static_cast<std::uint32_t>(bytes);
    } else {
      std::memmove(d + n->begin - bytes, d + n->begin, off - n->begin);
      n->begin -= static_cast<std::uint32_t>(bytes);
      off -= static_cast<std::uint32_t>(bytes);
    }
    write_entry(d + off, value);
    ++n->count;
    n->set_tried(false);
    return;
  }
  // n is full: at its edges use the neighbour or a new node; inside, split it.
  // (A compressed neighbour is inflated first; the caller settles the list.)
  if (off == n->end) {
    Node* next = n->next;
    if (!next || !fits(next, value.size(), lim)) {
      next = empty_node(n, ListEnd::kHead, bytes, lim);
    } else if (next->compressed()) {
      next = inflate(next);
    }
    push_into(next, ListEnd::kHead, value, lim);
  } else if (off == n->begin) {
    Node* prev = n->prev;
    if (!prev || !fits(prev, value.size(), lim)) {
      prev = empty_node(n->prev, ListEnd::kTail, bytes, lim);
    } else if (prev->compressed()) {
      prev = inflate(prev);
    }
    push_into(prev, ListEnd::kTail, value, lim);
  } else {
    split(n, off);
    insert_at(n, n->end, value, lim);
  }
}

// --- Operations --------------------------------------------------------------

void ListValue::push(ListEnd end, std::string_view value) {
  settle_if_read();
  const Limit lim = current_limit();
  const std::size_t bytes = entry_bytes(value.size());
  Node* n = end == ListEnd::kHead ? head_ : tail_;
  if (n == nullptr || !fits(n, value.size(), lim)) {
    n = empty_node(end == ListEnd::kHead ? nullptr : tail_, end, bytes, lim);
  } else if (n->compressed()) {  // a list of one compressed... never: ends stay plain
    n = inflate(n);
  }
  push_into(n, end, value, lim);
  ++count_;
  after_write();
}

std::string ListValue::pop(ListEnd end) {
  settle_if_read();
  Node* n = end == ListEnd::kHead ? head_ : tail_;
  if (n->compressed()) n = inflate(n);
  const std::uint32_t off = end == ListEnd::kHead ? n->begin : entry_before(n->data(), n->end);
  std::uint32_t size;
  std::string out(read_entry(n->data(), off, &size));
  if (end == ListEnd::kHead) {
    n->begin += size;
  } else {
    n->end = off;
  }
  --n->count;
  --count_;
  n->set_tried(false);
  if (n->count == 0) {
    unlink(n);
  } else {
    maybe_shrink(n);
  }
  after_write();
  return out;
}

void ListValue::replace(std::size_t index, std::string_view value) {
  const Limit lim = current_limit();
  Cursor c = at(index);
  Node* n = const_cast<Node*>(c.node_);  // our own node, found through a const walk
  std::uint32_t off = c.off_;
  const std::uint32_t old_size = entry_size_at(n->data(), off);
  const auto new_size = static_cast<std::uint32_t>(entry_bytes(value.size()));
  if (new_size > old_size) {
    const std::uint32_t rel = off - n->begin;
    n = make_room(n, ListEnd::kTail, new_size - old_size, lim);
    off = n->begin + rel;
  }
  char* d = n->data();
  std::memmove(d + off + new_size, d + off + old_size, n->end - off - old_size);
  write_entry(d + off, value);
  n->end = n->end + new_size - old_size;
  n->set_tried(false);
  dirty_ = true;
  if (n->count > 1 && (n->used() > lim.bytes || value.size() >= lim.plain)) {
    // The node outgrew its limit: the new element moves to a node of its own.
    if (off + new_size < n->end) split(n, off + new_size);
    if (off > n->begin) split(n, off);
  } else if (new_size < old_size) {
    maybe_shrink(n);
  }
  after_write();
}

bool ListValue::insert(std::string_view pivot, std::string_view value, bool after) {
  for (Cursor c = front(); c.valid(); c.next()) {
    if (c.value() != pivot) continue;
    Node* n = const_cast<Node*>(c.node_);
    const std::uint32_t off = after ? c.off_ + entry_size_at(n->data(), c.off_) : c.off_;
    insert_at(n, off, value, current_limit());
    ++count_;
    dirty_ = true;
    after_write();
    return true;
  }
  return false;
}

// Compacts n in place, dropping up to `limit` (0: all) entries equal to `value`
// met from `from`; frees n if it empties. Does not change count_.
std::size_t ListValue::remove_in_node(Node* n, std::string_view value, std::size_t limit,
                                      ListEnd from) {
  char* d = n->data();
  std::size_t removed = 0;
  std::uint32_t size;
  if (from == ListEnd::kHead) {
    std::uint32_t r = n->begin;
    std::uint32_t w = n->begin;
    while (r < n->end) {
      if (limit != 0 && removed == limit) {  // done: keep the rest as a block
        if (w != r) std::memmove(d + w, d + r, n->end - r);
        w += n->end - r;
        break;
      }
      if (read_entry(d, r, &size) == value) {
        ++removed;
      } else {
        if (w != r) std::memmove(d + w, d + r, size);
        w += size;
      }
      r += size;
    }
    n->end = w;
  } else {
    std::uint32_t r = n->end;
    std::uint32_t w = n->end;
    while (r > n->begin) {
      if (limit != 0 && removed == limit) {
        const std::uint32_t rest = r - n->begin;
        if (w != r) std::memmove(d + w - rest, d + n->begin, rest);
        w -= rest;
        break;
      }
      const std::uint32_t start = entry_before(d, r);
      if (read_entry(d, start, &size) == value) {
        ++removed;
      } else {
        w -= size;
        if (w != start) std::memmove(d + w, d + start, size);
      }
      r = start;
    }
    n->begin = w;
  }
  n->count -= static_cast<std::uint32_t>(removed);
  if (removed != 0) n->set_tried(false);
  if (n->count == 0) {
    unlink(n);
  } else if (removed != 0) {
    maybe_shrink(n);
  }
  return removed;
}

std::size_t ListValue::remove(std::string_view value, std::size_t limit, ListEnd from) {
  settle_if_read();
  std::size_t removed = 0;
  Node* n = from == ListEnd::kHead ? head_ : tail_;
  while (n && (limit == 0 || removed < limit)) {
    if (n->compressed()) {
      n = inflate(n);
      dirty_ = true;
    }
    Node* following = from == ListEnd::kHead ? n->next : n->prev;
    removed += remove_in_node(n, value, limit == 0 ? 0 : limit - removed, from);
    n = following;
  }
  count_ -= removed;
  after_write();
  return removed;
}

void ListValue::erase(ListEnd end, std::size_t k) {
  settle_if_read();
  const bool head = end == ListEnd::kHead;
  while (k > 0 && head_) {
    Node* n = head ? head_ : tail_;
    if (n->count <= k) {
      k -= n->count;
      count_ -= n->count;
      unlink(n);
      continue;
    }
    if (n->compressed()) n = inflate(n);
    n->set_tried(false);
    for (; k > 0; --k, --n->count, --count_) {
      if (head) {
        n->begin += entry_size_at(n->data(), n->begin);
      } else {
        n->end = entry_before(n->data(), n->end);
      }
    }
    maybe_shrink(n);
  }
  after_write();
}

// --- Compression --------------------------------------------------------------

ListValue::Node* ListValue::inflate(Node* n) {
  const std::uint32_t raw = n->raw_size();
  Node* m = new (::operator new(sizeof(Node) + raw)) Node{n->prev, n->next, raw, 0, raw, n->count};
  const int got = LZ4_decompress_safe(n->data() + sizeof raw, m->data(),
                                      static_cast<int>(n->used() - sizeof raw), static_cast<int>(raw));
  if (got != static_cast<int>(raw)) std::abort();  // our own block: corruption is a bug
  (m->prev ? m->prev->next : head_) = m;
  (m->next ? m->next->prev : tail_) = m;
  ::operator delete(n);
  return m;
}

const ListValue::Node* ListValue::inflate_for_read(const Node* n) const {
  auto* self = const_cast<ListValue*>(this);  // a reader inflates, the next access settles
  self->dirty_ = true;
  return self->inflate(const_cast<Node*>(n));
}

ListValue::Node* ListValue::compress(Node* n) {
  const std::uint32_t used = n->used();
  if (n->compressed() || n->tried() || used < kMinCompressBytes) return n;
  thread_local std::string scratch;
  scratch.resize(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(used))));
  const int c = LZ4_compress_default(n->data() + n->begin, scratch.data(), static_cast<int>(used),
                                     static_cast<int>(scratch.size()));
  if (c <= 0 || static_cast<std::uint32_t>(c) + sizeof used + kMinCompressImprove >= used) {
    n->set_tried(true);
    return n;
  }
  const auto size = static_cast<std::uint32_t>(c + sizeof used);
  Node* m = new (::operator new(sizeof(Node) + size))
      Node{n->prev, n->next, size | Node::kCompressed, 0, size, n->count};
  std::memcpy(m->data(), &used, sizeof used);
  std::memcpy(m->data() + sizeof used, scratch.data(), size - sizeof used);
  (m->prev ? m->prev->next : head_) = m;
  (m->next ? m->next->prev : tail_) = m;
  ::operator delete(n);
  return m;
}

void ListValue::settle_ends() {
  if (depth_ == 0) return;
  // The `depth` nodes at each end are plain...
  std::uint32_t i = 0;
  for (Node* n = head_; n && i < depth_; ++i, n = n->next) {
    if (n->compressed()) n = inflate(n);
  }
  i = 0;
  for (Node* t = tail_; t && i < depth_; ++i, t = t->prev) {
    if (t->compressed()) t = inflate(t);
  }
  // ...and the next node inward from each end is compressed when it has
  // `depth` nodes on its other side too (with fewer nodes, all stay plain).
  for (const bool from_head : {true, false}) {
    Node* inner = from_head ? head_ : tail_;
    for (i = 0; inner && i < depth_; ++i) inner = from_head ? inner->next : inner->prev;
    if (!inner || inner->compressed()) continue;
    std::uint32_t beyond = 0;
    for (const Node* p = from_head ? inner->next : inner->prev; p && beyond < depth_;
         p = from_head ? p->next : p->prev) {
      ++beyond;
    }
    if (beyond == depth_) compress(inner);
  }
}

void ListValue::settle_all() {
  dirty_ = false;
  if (depth_ == 0) return;
  const std::size_t nodes = node_count();
  std::size_t i = 0;
  for (Node* n = head_; n; ++i) {
    const bool inner = i >= depth_ && i + depth_ < nodes;
    n = inner ? compress(n) : (n->compressed() ? inflate(n) : n);
    n = n->next;
  }
}

void ListValue::settle_if_read() const {
  if (dirty_) const_cast<ListValue*>(this)->settle_all();
}

void ListValue::after_write() {
  if (dirty_) {
    settle_all();
  } else {
    settle_ends();
  }
}

// --- Object ------------------------------------------------------------------

std::unique_ptr<Object> ListValue::clone() const {
  auto copy = std::make_unique<ListValue>();
  copy->depth_ = depth_;
  settle_if_read();
  for (const Node* n = head_; n; n = n->next) {
    Node* m = copy->new_node(copy->tail_, n->used(), 0);
    std::memcpy(m->data(), n->data() + n->begin, n->used());
    m->end = n->used();
    m->count = n->count;
    m->cap_bits |= n->cap_bits & ~Node::kCapMask;  // compressed / tried as n
  }
  copy->count_ = count_;
  return copy;
}

std::size_t ListValue::memory_usage() const {
  settle_if_read();
  std::size_t bytes = sizeof(*this);
  for (const Node* n = head_; n; n = n->next) bytes += sizeof(Node) + n->capacity();
  return bytes;
}

std::size_t ListValue::node_count() const {
  std::size_t nodes = 0;
  for (const Node* n = head_; n; n = n->next) ++nodes;
  return nodes;
}

std::size_t ListValue::compressed_nodes() const {
  settle_if_read();
  std::size_t nodes = 0;
  for (const Node* n = head_; n; n = n->next) nodes += n->compressed();
  return nodes;
}

std::size_t ListValue::uncompressed_bytes() const {
  std::size_t bytes = 0;
  for (const Node* n = head_; n; n = n->next) bytes += n->entries_size();
  return bytes;
}

}  // namespace kora::core
