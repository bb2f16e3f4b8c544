#include "kora/core/hash_value.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_set>
#include <utility>

#include "kora/core/hash.h"
#include "varint.h"

namespace kora::core {
namespace {

constexpr std::size_t kNpos = static_cast<std::size_t>(-1);
// Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack never grows past 1 GB.
constexpr std::size_t kListpackMaxBytes = std::size_t{1} << 30;
constexpr std::size_t kMinTableCapacity = 8;

// --- length-prefixed strings: LEB128 length, then the bytes -------------------

std::size_t entry_size(std::string_view s) { return varint::size(s.size()) + s.size(); }

unsigned char* put_entry(unsigned char* p, std::string_view s) {
  p += varint::put(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Reads the entry at p; returns the byte after it.
const unsigned char* get_entry(const unsigned char* p, std::string_view* out) {
  std::uint64_t n;
  p += varint::get(p, &n);
  *out = std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  return p + n;
}

void* checked_realloc(void* p, std::size_t bytes) {
  void* q = std::realloc(p, bytes);
  if (q == nullptr) throw std::bad_alloc();
  return q;
}

std::int64_t limit_value() {
  return EncodingLimits::instance().hash_max_listpack_value.load(std::memory_order_relaxed);
}
std::int64_t limit_entries() {
  return EncodingLimits::instance().hash_max_listpack_entries.load(std::memory_order_relaxed);
}
bool over(std::size_t n, std::int64_t limit) {
  return limit < 0 || n > static_cast<std::uint64_t>(limit);
}

// --- hashtable records: one allocation [field entry][value entry] -------------

using Record = unsigned char*;

Record make_record(std::string_view field, std::string_view value) {
  auto* r = static_cast<Record>(checked_realloc(nullptr, entry_size(field) + entry_size(value)));
  put_entry(put_entry(r, field), value);
  return r;
}

HashValue::Pair record_pair(const unsigned char* r) {
  HashValue::Pair p;
  get_entry(get_entry(r, &p.field), &p.value);
  return p;
}

std::size_t record_size(const unsigned char* r) {
  HashValue::Pair p = record_pair(r);
  return entry_size(p.field) + entry_size(p.value);
}

std::uint64_t process_seed() {
  static const std::uint64_t seed = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }();
  return seed;
}

std::uint64_t field_hash(std::string_view field) {
  return (hash_bytes(field) ^ process_seed()) * 0x9E3779B97F4A7C15ull;
}

}  // namespace

// Open addressing with linear probing over 2^k slots (Fibonacci hashing picks
// the home slot from the high bits); deletion shifts the following run back, so
// there are no tombstones. Load stays within (1/8, 3/4] once it has shrunk.
struct HashValue::Table {
  Record* slots = nullptr;
  std::size_t capacity = 0;  // power of two
  unsigned shift = 64;       // 64 - log2(capacity)
  std::size_t count = 0;
  std::size_t record_bytes = 0;

  Table() = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  ~Table() {
    for (std::size_t i = 0; i < capacity; ++i) std::free(slots[i]);
    std::free(slots);
  }

  std::size_t home(std::uint64_t h) const { return static_cast<std::size_t>(h >> shift); }
  std::size_t home_of(const unsigned char* r) const {
    return home(field_hash(record_pair(r).field));
  }

  static std::size_t capacity_for(std::size_t n) {
    std::size_t cap = kMinTableCapacity;
    while (n * 4 > cap * 3) cap *= 2;
    return cap;
  }

  void rebuild(std::size_t new_capacity) {
    Record* old = slots;
    std::size_t old_capacity = capacity;
    slots = static_cast<Record*>(checked_realloc(nullptr, new_capacity * sizeof(Record)));
    std::fill(slots, slots + new_capacity, nullptr);
    capacity = new_capacity;
    shift = 64 - static_cast<unsigned>(__builtin_ctzll(new_capacity));
    for (std::size_t i = 0; i < old_capacity; ++i) {
      if (old[i] != nullptr) place(old[i], home_of(old[i]));
    }
    std::free(old);
  }

  void place(Record r, std::size_t i) {
    std::size_t mask = capacity - 1;
    while (slots[i] != nullptr) i = (i + 1) & mask;
    slots[i] = r;
  }

  std::size_t find(std::string_view field) const {
    if (count == 0) return kNpos;
    std::size_t mask = capacity - 1;
    for (std::size_t i = home(field_hash(field));; i = (i + 1) & mask) {
      const unsigned char* r = slots[i];
      if (r == nullptr) return kNpos;
      if (record_pair(r).field == field) return i;
    }
  }

  // Precondition: `field` is absent.
  void insert(std::string_view field, std::string_view value) {
    if ((count + 1) * 4 > capacity * 3) rebuild(capacity * 2);
    Record r = make_record(field, value);
    place(r, home(field_hash(field)));
    ++count;
    record_bytes += entry_size(field) + entry_size(value);
  }

  void replace_value(std::size_t i, std::string_view value) {
    Pair old = record_pair(slots[i]);
    Record r = make_record(old.field, value);
    record_bytes += entry_size(value) - entry_size(old.value);
    std::free(slots[i]);
    slots[i] = r;
  }

  void erase_at(std::size_t i) {
    record_bytes -= record_size(slots[i]);
    std::free(slots[i]);
    slots[i] = nullptr;
    --count;
    // Backward shift: move each following entry of the run into the hole unless
    // its home lies cyclically in (hole, its slot].
    std::size_t mask = capacity - 1;
    for (std::size_t j = (i + 1) & mask; slots[j] != nullptr; j = (j + 1) & mask) {
      std::size_t k = home_of(slots[j]);
      bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      slots[i] = slots[j];
      slots[j] = nullptr;
      i = j;
    }
    if (capacity > kMinTableCapacity && count * 8 < capacity) {
      rebuild(std::max(kMinTableCapacity, capacity_for(count) * 2));
    }
  }
};

HashValue::~HashValue() {
  if (is_table_) {
    delete table_;
  } else {
    std::free(lp_);
  }
}

std::string_view HashValue::encoding() const { return is_table_ ? "hashtable" : "listpack"; }

std::size_t HashValue::size() const { return is_table_ ? table_->count : lp_count_; }

std::unique_ptr<Object> HashValue::clone() const {
  auto copy = std::make_unique<HashValue>();
  if (!is_table_) {
    if (lp_bytes_ != 0) {
      copy->lp_ = static_cast<unsigned char*>(checked_realloc(nullptr, lp_bytes_));
      std::memcpy(copy->lp_, lp_, lp_bytes_);
    }
    copy->lp_bytes_ = lp_bytes_;
    copy->lp_count_ = lp_count_;
    return copy;
  }
  auto t = std::make_unique<Table>();
  t->slots = static_cast<Record*>(checked_realloc(nullptr, table_->capacity * sizeof(Record)));
  std::fill(t->slots, t->slots + table_->capacity, nullptr);
  t->capacity = table_->capacity;
  t->shift = table_->shift;
  // The hash seed is per process, so every record keeps its slot.
  for (std::size_t i = 0; i < table_->capacity; ++i) {
    if (const unsigned char* r = table_->slots[i]) {
      std::size_t n = record_size(r);
      t->slots[i] = static_cast<Record>(checked_realloc(nullptr, n));
      std::memcpy(t->slots[i], r, n);
    }
  }
  t->count = table_->count;
  t->record_bytes = table_->record_bytes;
  copy->table_ = t.release();
  copy->is_table_ = 1;
  return copy;
}

std::size_t HashValue::memory_usage() const {
  if (!is_table_) return sizeof(*this) + lp_bytes_;
  // Count the allocator's per-block header (8 bytes) for each record.
  return sizeof(*this) + sizeof(Table) + table_->capacity * sizeof(Record) + table_->record_bytes +
         table_->count * 8;
}

// --- listpack ------------------------------------------------------------------

std::size_t HashValue::lp_find(std::string_view field) const {
  const unsigned char* p = lp_;
  const unsigned char* end = lp_ + lp_bytes_;
  while (p < end) {
    std::string_view f, v;
    const unsigned char* vp = get_entry(p, &f);
    const unsigned char* next = get_entry(vp, &v);
    if (f == field) return static_cast<std::size_t>(p - lp_);
    p = next;
  }
  return kNpos;
}

void HashValue::lp_resize(std::size_t bytes) {
  if (bytes == 0) {
    std::free(lp_);
    lp_ = nullptr;
  } else {
    lp_ = static_cast<unsigned char*>(checked_realloc(lp_, bytes));
  }
  lp_bytes_ = static_cast<std::uint32_t>(bytes);
}

void HashValue::lp_append(std::string_view field, std::string_view value) {
  std::size_t at = lp_bytes_;
  lp_resize(at + entry_size(field) + entry_size(value));
  put_entry(put_entry(lp_ + at, field), value);
  ++lp_count_;
}

void HashValue::lp_replace_value(std::size_t value_off, std::string_view value) {
  std::string_view old;
  std::size_t old_end = static_cast<std::size_t>(get_entry(lp_ + value_off, &old) - lp_);
  std::size_t old_size = old_end - value_off;
  std::size_t new_size = entry_size(value);
  std::size_t tail = lp_bytes_ - old_end;
  if (new_size > old_size) {
    lp_resize(lp_bytes_ + (new_size - old_size));
    std::memmove(lp_ + value_off + new_size, lp_ + old_end, tail);
    put_entry(lp_ + value_off, value);
  } else {
    put_entry(lp_ + value_off, value);
    if (new_size < old_size) {
      std::memmove(lp_ + value_off + new_size, lp_ + old_end, tail);
      lp_resize(lp_bytes_ - (old_size - new_size));
    }
  }
}

void HashValue::lp_erase_pair(std::size_t field_off) {
  std::size_t next = 0;
  lp_pair_at(field_off, &next);
  std::memmove(lp_ + field_off, lp_ + next, lp_bytes_ - next);
  lp_resize(lp_bytes_ - (next - field_off));
  --lp_count_;
}

HashValue::Pair HashValue::lp_pair_at(std::size_t off, std::size_t* next) const {
  Pair p;
  const unsigned char* e = get_entry(get_entry(lp_ + off, &p.field), &p.value);
  if (next != nullptr) *next = static_cast<std::size_t>(e - lp_);
  return p;
}

void HashValue::lp_offsets(std::vector<std::uint32_t>& out) const {
  out.reserve(lp_count_);
  std::size_t off = 0;
  while (off < lp_bytes_) {
    out.push_back(static_cast<std::uint32_t>(off));
    lp_pair_at(off, &off);
  }
}

// --- reads and writes --------------------------------------------------------

std::optional<std::string_view> HashValue::get(std::string_view field) const {
  if (is_table_) {
    std::size_t i = table_->find(field);
    if (i == kNpos) return std::nullopt;
    return record_pair(table_->slots[i]).value;
  }
  std::size_t off = lp_find(field);
  if (off == kNpos) return std::nullopt;
  return lp_pair_at(off, nullptr).value;
}

void HashValue::prepare_write(std::span<const std::string_view> args) {
  if (is_table_) return;
  std::int64_t max_value = limit_value();
  std::size_t sum = 0;
  for (std::string_view a : args) {
    if (over(a.size(), max_value)) {
      convert_to_hashtable();
      return;
    }
    sum += a.size();
  }
  if (lp_bytes_ + sum > kListpackMaxBytes) convert_to_hashtable();
}

bool HashValue::set(std::string_view field, std::string_view value) {
  if (!is_table_) {
    std::int64_t max_value = limit_value();
    if (over(field.size(), max_value) || over(value.size(), max_value) ||
        lp_bytes_ + entry_size(field) + entry_size(value) > kListpackMaxBytes) {
      convert_to_hashtable();
    }
  }
  if (!is_table_) {
    bool inserted = false;
    std::size_t off = lp_find(field);
    if (off == kNpos) {
      lp_append(field, value);
      inserted = true;
    } else {
      lp_replace_value(off + entry_size(field), value);
    }
    // As Redis: checked after every write, so a lowered limit converts on update too.
    if (over(lp_count_, limit_entries())) convert_to_hashtable();
    return inserted;
  }
  std::size_t i = table_->find(field);
  if (i != kNpos) {
    table_->replace_value(i, value);
    return false;
  }
  table_->insert(field, value);
  return true;
}

bool HashValue::erase(std::string_view field) {
  if (is_table_) {
    std::size_t i = table_->find(field);
    if (i == kNpos) return false;
    table_->erase_at(i);
    return true;
  }
  std::size_t off = lp_find(field);
  if (off == kNpos) return false;
  lp_erase_pair(off);
  return true;
}

void HashValue::convert_to_hashtable() {
  if (is_table_) return;
  auto t = std::make_unique<Table>();
  t->rebuild(Table::capacity_for(lp_count_));
  std::size_t off = 0;
  while (off < lp_bytes_) {
    Pair p = lp_pair_at(off, &off);
    t->insert(p.field, p.value);
  }
  std::free(lp_);
  table_ = t.release();
  lp_bytes_ = 0;
  lp_count_ = 0;
  is_table_ = 1;
}

// --- iteration -----------------------------------------------------------------

HashValue::const_iterator HashValue::begin() const {
  if (!is_table_) return {this, 0};
  std::size_t i = 0;
  while (i < table_->capacity && table_->slots[i] == nullptr) ++i;
  return {this, i};
}

HashValue::const_iterator HashValue::end() const {
  return {this, is_table_ ? table_->capacity : lp_bytes_};
}

HashValue::Pair HashValue::const_iterator::operator*() const {
  if (h_->is_table_) return record_pair(h_->table_->slots[pos_]);
  return h_->lp_pair_at(pos_, nullptr);
}

HashValue::const_iterator& HashValue::const_iterator::operator++() {
  if (h_->is_table_) {
    const Table& t = *h_->table_;
    do {
      ++pos_;
    } while (pos_ < t.capacity && t.slots[pos_] == nullptr);
  } else {
    h_->lp_pair_at(pos_, &pos_);
  }
  return *this;
}

// --- random sampling -------------------------------------------------------------

HashValue::Pair HashValue::random_pair(std::mt19937_64& rng) const {
  if (is_table_) {
    // Load is above 1/8 (or the table is at its minimum size), so this ends fast.
    std::uniform_int_distribution<std::size_t> pick(0, table_->capacity - 1);
    for (;;) {
      const unsigned char* r = table_->slots[pick(rng)];
      if (r != nullptr) return record_pair(r);
    }
  }
  std::size_t n = std::uniform_int_distribution<std::size_t>(0, lp_count_ - 1)(rng);
  std::size_t off = 0;
  for (std::size_t i = 0; i < n; ++i) lp_pair_at(off, &off);
  return lp_pair_at(off, nullptr);
}

void HashValue::random_pairs(std::size_t count, std::mt19937_64& rng,
                             std::vector<Pair>& out) const {
  out.reserve(out.size() + count);
  if (is_table_) {
    for (std::size_t i = 0; i < count; ++i) out.push_back(random_pair(rng));
    return;
  }
  std::vector<std::uint32_t> offsets;
  lp_offsets(offsets);
  std::uniform_int_distribution<std::size_t> pick(0, offsets.size() - 1);
  for (std::size_t i = 0; i < count; ++i) out.push_back(lp_pair_at(offsets[pick(rng)], nullptr));
}

void HashValue::random_distinct_pairs(std::size_t count, std::mt19937_64& rng,
                                      std::vector<Pair>& out) const {
  std::size_t n = size();
  if (count >= n) {
    out.reserve(out.size() + n);
    for (Pair p : *this) out.push_back(p);
    return;
  }
  out.reserve(out.size() + count);
  if (!is_table_) {
    // Selection sampling (Knuth's algorithm S): uniform, keeps insertion order.
    std::size_t needed = count;
    std::size_t left = n;
    for (auto it = begin(); needed > 0; ++it, --left) {
      if (std::uniform_int_distribution<std::size_t>(0, left - 1)(rng) < needed) {
        out.push_back(*it);
        --needed;
      }
    }
    return;
  }
  if (count * 3 > n) {
    // A large share: shuffle the first `count` of all records into place.
    std::vector<const unsigned char*> all;
    all.reserve(n);
    for (std::size_t i = 0; i < table_->capacity; ++i) {
      if (table_->slots[i] != nullptr) all.push_back(table_->slots[i]);
    }
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t j = std::uniform_int_distribution<std::size_t>(i, n - 1)(rng);
      std::swap(all[i], all[j]);
      out.push_back(record_pair(all[i]));
    }
    return;
  }
  // A small share: draw random records, skipping repeats.
  std::unordered_set<const void*> seen;
  std::uniform_int_distribution<std::size_t> pick(0, table_->capacity - 1);
  while (seen.size() < count) {
    const unsigned char* r = table_->slots[pick(rng)];
    if (r != nullptr && seen.insert(r).second) out.push_back(record_pair(r));
  }
}

}  // namespace kora::core
