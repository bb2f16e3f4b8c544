#include "kora/core/zset_value.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "kora/core/hash.h"
#include "varint.h"

namespace kora::core {
namespace {

constexpr int kMaxLevel = 32;                       // ZSKIPLIST_MAXLEVEL
constexpr std::size_t kListpackMaxBytes = std::size_t{1} << 30;  // lpSafeToAdd

// Redis's zslRandomLevel: P = 1/4 per extra level.
int random_level() {
  thread_local std::uint64_t state = 0x9E3779B97F4A7C15ull ^ reinterpret_cast<std::uintptr_t>(&state);
  int level = 1;
  for (;;) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    if ((state & 0xFFFF) >= 0xFFFF / 4 || level == kMaxLevel) break;
    ++level;
  }
  return level;
}

// A score stored as a zigzag varint when it is an integer a double holds
// exactly. -0 becomes 0, as in Redis's listpack (which stores d2string's "-0"
// as the integer 0).
bool int_score(double s, std::int64_t* out) {
  if (!(s > -9007199254740992.0 && s < 9007199254740992.0)) return false;
  if (std::trunc(s) != s) return false;
  *out = static_cast<std::int64_t>(s);
  return true;
}

std::uint64_t zigzag(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

bool less(double sa, std::string_view ma, double sb, std::string_view mb) {
  return sa < sb || (sa == sb && compare_members(ma, mb) < 0);
}

}  // namespace

int compare_members(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

namespace {
// sdscmplex: -inf and +inf bounds around every string.
int compare_lex(std::string_view v, const LexBound& b) {
  if (b.kind == LexBound::kMinusInf) return 1;
  if (b.kind == LexBound::kPlusInf) return -1;
  return compare_members(v, b.value);
}
}  // namespace

bool LexRange::above_min(std::string_view v) const {
  int c = compare_lex(v, min);
  return min.exclusive ? c > 0 : c >= 0;
}

bool LexRange::below_max(std::string_view v) const {
  int c = compare_lex(v, max);
  return max.exclusive ? c < 0 : c <= 0;
}

bool LexRange::empty() const {
  // sdscmplex(min, max) with the infinities as the extremes.
  int c;
  if (min.kind == max.kind && min.kind != LexBound::kValue) {
    c = 0;
  } else if (min.kind == LexBound::kMinusInf || max.kind == LexBound::kPlusInf) {
    c = -1;
  } else if (min.kind == LexBound::kPlusInf || max.kind == LexBound::kMinusInf) {
    c = 1;
  } else {
    c = compare_members(min.value, max.value);
  }
  return c > 0 || (c == 0 && (min.exclusive || max.exclusive));
}

// ---------------------------------------------------------------------------
// Skiplist nodes and the member index.

struct ZSetValue::Node {
  struct Level {
    Node* forward;
    std::uint64_t span;
  };
  double score;
  Node* backward;
  std::uint32_t len;
  std::uint8_t level;

  Level* lv() { return reinterpret_cast<Level*>(reinterpret_cast<char*>(this) + sizeof(Node)); }
  const Level* lv() const { return reinterpret_cast<const Level*>(reinterpret_cast<const char*>(this) + sizeof(Node)); }
  std::string_view member() const { return {reinterpret_cast<const char*>(lv() + level), len}; }
  std::size_t bytes() const { return sizeof(Node) + level * sizeof(Level) + len; }

  static Node* make(int level, double score, std::string_view m) {
    void* p = ::operator new(sizeof(Node) + static_cast<std::size_t>(level) * sizeof(Level) + m.size());
    Node* n = new (p) Node{score, nullptr, static_cast<std::uint32_t>(m.size()), static_cast<std::uint8_t>(level)};
    for (int i = 0; i < level; ++i) n->lv()[i] = Level{nullptr, 0};
    if (!m.empty()) std::memcpy(reinterpret_cast<char*>(n->lv() + level), m.data(), m.size());
    return n;
  }
  static void destroy(Node* n) { ::operator delete(n); }
};

// Member -> node: open addressing with linear probing; each slot holds the
// node pointer with the hash's top 16 bits in the pointer's unused high bits,
// so a probe rarely touches a node that does not match.
struct ZSetValue::Index {
  std::vector<std::uint64_t> slots;
  std::size_t used = 0;

  static constexpr std::uint64_t kPtrMask = (std::uint64_t{1} << 48) - 1;
  static Node* node_of(std::uint64_t slot) { return reinterpret_cast<Node*>(slot & kPtrMask); }
  static std::uint64_t pack(const Node* n, std::uint64_t h) {
    return (h & ~kPtrMask) | reinterpret_cast<std::uint64_t>(n);
  }
  std::size_t mask() const { return slots.size() - 1; }

  Node* find(std::string_view m) const {
    if (slots.empty()) return nullptr;
    const std::uint64_t h = hash_bytes(m);
    const std::uint64_t tag = h & ~kPtrMask;
    for (std::size_t i = h & mask();; i = (i + 1) & mask()) {
      std::uint64_t s = slots[i];
      if (s == 0) return nullptr;
      if ((s & ~kPtrMask) == tag && node_of(s)->member() == m) return node_of(s);
    }
  }

  void place(const Node* n, std::uint64_t h) {
    std::size_t i = h & mask();
    while (slots[i] != 0) i = (i + 1) & mask();
    slots[i] = pack(n, h);
  }

  void rebuild(std::size_t capacity) {
    std::vector<std::uint64_t> old(capacity, 0);
    old.swap(slots);
    for (std::uint64_t s : old) {
      if (s != 0) place(node_of(s), hash_bytes(node_of(s)->member()));
    }
  }

  void insert(const Node* n) {
    if (slots.empty() || (used + 1) * 4 > slots.size() * 3) rebuild(std::max<std::size_t>(16, slots.size() * 2));
    place(n, hash_bytes(n->member()));
    ++used;
  }

  void erase(const Node* n) {
    const std::uint64_t h = hash_bytes(n->member());
    std::size_t i = h & mask();
    while (node_of(slots[i]) != n) i = (i + 1) & mask();
    // Backward-shift deletion: pull later entries of the run into the hole
    // when their home slot does not lie after it.
    for (std::size_t j = (i + 1) & mask();; j = (j + 1) & mask()) {
      std::uint64_t s = slots[j];
      if (s == 0) break;
      std::size_t home = hash_bytes(node_of(s)->member()) & mask();
      bool movable = (i <= j) ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        slots[i] = s;
        i = j;
      }
    }
    slots[i] = 0;
    --used;
    if (slots.size() > 16 && used * 8 < slots.size()) {
      std::size_t cap = 16;
      while (cap < used * 2) cap *= 2;
      rebuild(cap);
    }
  }
};

struct ZSetValue::Skiplist {
  Node* header;
  Node* tail = nullptr;
  std::size_t length = 0;
  int level = 1;
  std::size_t node_bytes = 0;
  Index index;

  Skiplist() : header(Node::make(kMaxLevel, 0, {})) {}
  Skiplist(const Skiplist&) = delete;
  Skiplist& operator=(const Skiplist&) = delete;
  ~Skiplist() {
    Node* x = header->lv()[0].forward;
    while (x) {
      Node* next = x->lv()[0].forward;
      Node::destroy(x);
      x = next;
    }
    Node::destroy(header);
  }

  // Links node x (its score set, its level fixed) in order: zslInsert.
  void link(Node* x) {
    Node* update[kMaxLevel];
    std::uint64_t rank[kMaxLevel];
    Node* p = header;
    const std::string_view m = x->member();
    for (int i = level - 1; i >= 0; --i) {
      rank[i] = i == level - 1 ? 0 : rank[i + 1];
      while (p->lv()[i].forward && less(p->lv()[i].forward->score, p->lv()[i].forward->member(), x->score, m)) {
        rank[i] += p->lv()[i].span;
        p = p->lv()[i].forward;
      }
      update[i] = p;
    }
    const int lvl = x->level;
    if (lvl > level) {
      for (int i = level; i < lvl; ++i) {
        rank[i] = 0;
        update[i] = header;
        header->lv()[i].span = length;
      }
      level = lvl;
    }
    for (int i = 0; i < lvl; ++i) {
      x->lv()[i].forward = update[i]->lv()[i].forward;
      update[i]->lv()[i].forward = x;
      x->lv()[i].span = update[i]->lv()[i].span - (rank[0] - rank[i]);
      update[i]->lv()[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = lvl; i < level; ++i) update[i]->lv()[i].span++;
    x->backward = update[0] == header ? nullptr : update[0];
    if (x->lv()[0].forward) {
      x->lv()[0].forward->backward = x;
    } else {
      tail = x;
    }
    ++length;
  }

  // The predecessors of x at every level.
  void predecessors(const Node* x, Node** update) const {
    Node* p = header;
    const std::string_view m = x->member();
    for (int i = level - 1; i >= 0; --i) {
      while (p->lv()[i].forward && less(p->lv()[i].forward->score, p->lv()[i].forward->member(), x->score, m)) {
        p = p->lv()[i].forward;
      }
      update[i] = p;
    }
  }

  // zslDeleteNode: unlinks x given its predecessors (x is not freed).
  void unlink(Node* x, Node** update) {
    for (int i = 0; i < level; ++i) {
      if (update[i]->lv()[i].forward == x) {
        update[i]->lv()[i].span += x->lv()[i].span - 1;
        update[i]->lv()[i].forward = x->lv()[i].forward;
      } else {
        update[i]->lv()[i].span -= 1;
      }
    }
    if (x->lv()[0].forward) {
      x->lv()[0].forward->backward = x->backward;
    } else {
      tail = x->backward;
    }
    while (level > 1 && header->lv()[level - 1].forward == nullptr) --level;
    --length;
  }

  // 0-based rank of x (present): zslGetRank.
  std::size_t rank_of(const Node* x) const {
    std::uint64_t r = 0;
    const Node* p = header;
    const std::string_view m = x->member();
    for (int i = level - 1; i >= 0; --i) {
      while (p->lv()[i].forward) {
        const Node* f = p->lv()[i].forward;
        if (f->score < x->score || (f->score == x->score && compare_members(f->member(), m) <= 0)) {
          r += p->lv()[i].span;
          p = f;
        } else {
          break;
        }
      }
      if (p == x) return r - 1;
    }
    return r - 1;
  }

  // The node at 0-based `rank` (< length): zslGetElementByRank.
  Node* at(std::size_t rank) const {
    const std::uint64_t target = rank + 1;
    std::uint64_t traversed = 0;
    Node* p = header;
    for (int i = level - 1; i >= 0; --i) {
      while (p->lv()[i].forward && traversed + p->lv()[i].span <= target) {
        traversed += p->lv()[i].span;
        p = p->lv()[i].forward;
      }
      if (traversed == target) return p;
    }
    return nullptr;
  }

  Node* first() const { return header->lv()[0].forward; }
};

// ---------------------------------------------------------------------------

ZSetValue::ZSetValue(bool skiplist) : skiplist_(skiplist) {
  if (skiplist) sl_ = std::make_unique<Skiplist>();
}

ZSetValue::ZSetValue(const ZSetValue& other) : Object(), lp_(other.lp_), size_(0), skiplist_(other.skiplist_) {
  if (skiplist_) {
    sl_ = std::make_unique<Skiplist>();
    for (const Node* n = other.sl_->first(); n; n = n->lv()[0].forward) sl_insert(n->member(), n->score);
  }
  size_ = other.size_;
}

ZSetValue::~ZSetValue() = default;

std::unique_ptr<ZSetValue> ZSetValue::for_first_member(std::size_t first_member_len) {
  const auto& limits = EncodingLimits::instance();
  const auto entries = limits.zset_max_listpack_entries.load(std::memory_order_relaxed);
  const auto value = limits.zset_max_listpack_value.load(std::memory_order_relaxed);
  return std::make_unique<ZSetValue>(entries == 0 || static_cast<std::int64_t>(first_member_len) > value);
}

std::unique_ptr<ZSetValue> ZSetValue::for_size(std::size_t size_hint) {
  const auto entries = EncodingLimits::instance().zset_max_listpack_entries.load(std::memory_order_relaxed);
  return std::make_unique<ZSetValue>(static_cast<std::int64_t>(size_hint) > entries);
}

std::size_t ZSetValue::memory_usage() const {
  std::size_t bytes = sizeof(*this);
  if (skiplist_) {
    bytes += sizeof(Skiplist) + sl_->header->bytes() + sl_->node_bytes + sl_->index.slots.capacity() * 8;
  } else {
    bytes += lp_.capacity();
  }
  return bytes;
}

bool ZSetValue::fits_listpack(std::size_t count, std::size_t member_len) const {
  const auto& limits = EncodingLimits::instance();
  return static_cast<std::int64_t>(count) <= limits.zset_max_listpack_entries.load(std::memory_order_relaxed) &&
         static_cast<std::int64_t>(member_len) <= limits.zset_max_listpack_value.load(std::memory_order_relaxed) &&
         lp_.size() + member_len + 32 < kListpackMaxBytes;
}

// --- listpack ---------------------------------------------------------------

ZSetValue::LpEntry ZSetValue::lp_decode(std::size_t offset) const {
  const auto* base = reinterpret_cast<const unsigned char*>(lp_.data());
  std::size_t pos = offset;
  std::uint64_t header;
  pos += varint::get(base + pos, &header);
  const std::size_t len = header >> 1;
  std::string_view member(lp_.data() + pos, len);
  pos += len;
  double score;
  if (header & 1) {
    std::uint64_t z;
    pos += varint::get(base + pos, &z);
    score = static_cast<double>(unzigzag(z));
  } else {
    std::memcpy(&score, base + pos, sizeof score);
    pos += sizeof score;
  }
  return LpEntry{offset, pos, member, score};
}

std::optional<ZSetValue::LpEntry> ZSetValue::lp_find(std::string_view member) const {
  for (std::size_t off = 0; off < lp_.size();) {
    LpEntry e = lp_decode(off);
    if (e.member == member) return e;
    off = e.next;
  }
  return std::nullopt;
}

void ZSetValue::lp_encode(std::string& out, std::string_view member, double score) {
  unsigned char buf[24];
  std::int64_t iv;
  const bool is_int = int_score(score, &iv);
  out.append(reinterpret_cast<const char*>(buf),
             varint::put(buf, (static_cast<std::uint64_t>(member.size()) << 1) | (is_int ? 1 : 0)));
  out.append(member);
  if (is_int) {
    out.append(reinterpret_cast<const char*>(buf), varint::put(buf, zigzag(iv)));
  } else {
    out.append(reinterpret_cast<const char*>(&score), sizeof score);
  }
}

std::unique_ptr<ZSetValue> ZSetValue::from_sorted(std::span<const ZItem> items) {
  const auto& limits = EncodingLimits::instance();
  std::size_t total = 0, longest = 0;
  for (const ZItem& it : items) {
    total += it.member.size();
    longest = std::max(longest, it.member.size());
  }
  const bool fits =
      static_cast<std::int64_t>(items.size()) <= limits.zset_max_listpack_entries.load(std::memory_order_relaxed) &&
      static_cast<std::int64_t>(longest) <= limits.zset_max_listpack_value.load(std::memory_order_relaxed) &&
      total < kListpackMaxBytes;
  auto z = std::make_unique<ZSetValue>(!fits);
  for (const ZItem& it : items) z->append_sorted(it.member, it.score);
  return z;
}

void ZSetValue::append_sorted(std::string_view member, double score) {
  if (skiplist_) {
    sl_insert(member, score);
  } else {
    lp_encode(lp_, member, score);
  }
  ++size_;
}

void ZSetValue::lp_insert(std::string_view member, double score) {
  std::size_t pos = lp_.size();
  for (std::size_t off = 0; off < lp_.size();) {
    LpEntry e = lp_decode(off);
    if (e.score > score || (e.score == score && compare_members(e.member, member) > 0)) {
      pos = off;
      break;
    }
    off = e.next;
  }
  std::string bytes;
  lp_encode(bytes, member, score);
  lp_.insert(pos, bytes);
}

void ZSetValue::lp_erase(const LpEntry& e) { lp_.erase(e.offset, e.next - e.offset); }

std::vector<std::size_t> ZSetValue::lp_offsets() const {
  std::vector<std::size_t> out;
  out.reserve(size_);
  for (std::size_t off = 0; off < lp_.size(); off = lp_decode(off).next) out.push_back(off);
  return out;
}

// --- skiplist ---------------------------------------------------------------

void ZSetValue::sl_insert(std::string_view member, double score) {
  Node* n = Node::make(random_level(), score, member);
  sl_->link(n);
  sl_->index.insert(n);
  sl_->node_bytes += n->bytes();
}

ZItem ZSetValue::sl_item(const Node* n) const { return ZItem{n->member(), n->score}; }

const ZSetValue::Node* ZSetValue::sl_at(std::size_t rank) const {
  if (rank == 0) return sl_->first();
  if (rank + 1 == sl_->length) return sl_->tail;
  return sl_->at(rank);
}

// Descends while `below(node)` holds; returns the rank of the first node where
// it does not, or nullopt past the end.
template <typename Pred>
std::optional<std::size_t> ZSetValue::sl_first_not(Pred below) const {
  std::uint64_t traversed = 0;
  const Node* p = sl_->header;
  for (int i = sl_->level - 1; i >= 0; --i) {
    while (p->lv()[i].forward && below(p->lv()[i].forward)) {
      traversed += p->lv()[i].span;
      p = p->lv()[i].forward;
    }
  }
  if (traversed >= sl_->length) return std::nullopt;
  return static_cast<std::size_t>(traversed);
}

// Descends while `inside(node)` holds; returns the rank of the last node
// reached, or nullopt when none was.
template <typename Pred>
std::optional<std::size_t> ZSetValue::sl_last_where(Pred inside) const {
  std::uint64_t traversed = 0;
  const Node* p = sl_->header;
  for (int i = sl_->level - 1; i >= 0; --i) {
    while (p->lv()[i].forward && inside(p->lv()[i].forward)) {
      traversed += p->lv()[i].span;
      p = p->lv()[i].forward;
    }
  }
  if (traversed == 0) return std::nullopt;
  return static_cast<std::size_t>(traversed - 1);
}

// --- the public operations ----------------------------------------------------

namespace {

constexpr int kGoOn = -1;

// zsetAdd's rules for a member already present with score `cur`: NX keeps it,
// INCR adds to it (a NaN sum is an error), GT/LT keep it unless the new score
// is greater / smaller. kGoOn with the score to set in *score, else the result.
int existing_member(double cur, int flags, double* score) {
  if (flags & ZSetValue::kNx) return ZSetValue::kNop;
  if (flags & ZSetValue::kIncr) {
    *score += cur;
    if (std::isnan(*score)) return ZSetValue::kNan;
  }
  if (((flags & ZSetValue::kLt) && *score >= cur) || ((flags & ZSetValue::kGt) && *score <= cur)) {
    return ZSetValue::kNop;
  }
  return kGoOn;
}

}  // namespace

int ZSetValue::add(std::string_view member, double score, int flags, double* new_score) {
  const bool xx = flags & kXx;
  if (std::isnan(score)) return kNan;
  if (!skiplist_) {
    if (auto e = lp_find(member)) {
      if (int stop = existing_member(e->score, flags, &score); stop != kGoOn) return stop;
      if (new_score) *new_score = score;
      if (score == e->score) return 0;
      lp_erase(*e);
      lp_insert(member, score);
      return kUpdated;
    }
    if (xx) return kNop;
    if (fits_listpack(size_ + 1, member.size())) {
      lp_insert(member, score);
      ++size_;
      if (new_score) *new_score = score;
      return kAdded;
    }
    convert_to_skiplist();
  }
  if (Node* n = sl_->index.find(member)) {
    if (int stop = existing_member(n->score, flags, &score); stop != kGoOn) return stop;
    if (new_score) *new_score = score;
    if (score != n->score) {
      // zslUpdateScore: in place when the order holds, else relink the node.
      const Node* next = n->lv()[0].forward;
      if ((n->backward == nullptr || n->backward->score < score) && (next == nullptr || next->score > score)) {
        n->score = score;
      } else {
        Node* update[kMaxLevel];
        sl_->predecessors(n, update);
        sl_->unlink(n, update);
        n->score = score;
        sl_->link(n);
      }
      return kUpdated;
    }
    return 0;
  }
  if (xx) return kNop;
  sl_insert(member, score);
  ++size_;
  if (new_score) *new_score = score;
  return kAdded;
}

bool ZSetValue::remove(std::string_view member) {
  if (!skiplist_) {
    auto e = lp_find(member);
    if (!e) return false;
    lp_erase(*e);
    --size_;
    return true;
  }
  Node* n = sl_->index.find(member);
  if (!n) return false;
  Node* update[kMaxLevel];
  sl_->predecessors(n, update);
  sl_->unlink(n, update);
  sl_->index.erase(n);
  sl_->node_bytes -= n->bytes();
  Node::destroy(n);
  --size_;
  return true;
}

std::optional<double> ZSetValue::score(std::string_view member) const {
  if (!skiplist_) {
    auto e = lp_find(member);
    if (!e) return std::nullopt;
    return e->score;
  }
  const Node* n = sl_->index.find(member);
  if (!n) return std::nullopt;
  return n->score;
}

std::optional<std::size_t> ZSetValue::rank(std::string_view member) const {
  if (!skiplist_) {
    std::size_t r = 0;
    for (std::size_t off = 0; off < lp_.size(); ++r) {
      LpEntry e = lp_decode(off);
      if (e.member == member) return r;
      off = e.next;
    }
    return std::nullopt;
  }
  const Node* n = sl_->index.find(member);
  if (!n) return std::nullopt;
  return sl_->rank_of(n);
}

ZItem ZSetValue::at(std::size_t rank) const {
  if (skiplist_) return sl_item(sl_at(rank));
  std::size_t off = 0;
  for (std::size_t i = 0; i < rank; ++i) off = lp_decode(off).next;
  LpEntry e = lp_decode(off);
  return ZItem{e.member, e.score};
}

void ZSetValue::walk(std::size_t start, bool reverse, const std::function<bool(const ZItem&)>& fn) const {
  if (start >= size_) return;
  if (skiplist_) {
    for (const Node* n = sl_at(start); n; n = reverse ? n->backward : n->lv()[0].forward) {
      if (!fn(sl_item(n))) return;
    }
    return;
  }
  if (!reverse) {
    std::size_t off = 0;
    for (std::size_t i = 0; i < start; ++i) off = lp_decode(off).next;
    while (off < lp_.size()) {
      LpEntry e = lp_decode(off);
      if (!fn(ZItem{e.member, e.score})) return;
      off = e.next;
    }
    return;
  }
  std::vector<std::size_t> offs = lp_offsets();
  for (std::size_t i = start + 1; i-- > 0;) {
    LpEntry e = lp_decode(offs[i]);
    if (!fn(ZItem{e.member, e.score})) return;
  }
}

namespace {
double key_of(const ZItem& it, const ScoreRange*) { return it.score; }
std::string_view key_of(const ZItem& it, const LexRange*) { return it.member; }
}  // namespace

// zslIsInRange / zzlIsInRange: whether any element can be inside `range` — it
// is not empty, the last element reaches its minimum and the first its maximum.
template <typename Range>
bool ZSetValue::reaches(const Range& range) const {
  return size_ != 0 && !range.empty() && range.above_min(key_of(at(size_ - 1), &range)) &&
         range.below_max(key_of(at(0), &range));
}

// zslFirstInRange / zzlFirstInRange (and their lex forms): nothing when the
// range is empty or misses the set's ends; else a skiplist descends while
// below the minimum, a listpack scans from the head; the element found must
// also be below the maximum.
template <typename Range>
std::optional<std::size_t> ZSetValue::first_in_impl(const Range& range) const {
  auto key = [&](const ZItem& it) { return key_of(it, &range); };
  if (!reaches(range)) return std::nullopt;
  std::optional<std::size_t> r;
  if (skiplist_) {
    r = sl_first_not([&](const Node* n) { return !range.above_min(key(sl_item(n))); });
  } else {
    std::size_t i = 0;
    for (std::size_t off = 0; off < lp_.size(); ++i) {
      LpEntry e = lp_decode(off);
      if (range.above_min(key(ZItem{e.member, e.score}))) {
        r = i;
        break;
      }
      off = e.next;
    }
  }
  if (!r || !range.below_max(key(at(*r)))) return std::nullopt;
  return r;
}

// zslLastInRange / zzlLastInRange: a skiplist descends while below the
// maximum, a listpack scans from the tail; the element must reach the minimum.
template <typename Range>
std::optional<std::size_t> ZSetValue::last_in_impl(const Range& range) const {
  auto key = [&](const ZItem& it) { return key_of(it, &range); };
  if (!reaches(range)) return std::nullopt;
  std::optional<std::size_t> r;
  if (skiplist_) {
    r = sl_last_where([&](const Node* n) { return range.below_max(key(sl_item(n))); });
  } else {
    std::vector<std::size_t> offs = lp_offsets();
    for (std::size_t i = offs.size(); i-- > 0;) {
      LpEntry e = lp_decode(offs[i]);
      if (range.below_max(key(ZItem{e.member, e.score}))) {
        r = i;
        break;
      }
    }
  }
  if (!r || !range.above_min(key(at(*r)))) return std::nullopt;
  return r;
}

std::optional<std::size_t> ZSetValue::first_in(const ScoreRange& range) const { return first_in_impl(range); }
std::optional<std::size_t> ZSetValue::last_in(const ScoreRange& range) const { return last_in_impl(range); }
std::optional<std::size_t> ZSetValue::first_in(const LexRange& range) const { return first_in_impl(range); }
std::optional<std::size_t> ZSetValue::last_in(const LexRange& range) const { return last_in_impl(range); }

void ZSetValue::erase_ranks(std::size_t from, std::size_t to) {
  if (!skiplist_) {
    std::size_t off = 0;
    for (std::size_t i = 0; i < from; ++i) off = lp_decode(off).next;
    std::size_t end = off;
    for (std::size_t i = from; i <= to; ++i) end = lp_decode(end).next;
    lp_.erase(off, end - off);
    size_ -= to - from + 1;
    return;
  }
  // zslDeleteRangeByRank: one descent, then unlink forward.
  Node* update[kMaxLevel];
  std::uint64_t traversed = 0;
  Node* p = sl_->header;
  for (int i = sl_->level - 1; i >= 0; --i) {
    while (p->lv()[i].forward && traversed + p->lv()[i].span <= from) {
      traversed += p->lv()[i].span;
      p = p->lv()[i].forward;
    }
    update[i] = p;
  }
  Node* x = p->lv()[0].forward;
  for (std::size_t r = from; r <= to && x; ++r) {
    Node* next = x->lv()[0].forward;
    sl_->unlink(x, update);
    sl_->index.erase(x);
    sl_->node_bytes -= x->bytes();
    Node::destroy(x);
    --size_;
    x = next;
  }
}

void ZSetValue::convert_to_skiplist() {
  if (skiplist_) return;
  sl_ = std::make_unique<Skiplist>();
  for (std::size_t off = 0; off < lp_.size();) {
    LpEntry e = lp_decode(off);
    sl_insert(e.member, e.score);
    off = e.next;
  }
  std::string().swap(lp_);
  skiplist_ = true;
}

void ZSetValue::convert_to_listpack_if_fits() {
  if (!skiplist_) return;
  const auto& limits = EncodingLimits::instance();
  if (static_cast<std::int64_t>(size_) > limits.zset_max_listpack_entries.load(std::memory_order_relaxed)) return;
  std::size_t total = 0, longest = 0;
  for_each([&](const ZItem& it) {
    total += it.member.size();
    longest = std::max(longest, it.member.size());
  });
  if (static_cast<std::int64_t>(longest) > limits.zset_max_listpack_value.load(std::memory_order_relaxed) ||
      total >= kListpackMaxBytes) {
    return;
  }
  std::string lp;
  for (const Node* n = sl_->first(); n; n = n->lv()[0].forward) lp_encode(lp, n->member(), n->score);
  sl_.reset();
  skiplist_ = false;
  lp_ = std::move(lp);
}

}  // namespace kora::core
