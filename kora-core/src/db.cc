#include "kora/core/db.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "kora/core/eviction.h"
#include "kora/core/hash.h"
#include "varint.h"

namespace kora::core {

EncodingLimits& EncodingLimits::instance() {
  static EncodingLimits limits;
  return limits;
}

namespace {

static_assert(sizeof(void*) == 8, "the record layout assumes 64-bit pointers");

std::size_t varint_size(std::uint32_t v) { return varint::size(v); }

std::size_t put_varint(unsigned char* p, std::uint32_t v) { return varint::put(p, v); }

std::size_t get_varint(const unsigned char* p, std::uint32_t* v) {
  std::uint64_t wide;
  std::size_t n = varint::get(p, &wide);
  *v = static_cast<std::uint32_t>(wide);
  return n;
}

template <typename T>
T load(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
void store(unsigned char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

std::uint64_t reverse_bits(std::uint64_t v) {
  // Swap ever larger groups: halves of bytes, bytes, then byte order.
  v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
  v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
  return __builtin_bswap64(v);
}

}  // namespace

// ---------------------------------------------------------------- Entry

std::size_t Entry::key_offset(std::size_t* key_len) const {
  std::uint32_t len;
  std::size_t pos = 9 + get_varint(bytes() + 9, &len);
  if (meta() & kHasTtl) pos += 8;
  if (key_len) *key_len = len;
  return pos;
}

std::size_t Entry::value_offset() const {
  std::size_t len;
  std::size_t pos = key_offset(&len);
  return pos + len;
}

std::size_t Entry::record_size() const {
  std::size_t pos = value_offset();
  if (type() != ValueType::kString || (meta() & kExternal)) return pos + 8;
  std::uint32_t len;
  std::size_t n = get_varint(bytes() + pos, &len);
  return pos + n + len;
}

std::int64_t Entry::expire_at_ms() const {
  if (!(meta() & kHasTtl)) return 0;
  std::uint32_t len;
  std::size_t pos = 9 + get_varint(bytes() + 9, &len);
  return load<std::int64_t>(bytes() + pos);
}

std::string_view Entry::key() const {
  std::size_t len;
  std::size_t pos = key_offset(&len);
  return {reinterpret_cast<const char*>(bytes() + pos), len};
}

std::string_view Entry::str() const {
  std::size_t pos = value_offset();
  if (meta() & kExternal) return *load<std::string*>(bytes() + pos);
  std::uint32_t len;
  std::size_t n = get_varint(bytes() + pos, &len);
  return {reinterpret_cast<const char*>(bytes() + pos + n), len};
}

std::size_t Entry::memory_usage() const {
  std::size_t bytes = record_size();
  if (type() != ValueType::kString) return bytes + object()->memory_usage();
  if (meta() & kExternal) bytes += sizeof(std::string) + load<std::string*>(this->bytes() + value_offset())->capacity();
  return bytes;
}

bool Entry::raw_string() const { return (meta() & (kRaw | kExternal)) != 0; }

Object* Entry::object() const { return load<Object*>(bytes() + value_offset()); }

// ---------------------------------------------------------------- KeyTable

Entry* KeyTable::find(std::string_view key, std::uint64_t hash) const {
  for (int t = 0; t < 2; ++t) {
    const Table& table = t_[t];
    if (table.buckets.empty()) continue;
    for (Entry* e = table.buckets[hash & table.mask()]; e; e = e->next()) {
      if (e->key() == key) return e;
    }
  }
  return nullptr;
}

void KeyTable::insert(Entry* e, std::uint64_t hash) {
  rehash_step(1);
  maybe_resize();
  Table& table = rehashing() ? t_[1] : t_[0];
  Entry*& head = table.buckets[hash & table.mask()];
  e->set_next(head);
  head = e;
  ++table.used;
  publish_size();
}

KeyTable::Link KeyTable::link_of(const Entry* e, std::uint64_t hash) {
  for (Table& table : t_) {
    if (table.buckets.empty()) continue;
    Entry*& head = table.buckets[hash & table.mask()];
    Entry* prev = nullptr;
    for (Entry* cur = head; cur; prev = cur, cur = cur->next()) {
      if (cur == e) return {&table, &head, prev};
    }
  }
  return {};
}

void KeyTable::unlink(const Entry* e, std::uint64_t hash) {
  Link link = link_of(e, hash);
  if (!link.table) return;
  if (link.prev) {
    link.prev->set_next(e->next());
  } else {
    *link.head = e->next();
  }
  --link.table->used;
  publish_size();
  rehash_step(1);
  maybe_resize();
}

void KeyTable::replace(const Entry* from, Entry* to, std::uint64_t hash) {
  Link link = link_of(from, hash);
  if (!link.table) return;
  to->head_ = from->head_;  // same successor, same access clock
  if (link.prev) {
    link.prev->set_next(to);
  } else {
    *link.head = to;
  }
}

void KeyTable::maybe_resize() {
  if (rehashing()) return;
  Table& t0 = t_[0];
  std::size_t size = t0.buckets.size();
  if (size == 0) {
    t0.buckets.assign(4, nullptr);
    return;
  }
  std::size_t target = 0;
  if (t0.used >= size) {
    target = size * 2;  // load factor 1, as Redis
  } else if (size > 4 && t0.used * 8 < size) {
    target = 4;  // shrink below 1/8 full, to the smallest power of two >= used
    while (target < t0.used) target *= 2;
  }
  if (target == 0) return;
  t_[1].buckets.assign(target, nullptr);
  t_[1].used = 0;
  rehash_index_ = 0;
}

void KeyTable::rehash_step(std::size_t buckets) {
  if (!rehashing()) return;
  Table& from = t_[0];
  Table& to = t_[1];
  std::size_t empty_visits = buckets * 10;
  while (buckets-- > 0 && from.used != 0) {
    while (from.buckets[rehash_index_] == nullptr) {
      ++rehash_index_;
      if (--empty_visits == 0) return;
    }
    Entry* e = from.buckets[rehash_index_];
    while (e) {
      Entry* next = e->next();
      Entry*& head = to.buckets[hash_bytes(e->key()) & to.mask()];
      e->set_next(head);
      head = e;
      --from.used;
      ++to.used;
      e = next;
    }
    from.buckets[rehash_index_] = nullptr;
    ++rehash_index_;
  }
  if (from.used == 0) {
    t_[0] = std::move(t_[1]);
    t_[1] = Table{};
    rehash_index_ = 0;
  }
}

std::uint64_t KeyTable::scan(std::uint64_t v, const std::function<void(Entry*)>& fn) const {
  auto emit = [&fn](const Table& t, std::uint64_t index) {
    for (Entry* e = t.buckets[index & t.mask()]; e; e = e->next()) fn(e);
  };
  if (size() == 0) return 0;
  if (!rehashing()) {
    const Table& t0 = t_[0];
    std::uint64_t m0 = t0.mask();
    emit(t0, v);
    v |= ~m0;
    v = reverse_bits(v);
    ++v;
    return reverse_bits(v);
  }
  const Table* small = &t_[0];
  const Table* large = &t_[1];
  if (small->buckets.size() > large->buckets.size()) std::swap(small, large);
  std::uint64_t m0 = small->mask();
  std::uint64_t m1 = large->mask();
  emit(*small, v);
  // Then every bucket of the larger table that expands the small bucket.
  do {
    emit(*large, v);
    v |= ~m1;
    v = reverse_bits(v);
    ++v;
    v = reverse_bits(v);
  } while (v & (m0 ^ m1));
  return v;
}

Entry* KeyTable::random(std::mt19937_64& rng) const {
  if (size() == 0) return nullptr;
  // Redis's dictGetFairRandomKey: gather up to kFairSample keys from
  // consecutive buckets (over both tables, skipping the already-moved prefix)
  // starting at a random one, then pick one of them: a Db no larger than the
  // sample is drawn exactly uniformly.
  constexpr std::size_t kFairSample = 15;
  const std::size_t n0 = t_[0].buckets.size();
  const std::size_t total = n0 + t_[1].buckets.size();
  const std::size_t start = rehashing() ? rehash_index_ : 0;
  const std::size_t span = total - start;
  const std::size_t want = std::min(kFairSample, size());
  Entry* picks[kFairSample];
  std::size_t got = 0;
  std::size_t i = start + rng() % span;
  for (std::size_t walked = 0; got < want && walked < span; ++walked) {
    for (Entry* e = i < n0 ? t_[0].buckets[i] : t_[1].buckets[i - n0]; e && got < want; e = e->next()) picks[got++] = e;
    i = i + 1 == total ? start : i + 1;
  }
  return picks[rng() % got];
}

void KeyTable::for_each(const std::function<void(Entry*)>& fn) const {
  for (const Table& t : t_) {
    for (Entry* head : t.buckets) {
      for (Entry* e = head; e;) {
        Entry* next = e->next();
        fn(e);
        e = next;
      }
    }
  }
}

void KeyTable::clear(const std::function<void(Entry*)>& fn) {
  for_each(fn);
  t_[0] = Table{};
  t_[1] = Table{};
  rehash_index_ = 0;
  publish_size();
}

// ---------------------------------------------------------------- Db

struct Db::Layout {
  ValueType type = ValueType::kString;
  std::string_view inline_bytes;     // a string stored in the record
  std::string* external = nullptr;   // a string out of line (ownership moves in)
  Object* object = nullptr;          // an aggregate (ownership moves in)
  unsigned char string_flags = 0;    // Entry::kRaw, Entry::kNoInt

  static unsigned char flags_for(StringEncoding e) {
    switch (e) {
      case StringEncoding::kInfer: return 0;
      case StringEncoding::kRaw: return Entry::kRaw;
      case StringEncoding::kEmbstr: return Entry::kNoInt;
    }
    return 0;
  }

  static Layout for_string(std::string_view s, unsigned char flags, std::size_t* external_bytes) {
    Layout l;
    l.string_flags = flags;
    if (s.size() <= kInlineString) {
      l.inline_bytes = s;
    } else {
      l.external = new std::string(s);
      *external_bytes += l.external->capacity();
    }
    return l;
  }
  // The value of `e`, to be moved into a new record (e must then be freed with
  // release_memory, not destroy).
  static Layout of(const Entry& e) {
    Layout l;
    l.type = e.type();
    if (l.type != ValueType::kString) {
      l.object = e.object();
    } else if (e.meta() & Entry::kExternal) {
      l.external = load<std::string*>(e.bytes() + e.value_offset());
    } else {
      l.inline_bytes = e.str();
    }
    l.string_flags = e.meta() & (Entry::kRaw | Entry::kNoInt);
    return l;
  }
};

Entry* Db::build(std::string_view key, std::int64_t expire_at_ms, const Layout& value) {
  const auto klen = static_cast<std::uint32_t>(key.size());
  std::size_t size = 9 + varint_size(klen) + (expire_at_ms ? 8 : 0) + key.size();
  if (value.type == ValueType::kString && !value.external) {
    size += varint_size(static_cast<std::uint32_t>(value.inline_bytes.size())) + value.inline_bytes.size();
  } else {
    size += 8;
  }
  auto* p = static_cast<unsigned char*>(arena_.allocate(size));
  std::uint64_t head = 0;
  std::memcpy(p, &head, 8);
  unsigned char meta = static_cast<unsigned char>(value.type);
  if (expire_at_ms) meta |= Entry::kHasTtl;
  if (value.external) meta |= Entry::kExternal;
  if (value.type == ValueType::kString) meta |= value.string_flags;
  p[8] = meta;
  std::size_t pos = 9 + put_varint(p + 9, klen);
  if (expire_at_ms) {
    store(p + pos, expire_at_ms);
    pos += 8;
  }
  if (!key.empty()) std::memcpy(p + pos, key.data(), key.size());
  pos += key.size();
  if (value.type != ValueType::kString) {
    store(p + pos, value.object);
  } else if (value.external) {
    store(p + pos, value.external);
  } else {
    pos += put_varint(p + pos, static_cast<std::uint32_t>(value.inline_bytes.size()));
    if (!value.inline_bytes.empty()) {
      std::memcpy(p + pos, value.inline_bytes.data(), value.inline_bytes.size());
    }
  }
  return reinterpret_cast<Entry*>(p);
}

void Db::free_value(Entry* e) {
  if (e->type() != ValueType::kString) {
    delete e->object();
  } else if (e->meta() & Entry::kExternal) {
    auto* s = load<std::string*>(e->bytes() + e->value_offset());
    external_bytes_ -= s->capacity();
    delete s;
  }
}

void Db::destroy(Entry* e) {
  free_value(e);
  arena_.deallocate(e, e->record_size());
}

void Db::swap_record(EntryRef& ref, Entry* fresh) {
  Entry* old = ref.entry;
  table_.replace(old, fresh, hash_bytes(old->key()));
  if (old->meta() & Entry::kHasTtl) expires_.erase(old);
  if (fresh->meta() & Entry::kHasTtl) expires_.insert(fresh);
  arena_.deallocate(old, old->record_size());  // its value now lives in `fresh` or is freed
  ref.entry = fresh;
}

thread_local bool Db::tls_count_lookups_ = false;

EntryRef Db::find(std::string_view key, std::int64_t now_ms, bool touch) {
  std::uint64_t hash = hash_bytes(key);
  Entry* e = table_.find(key, hash);
  if (e && expired(e, now_ms)) {
    remove_entry(e, hash, KeyEvent::kExpired);
    e = nullptr;
  }
  if (tls_count_lookups_) ++(e ? stats_.hits : stats_.misses);
  if (!e) return {};
  if (touch) record_access({e}, now_ms);
  return {e};
}

void Db::remove_entry(Entry* e, std::uint64_t hash, std::optional<KeyEvent> event,
                      bool notify_generic) {
  if (e->meta() & Entry::kHasTtl) expires_.erase(e);
  table_.unlink(e, hash);
  if (event == KeyEvent::kExpired) ++stats_.expired;
  if (event) raise(*event, e->key(), notify_generic);
  destroy(e);
}

const Entry* Db::peek(std::string_view key) const { return table_.find(key, hash_bytes(key)); }

EntryRef Db::find_or_create(std::string_view key, std::int64_t now_ms, bool* created) {
  EntryRef ref = find(key, now_ms);
  if (created) *created = !ref;
  if (ref) return ref;
  Entry* e = build(key, 0, Layout{});
  e->touch(initial_access(now_ms));
  table_.insert(e, hash_bytes(key));
  notify_new(key);
  return {e};
}

bool Db::erase(std::string_view key, bool notify_del) {
  std::uint64_t hash = hash_bytes(key);
  Entry* e = table_.find(key, hash);
  if (!e) return false;
  remove_entry(e, hash, KeyEvent::kDeleted, notify_del);
  return true;
}

void Db::set_expire(EntryRef& ref, std::int64_t at_ms) {
  Entry* e = ref.entry;
  bool has = e->meta() & Entry::kHasTtl;
  if (!has && at_ms == 0) return;
  if (has && at_ms != 0) {
    std::uint32_t len;
    store(e->bytes() + 9 + get_varint(e->bytes() + 9, &len), at_ms);
  } else {
    // Adding or removing the 8-byte expiry field moves the record.
    swap_record(ref, build(e->key(), at_ms, Layout::of(*e)));
  }
  raise(KeyEvent::kModified, ref->key());
}

void Db::set_string(EntryRef& ref, std::string_view value, StringEncoding encoding) {
  store_string(ref, value, encoding);
  raise(KeyEvent::kModified, ref->key());
}

void Db::store_string(EntryRef& ref, std::string_view value, StringEncoding encoding) {
  const unsigned char flags = Layout::flags_for(encoding);
  Entry* e = ref.entry;
  if (e->type() == ValueType::kString) {
    unsigned char& meta = e->bytes()[8];
    if (meta & Entry::kExternal) {
      if (value.size() > kInlineString) {
        auto* s = load<std::string*>(e->bytes() + e->value_offset());
        external_bytes_ -= s->capacity();
        s->assign(value);
        external_bytes_ += s->capacity();
        meta = static_cast<unsigned char>((meta & ~(Entry::kRaw | Entry::kNoInt)) | flags);
        return;
      }
    } else if (e->str().size() == value.size()) {
      // Same length: overwrite in place (the common SET of a same-sized value).
      if (!value.empty()) std::memcpy(const_cast<char*>(e->str().data()), value.data(), value.size());
      meta = static_cast<unsigned char>((meta & ~(Entry::kRaw | Entry::kNoInt)) | flags);
      return;
    }
  }
  Layout l = Layout::for_string(value, flags, &external_bytes_);
  Entry* fresh = build(e->key(), e->expire_at_ms(), l);
  free_value(e);  // only now: `value` may have been read from it
  swap_record(ref, fresh);
}

void Db::mark_raw(EntryRef& ref) {
  unsigned char& meta = ref.entry->bytes()[8];
  meta = static_cast<unsigned char>((meta & ~Entry::kNoInt) | Entry::kRaw);
}

void Db::append_string(EntryRef& ref, std::string_view suffix) {
  Entry* e = ref.entry;
  if (e->meta() & Entry::kExternal) {
    auto* s = load<std::string*>(e->bytes() + e->value_offset());
    external_bytes_ -= s->capacity();
    s->append(suffix);  // amortized: std::string grows geometrically
    external_bytes_ += s->capacity();
  } else {
    std::string joined(e->str());
    joined.append(suffix);
    store_string(ref, joined, StringEncoding::kRaw);
  }
  raise(KeyEvent::kModified, ref->key());
}

void Db::write_string(EntryRef& ref, std::size_t offset, std::string_view bytes) {
  Entry* e = ref.entry;
  if (e->meta() & Entry::kExternal) {
    auto* s = load<std::string*>(e->bytes() + e->value_offset());
    external_bytes_ -= s->capacity();
    if (s->size() < offset + bytes.size()) s->resize(offset + bytes.size(), '\0');
    s->replace(offset, bytes.size(), bytes);
    external_bytes_ += s->capacity();
  } else {
    std::string value(e->str());
    if (value.size() < offset + bytes.size()) value.resize(offset + bytes.size(), '\0');
    value.replace(offset, bytes.size(), bytes);
    store_string(ref, value, StringEncoding::kRaw);
  }
  raise(KeyEvent::kModified, ref->key());
}

std::size_t Db::store_result(std::string_view key, std::unique_ptr<Object> obj, std::int64_t now_ms) {
  const std::size_t n = obj->size();
  if (n == 0) {
    erase(key);
    return 0;
  }
  EntryRef ref = find_or_create(key, now_ms, nullptr);
  set_object(ref, std::move(obj));
  set_expire(ref, 0);
  return n;
}

void Db::set_object(EntryRef& ref, std::unique_ptr<Object> obj) {
  Entry* e = ref.entry;
  if (e->type() != ValueType::kString) {
    delete e->object();
    unsigned char& meta = e->bytes()[8];
    meta = static_cast<unsigned char>((meta & ~Entry::kTypeMask) | static_cast<unsigned char>(obj->type()));
    store(e->bytes() + e->value_offset(), obj.release());
  } else {
    free_value(e);  // a string: its out-of-line buffer, if any
    Layout l;
    l.type = obj->type();
    l.object = obj.release();
    swap_record(ref, build(e->key(), e->expire_at_ms(), l));
  }
  raise(KeyEvent::kModified, ref->key());
}

bool Db::erase_if_empty(std::string_view key) {
  Entry* e = table_.find(key, hash_bytes(key));
  if (!e || e->type() == ValueType::kString || e->object()->size() != 0) return false;
  return erase(key);
}

EntryRef Db::put_copy(std::string_view key, const Entry& src, std::int64_t now_ms) {
  Layout l;
  l.type = src.type();
  if (l.type != ValueType::kString) {
    l.object = src.object()->clone().release();
  } else {
    l = Layout::for_string(src.str(), src.meta() & (Entry::kRaw | Entry::kNoInt), &external_bytes_);
  }
  const std::uint64_t hash = hash_bytes(key);
  if (Entry* old = table_.find(key, hash)) remove_entry(old, hash, std::nullopt);  // overwritten
  Entry* e = build(key, src.expire_at_ms(), l);
  e->touch(initial_access(now_ms));
  table_.insert(e, hash);
  if (e->meta() & Entry::kHasTtl) expires_.insert(e);
  notify_new(key);
  raise(KeyEvent::kModified, key);
  return {e};
}

void Db::move_to(std::string_view key, Db& dst, std::string_view new_key, std::int64_t now_ms) {
  std::uint64_t hash = hash_bytes(key);
  Entry* e = table_.find(key, hash);
  if (!e) return;
  const std::uint64_t new_hash = hash_bytes(new_key);
  if (Entry* old = dst.table_.find(new_key, new_hash)) dst.remove_entry(old, new_hash, std::nullopt);
  Layout l = Layout::of(*e);
  if (l.external && &dst != this) {
    external_bytes_ -= l.external->capacity();
    dst.external_bytes_ += l.external->capacity();
  }
  Entry* fresh = dst.build(new_key, e->expire_at_ms(), l);
  record_access({e}, now_ms);  // the key is read to be moved (Redis's lookupKeyWrite)
  fresh->touch(e->access_clock());
  dst.table_.insert(fresh, new_hash);
  if (fresh->meta() & Entry::kHasTtl) dst.expires_.insert(fresh);
  dst.notify_new(new_key);
  // The value now belongs to `fresh`: free only the old record's memory.
  if (e->meta() & Entry::kHasTtl) expires_.erase(e);
  table_.unlink(e, hash);
  // Same name in another db: MOVE; another name: RENAME (possibly across shards).
  const bool moved = new_key == key;
  raise(moved ? KeyEvent::kMovedFrom : KeyEvent::kRenamedFrom, e->key());
  arena_.deallocate(e, e->record_size());
  dst.raise(moved ? KeyEvent::kMovedTo : KeyEvent::kRenamedTo, new_key);
}

void Db::clear() {
  // Free the values, then every arena page at once.
  table_.clear([this](Entry* e) { free_value(e); });
  arena_.release_all();
  expires_.clear();
  external_bytes_ = 0;
  sweep_bucket_ = 0;
}

void Db::flush() {
  if (hub_) hub_->raise_flush(index_, *this);
  clear();
}

void Db::swap_contents(Db& other) {
  if (hub_) hub_->raise_swap(index_, *this, other.index_, other);
  table_.swap(other.table_);
  arena_.swap(other.arena_);
  expires_.swap(other.expires_);
  std::swap(sweep_bucket_, other.sweep_bucket_);
  std::swap(external_bytes_, other.external_bytes_);
}

std::size_t Db::sweep_expired(std::int64_t now_ms, std::size_t budget) {
  table_.rehash_step(100);
  if (expires_.empty()) return 0;
  std::vector<std::string> dead;
  std::size_t buckets = expires_.bucket_count();
  std::size_t examined = 0;
  for (std::size_t n = 0; n < buckets && examined < budget; ++n) {
    if (sweep_bucket_ >= buckets) sweep_bucket_ = 0;
    for (auto it = expires_.begin(sweep_bucket_); it != expires_.end(sweep_bucket_); ++it) {
      ++examined;
      if (expired(*it, now_ms)) dead.emplace_back((*it)->key());
    }
    ++sweep_bucket_;
  }
  for (const std::string& key : dead) {
    const std::uint64_t hash = hash_bytes(key);
    if (Entry* e = table_.find(key, hash)) remove_entry(e, hash, KeyEvent::kExpired);
  }
  return dead.size();
}

std::uint64_t Db::scan(std::uint64_t cursor, std::int64_t now_ms,
                       const std::function<void(const Entry&)>& fn) const {
  return table_.scan(cursor, [&](Entry* e) {
    if (!expired(e, now_ms)) fn(*e);
  });
}

std::optional<std::string> Db::random_key(std::int64_t now_ms) {
  // As Redis: an expired pick is deleted and another one drawn.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Entry* e = table_.random(rng_);
    if (!e) return std::nullopt;
    if (!expired(e, now_ms)) return std::string(e->key());
    std::string key(e->key());
    remove_entry(e, hash_bytes(key), KeyEvent::kExpired);
  }
  return std::nullopt;
}

void Db::for_each(std::int64_t now_ms,
                  const std::function<void(std::string_view, const Entry&)>& fn) const {
  table_.for_each([&](Entry* e) {
    if (!expired(e, now_ms)) fn(e->key(), *e);
  });
}

// ---------------------------------------------------------------- access, eviction

std::uint16_t Db::initial_access(std::int64_t now_ms) {
  return EvictionConfig::instance().lfu() ? lfu_field(kLfuInitVal, now_ms) : access_clock_of(now_ms);
}

void Db::record_access(EntryRef ref, std::int64_t now_ms) {
  const EvictionConfig& c = EvictionConfig::instance();
  if (c.lfu()) {
    ref->touch(lfu_access(ref->access_clock(), now_ms, c.lfu_log_factor.load(std::memory_order_relaxed),
                          c.lfu_decay_time.load(std::memory_order_relaxed), rng_));
  } else {
    ref->touch(access_clock_of(now_ms));
  }
}

void Db::set_freq(EntryRef ref, std::uint8_t freq, std::int64_t now_ms) { ref->touch(lfu_field(freq, now_ms)); }

std::size_t Db::evict(std::string_view key) {
  const std::uint64_t hash = hash_bytes(key);
  Entry* e = table_.find(key, hash);
  if (!e) return 0;
  const std::size_t bytes = e->memory_usage() + sizeof(Entry*);
  ++stats_.evicted;
  remove_entry(e, hash, KeyEvent::kEvicted);
  return bytes;
}

void Db::sample(std::size_t n, bool volatile_only, const std::function<void(const Entry&)>& fn) {
  if (!volatile_only) {
    for (std::size_t i = 0; i < n && table_.size() != 0; ++i) fn(*table_.random(rng_));
    return;
  }
  if (expires_.empty()) return;
  // Neighbours of a random bucket of the TTL index (Redis's dictGetSomeKeys).
  const std::size_t buckets = expires_.bucket_count();
  std::size_t b = rng_() % buckets;
  std::size_t got = 0;
  for (std::size_t walked = 0; walked < buckets && got < n; ++walked, b = (b + 1) % buckets) {
    for (auto it = expires_.begin(b); it != expires_.end(b) && got < n; ++it, ++got) fn(**it);
  }
}

std::optional<std::string> Db::random_candidate(bool volatile_only) {
  std::optional<std::string> out;
  if (!volatile_only) {
    if (Entry* e = table_.random(rng_)) out.emplace(e->key());
    return out;
  }
  sample(1, true, [&out](const Entry& e) { out.emplace(e.key()); });
  return out;
}

}  // namespace kora::core
