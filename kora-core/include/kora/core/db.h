#pragma once
// Db: one numbered database of one shard's keyspace. Owned by a Shard and touched
// only by that shard's thread (or a transaction the shard is lent to): no member
// is thread-safe.
//
// Memory layout. Every key is one record in the shard's Arena:
//   [chain pointer | 16-bit access clock] [type+flags] [varint key length]
//   [expiry, 8 bytes, only if the key has a TTL] [key bytes] [value]
// where the value is a string of up to kInlineString bytes (varint length +
// bytes), a pointer to an out-of-line std::string for longer strings (which grow
// in place, amortized, under APPEND/SETRANGE), or a pointer to an aggregate
// Object. The records hang off a chained hash table with power-of-two bucket
// arrays and incremental rehashing, scanned with Redis's reverse-binary cursor,
// so SCAN returns every key present for a whole scan even while the table grows
// or shrinks. For 12-byte keys and 32-byte values a key costs 56 bytes of record
// plus ~8 bytes of bucket array.
//
// Expiry is lazy (an expired key is removed when looked up) plus a bounded sweep
// over the keys that carry a TTL (sweep_expired).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "kora/core/arena.h"
#include "kora/core/key_events.h"
#include "kora/core/object.h"
#include "kora/core/result.h"

namespace kora::core {

// The value stored under one key, and the key itself: a view over one record.
// Read through the accessors; change through Db (a change may move the record).
class Entry {
 public:
  Entry() = delete;
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  ValueType type() const { return static_cast<ValueType>(meta() & kTypeMask); }
  std::int64_t expire_at_ms() const;  // 0: no expiry
  std::string_view key() const;

  // The bytes of a string. Precondition: type() == kString.
  std::string_view str() const;
  // True when OBJECT ENCODING reports "raw" rather than "int" or "embstr".
  bool raw_string() const;
  // True when the string must not be reported as "int" even if it looks like one
  // (Redis stores INCRBYFLOAT results as plain strings).
  bool never_int() const { return meta() & kNoInt; }

  // The aggregate. Precondition: type() == T::kType.
  template <typename T>
  T& as() const { return static_cast<T&>(*object()); }
  Object* object() const;

  // The access field: under an LFU maxmemory-policy the LFU decay time and
  // counter (eviction.h), otherwise the seconds clock (mod 2^16) of the last
  // access, for OBJECT IDLETIME.
  std::uint16_t access_clock() const { return static_cast<std::uint16_t>(head_ >> 48); }

  // Bytes this key holds (MEMORY USAGE): its record, an out-of-line string's
  // buffer, or the aggregate's memory_usage(); not the bucket slot.
  std::size_t memory_usage() const;

 private:
  friend class Db;
  friend class KeyTable;
  static constexpr unsigned char kTypeMask = 0x0f;
  static constexpr unsigned char kHasTtl = 0x10;
  static constexpr unsigned char kExternal = 0x20;  // string value is a std::string*
  static constexpr unsigned char kRaw = 0x40;       // OBJECT ENCODING "raw"
  static constexpr unsigned char kNoInt = 0x80;     // OBJECT ENCODING never "int"

  const unsigned char* bytes() const { return reinterpret_cast<const unsigned char*>(this); }
  unsigned char* bytes() { return reinterpret_cast<unsigned char*>(this); }
  unsigned char meta() const { return bytes()[8]; }
  Entry* next() const { return reinterpret_cast<Entry*>(head_ & kPtrMask); }
  void set_next(Entry* e) { head_ = (head_ & ~kPtrMask) | reinterpret_cast<std::uint64_t>(e); }
  void touch(std::uint16_t clock) { head_ = (head_ & kPtrMask) | (std::uint64_t{clock} << 48); }
  std::size_t key_offset(std::size_t* key_len) const;
  std::size_t value_offset() const;
  std::size_t record_size() const;

  static constexpr std::uint64_t kPtrMask = (std::uint64_t{1} << 48) - 1;
  std::uint64_t head_;  // bits 0-47: next in chain; 48-63: access clock
};

// How OBJECT ENCODING reports a string, beyond what its bytes tell: kInfer
// ("int" when it parses as one, else "embstr"/"raw" by length), kRaw (built by
// APPEND/SETRANGE), kEmbstr (never "int": INCRBYFLOAT results).
enum class StringEncoding : unsigned char { kInfer, kRaw, kEmbstr };

// A live entry. Stays valid until the key is erased or a Db call that takes it
// by reference (set_string, set_object, set_expire, ...) updates it.
struct EntryRef {
  Entry* entry = nullptr;
  explicit operator bool() const { return entry != nullptr; }
  Entry* operator->() const { return entry; }
  std::string_view key() const { return entry->key(); }
};

// The chained hash table of one Db (Redis's dict, minus the features it does not
// need): two bucket arrays during an incremental rehash.
class KeyTable {
 public:
  KeyTable() = default;
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  Entry* find(std::string_view key, std::uint64_t hash) const;
  // Precondition: no entry with this key. May start or advance a rehash.
  void insert(Entry* e, std::uint64_t hash);
  // Removes `e` (present, with this hash) from its chain.
  void unlink(const Entry* e, std::uint64_t hash);
  // Puts `to` where `from` is in its chain (same key).
  void replace(const Entry* from, Entry* to, std::uint64_t hash);
  std::size_t size() const { return t_[0].used + t_[1].used; }
  // size(), readable from any thread (relaxed; may lag a concurrent change).
  std::size_t size_hint() const { return size_hint_.load(std::memory_order_relaxed); }
  std::size_t bucket_bytes() const { return (t_[0].buckets.size() + t_[1].buckets.size()) * sizeof(Entry*); }

  // Exchanges every bucket with `other` (SWAPDB).
  void swap(KeyTable& other) noexcept {
    std::swap(t_, other.t_);
    std::swap(rehash_index_, other.rehash_index_);
    publish_size();
    other.publish_size();
  }
  // Moves up to `buckets` buckets of an ongoing rehash.
  void rehash_step(std::size_t buckets);
  // Calls fn(entry) for every entry of the bucket(s) at `cursor` and returns the
  // next cursor (0 when the scan is complete): Redis's dictScan.
  std::uint64_t scan(std::uint64_t cursor, const std::function<void(Entry*)>& fn) const;
  // A uniformly chosen bucket's random entry; nullptr when empty.
  Entry* random(std::mt19937_64& rng) const;
  void for_each(const std::function<void(Entry*)>& fn) const;
  // Unlinks every entry, calling fn on each (which frees it).
  void clear(const std::function<void(Entry*)>& fn);

 private:
  struct Table {
    std::vector<Entry*> buckets;
    std::size_t used = 0;
    std::size_t mask() const { return buckets.size() - 1; }
  };
  // Where `e` hangs: its table, its bucket slot, and its predecessor (nullptr
  // when it heads the chain). table == nullptr when absent.
  struct Link {
    Table* table = nullptr;
    Entry** head = nullptr;
    Entry* prev = nullptr;
  };
  Link link_of(const Entry* e, std::uint64_t hash);
  void maybe_resize();
  bool rehashing() const { return !t_[1].buckets.empty(); }

  void publish_size() { size_hint_.store(size(), std::memory_order_relaxed); }

  Table t_[2];
  std::size_t rehash_index_ = 0;
  std::atomic<std::size_t> size_hint_{0};
};

class Db {
 public:
  // Strings up to this many bytes are stored inside the record.
  static constexpr std::size_t kInlineString = 64;

  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { clear(); }

  // The live entry of `key`, or an empty ref. Removes the key first if it has
  // expired at `now_ms`; records the access for OBJECT IDLETIME unless
  // `touch` is false. O(1) average.
  EntryRef find(std::string_view key, std::int64_t now_ms, bool touch = true);

  // The live entry of `key`, creating an empty string entry if absent (an expired
  // one is replaced). `created` tells which. O(1) average.
  EntryRef find_or_create(std::string_view key, std::int64_t now_ms, bool* created);

  // Removes `key` whether or not it has expired; true if it was present.
  // Raises kDeleted, and the "del" keyspace notification unless `notify_del`
  // is false (a value replaced through removal, as RESTORE REPLACE).
  bool erase(std::string_view key, bool notify_del = true);

  // Raises the keyspace notification `event` of class `type` (notify::k...)
  // on `key` of this Db — Redis's notifyKeyspaceEvent. Operations call it
  // where Redis does, after the change. One branch when notifications are off.
  void notify(std::uint32_t type, std::string_view event, std::string_view key) {
    if (hub_) hub_->notify(index_, type, event, key);
  }
  // True when an event of class `type` would be published (to skip building
  // an event name).
  bool notifying(std::uint32_t type) const { return hub_ && hub_->notifying(type); }

  // Tells the listeners that the aggregate under `key` was changed in place
  // (a push, a field set, a member removed...). Ops that change an aggregate
  // through find_as/find_or_create_as call it after every effective change;
  // Db's own writers (set_string, set_object, set_expire...) raise it themselves.
  void signal_modified(std::string_view key) { raise(KeyEvent::kModified, key); }

  // Where this Db reports its key events, and its number within the shard.
  // Set once by the Shard; a Db without a hub raises nothing.
  void attach(KeyEventHub* hub, int index) {
    hub_ = hub;
    index_ = index;
  }
  int index() const { return index_; }

  // True while the shard replays a change feed (KeyEventHub::loading): keys do
  // not expire by time.
  bool loading() const { return hub_ && hub_->loading(); }
  // True when an absolute expiry time has already passed (and the shard is not
  // loading): a write with such a TTL deletes the key instead (EXPIRE, RESTORE,
  // GETEX with a past time), as Redis's checkAlreadyExpired.
  bool already_expired(std::int64_t at_ms, std::int64_t now_ms) const { return at_ms <= now_ms && !loading(); }

  // Sets (at_ms > 0) or clears (at_ms == 0) the expiry of a live entry.
  void set_expire(EntryRef& ref, std::int64_t at_ms);
  void set_expire(EntryRef&& ref, std::int64_t at_ms) { set_expire(ref, at_ms); }

  // Makes `ref` a string holding `value` (replacing any aggregate), keeping the
  // expiry; `encoding` is what OBJECT ENCODING should report (see StringEncoding).
  void set_string(EntryRef& ref, std::string_view value,
                  StringEncoding encoding = StringEncoding::kInfer);
  // Makes OBJECT ENCODING report the string of `ref` as "raw" without changing
  // its bytes or raising an event: Redis's dbUnshareStringValue, which HLL
  // commands apply to the value they read and bit commands (SETBIT, BITFIELD)
  // to a value they end up not changing. Precondition: a string.
  void mark_raw(EntryRef& ref);
  // Appends to the string of `ref` (amortized O(len(suffix)) for long strings).
  void append_string(EntryRef& ref, std::string_view suffix);
  // Overwrites bytes [offset, offset+len(bytes)) of the string of `ref`, zero-
  // padding past its end (SETRANGE).
  void write_string(EntryRef& ref, std::size_t offset, std::string_view bytes);

  // Replaces the value of `ref` with `obj` (COPY, RESTORE, *STORE). Keeps the expiry.
  void set_object(EntryRef& ref, std::unique_ptr<Object> obj);
  void set_object(EntryRef&& ref, std::unique_ptr<Object> obj) { set_object(ref, std::move(obj)); }
  // The *STORE epilogue (Redis's setKey of a computed result): `key` holds
  // `obj`, whatever it held before, with no TTL; an empty `obj` deletes `key`
  // instead. Returns obj's size.
  std::size_t store_result(std::string_view key, std::unique_ptr<Object> obj, std::int64_t now_ms);

  // The aggregate of type T under `key`: nullptr when the key is absent,
  // kWrongType when it holds another type.
  template <typename T>
  Result<T*> find_as(std::string_view key, std::int64_t now_ms);

  // As find_as, but creates an empty T when the key is absent.
  template <typename T>
  Result<T*> find_or_create_as(std::string_view key, std::int64_t now_ms);

  // Deletes `key` if it holds an aggregate with no elements left (Redis deletes
  // empty lists, hashes and sets). True if it deleted.
  bool erase_if_empty(std::string_view key);

  // Copies the value and expiry of `src` (of any Db) to `key` in this Db,
  // replacing what is there. Precondition: src is not the entry of `key` here.
  EntryRef put_copy(std::string_view key, const Entry& src, std::int64_t now_ms);
  // Moves the value and expiry of `key` to `new_key` in `dst` (which may be this
  // Db), replacing what is there; `key` is gone afterwards. Precondition: key
  // is live and new_key != key when dst is this Db.
  void move_to(std::string_view key, Db& dst, std::string_view new_key, std::int64_t now_ms);

  // Keys present, counting those expired but not yet removed (as Redis's DBSIZE).
  std::size_t size() const { return table_.size(); }
  // size(), readable from any thread (relaxed): lets SCAN skip empty shards.
  std::size_t size_hint() const { return table_.size_hint(); }
  std::size_t expires_count() const { return expires_.size(); }

  // Statistics (INFO keyspace_hits/misses, expired_keys): lookups by
  // find() while lookup counting is on for the calling thread — the execution
  // wrapper turns it on around read-only commands, as Redis counts its
  // lookupKeyRead — and keys removed because their TTL passed.
  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t expired = 0;
    std::uint64_t evicted = 0;  // keys removed by evict() (INFO evicted_keys)
  };
  const Stats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }
  // Turns lookup counting on or off for the calling thread; returns the old state.
  static bool count_lookups(bool on) {
    const bool old = tls_count_lookups_;
    tls_count_lookups_ = on;
    return old;
  }
  // Bytes used by records, buckets and out-of-line values (not aggregates).
  std::size_t memory_bytes() const { return arena_.bytes_in_use() + table_.bucket_bytes() + external_bytes_; }
  // Bytes the arena holds from malloc but has not handed out (free blocks of
  // its pages): held by the process, yet free for this Db's next keys.
  std::size_t arena_slack() const { return arena_.bytes_reserved() - arena_.bytes_in_use(); }

  // --- Eviction (eviction.h) ---
  // Removes `key` to free memory, raising kEvicted (keyspace notification
  // "evicted"); returns the bytes it held (MEMORY USAGE), 0 when absent.
  std::size_t evict(std::string_view key);
  // Calls fn(entry) for up to `n` sampled entries: random keys, or with
  // `volatile_only` random keys that carry a TTL (Redis's dictGetSomeKeys:
  // neighbours of a random position, so not exactly uniform; may repeat).
  // fn must not modify the Db.
  void sample(std::size_t n, bool volatile_only, const std::function<void(const Entry&)>& fn);
  // A random key (or random key with a TTL) to evict; nullopt when none.
  std::optional<std::string> random_candidate(bool volatile_only);

  // Empties the Db without raising events (destruction, tests).
  void clear();
  // FLUSHDB: tells the listeners (on_flush, with the keys still present), then
  // empties the Db.
  void flush();
  // SWAPDB: exchanges the contents of this Db and `other` (of the same shard),
  // telling the listeners first.
  void swap_contents(Db& other);

  // The live-or-expired entry of `key` without removing it when expired and
  // without recording an access (WATCH bookkeeping, EXEC's expiry check).
  const Entry* peek(std::string_view key) const;
  // True when `e` has a TTL that has passed at `now_ms`.
  static bool is_expired(const Entry& e, std::int64_t now_ms) {
    std::int64_t at = e.expire_at_ms();
    return at != 0 && at <= now_ms;
  }

  // Removes expired keys among at most `budget` keys that carry a TTL, resuming
  // where the previous call stopped; also advances an ongoing rehash. Returns
  // how many keys it removed.
  std::size_t sweep_expired(std::int64_t now_ms, std::size_t budget);

  // One step of SCAN: calls fn for the live keys of the bucket(s) at `cursor`
  // and returns the next cursor (0 = done). Every key present during a whole
  // scan is returned at least once.
  std::uint64_t scan(std::uint64_t cursor, std::int64_t now_ms,
                     const std::function<void(const Entry&)>& fn) const;

  // A random live key (RANDOMKEY), or nullopt when the Db has none.
  std::optional<std::string> random_key(std::int64_t now_ms);

  // Calls fn(key, entry) for every live key at `now_ms`; fn must not modify the Db.
  void for_each(std::int64_t now_ms,
                const std::function<void(std::string_view, const Entry&)>& fn) const;

  // Records the last access of `ref` as `idle_seconds` before now (RESTORE IDLETIME).
  static void set_idle(EntryRef ref, std::int64_t idle_seconds, std::int64_t now_ms) {
    ref->touch(access_clock_of(now_ms - idle_seconds * 1000));
  }
  // Sets the LFU counter of `ref` to `freq` (0..255), decay time now (RESTORE FREQ).
  static void set_freq(EntryRef ref, std::uint8_t freq, std::int64_t now_ms);
  // Records an access of `ref` as a read does: the LFU counter under an LFU
  // policy, else the access clock (TOUCH, and find() with touch).
  void record_access(EntryRef ref, std::int64_t now_ms);

  // The seconds clock (mod 2^16) entries record on access.
  static std::uint16_t access_clock_of(std::int64_t now_ms) {
    return static_cast<std::uint16_t>(now_ms / 1000);
  }

 private:
  struct Layout;
  // The access field of a key created at `now_ms`: LFU's initial counter
  // under an LFU policy, else the access clock.
  static std::uint16_t initial_access(std::int64_t now_ms);
  Entry* build(std::string_view key, std::int64_t expire_at_ms, const Layout& value);
  // Frees what a record owns outside itself (its aggregate or out-of-line string).
  void free_value(Entry* e);
  // free_value, then the record itself.
  void destroy(Entry* e);
  // set_string without raising an event.
  void store_string(EntryRef& ref, std::string_view value, StringEncoding encoding);
  // Replaces record `ref` by `fresh` (same key) in the table and the TTL index.
  void swap_record(EntryRef& ref, Entry* fresh);
  bool expired(const Entry* e, std::int64_t now_ms) const {
    std::int64_t at = e->expire_at_ms();
    return at != 0 && at <= now_ms && !loading();
  }

  void raise(KeyEvent event, std::string_view key, bool notify_generic = true) {
    if (hub_) hub_->raise(index_, event, key, notify_generic);
  }
  // Unlinks and frees `e` (present, with this hash), raising `event` between
  // the two (the key's bytes are still readable then) unless it is nullopt.
  void remove_entry(Entry* e, std::uint64_t hash, std::optional<KeyEvent> event,
                    bool notify_generic = true);
  // A record was added for `key`: the "new" notification (Redis's dbAdd).
  void notify_new(std::string_view key) { notify(notify::kNew, "new", key); }

  KeyEventHub* hub_ = nullptr;
  int index_ = 0;
  KeyTable table_;
  Arena arena_;
  std::unordered_set<Entry*> expires_;  // records that carry a TTL
  std::size_t sweep_bucket_ = 0;
  std::size_t external_bytes_ = 0;
  Stats stats_;
  static thread_local bool tls_count_lookups_;
  std::mt19937_64 rng_{0x6b6f7261};
};

template <typename T>
Result<T*> Db::find_as(std::string_view key, std::int64_t now_ms) {
  EntryRef ref = find(key, now_ms);
  if (!ref) return static_cast<T*>(nullptr);
  if (ref->type() != T::kType) return Errc::kWrongType;
  return &ref->as<T>();
}

template <typename T>
Result<T*> Db::find_or_create_as(std::string_view key, std::int64_t now_ms) {
  EntryRef ref = find(key, now_ms);
  if (ref) {
    if (ref->type() != T::kType) return Errc::kWrongType;
    return &ref->as<T>();
  }
  ref = find_or_create(key, now_ms, nullptr);
  set_object(ref, std::make_unique<T>());
  return &ref->as<T>();
}

}  // namespace kora::core
