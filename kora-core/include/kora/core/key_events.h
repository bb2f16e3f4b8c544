#pragma once
// Key events: every change to a keyspace, raised in one place (the Db that
// holds the key), so that WATCH, blocked clients, the change feed and (later)
// keyspace notifications and document/vector index upkeep all see the same
// changes without a second path beside the write.
//
// Thread-safety: raised and delivered on the thread that holds the shard (its
// worker, an embedded caller holding its ownership flag, or the coordinator of
// a cross-shard transaction it is lent to). Listeners are added and removed on
// that thread too; they must not modify the keyspace from a callback.

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

namespace kora::core {

class Db;

// Keyspace notification classes: Redis's NOTIFY_* bits (notify-keyspace-events
// letters in comments). Each named event a command raises belongs to one class.
namespace notify {
enum : std::uint32_t {
  kKeyspace = 1u << 0,   // K: publish on __keyspace@<db>__:<key>
  kKeyevent = 1u << 1,   // E: publish on __keyevent@<db>__:<event>
  kGeneric = 1u << 2,    // g: del, expire, rename_from, copy_to, restore...
  kString = 1u << 3,     // $
  kList = 1u << 4,       // l
  kSet = 1u << 5,        // s
  kHash = 1u << 6,       // h
  kZset = 1u << 7,       // z
  kExpired = 1u << 8,    // x: expired (lazily or by the sweep)
  kEvicted = 1u << 9,    // e: evicted (maxmemory)
  kStream = 1u << 10,    // t
  kKeyMiss = 1u << 11,   // m: a read found no key (not part of A)
  kModule = 1u << 13,    // d (accepted and reported; Kora has no modules)
  kNew = 1u << 14,       // n: a key was created (not part of A)
  kAll = kGeneric | kString | kList | kSet | kHash | kZset | kExpired | kEvicted | kStream | kModule,
};
}  // namespace notify

// Where keyspace notifications go (the server publishes them on pub/sub).
// `flags` is the notify-keyspace-events mask, read on every named event: with
// it 0 (the default) a write pays one load and one branch.
class KeyspaceNotifier {
 public:
  explicit KeyspaceNotifier(const std::atomic<std::uint32_t>& flags) : flags_(flags) {}
  virtual ~KeyspaceNotifier() = default;
  bool wants(std::uint32_t type) const { return (flags_.load(std::memory_order_relaxed) & type) != 0; }
  // Publishes `event` of class `type` on `key` of database `db`. Called on the
  // thread holding the shard, only when wants(type). Must not touch the keyspace.
  virtual void notify(int db, std::uint32_t type, std::string_view event, std::string_view key) = 0;

 private:
  const std::atomic<std::uint32_t>& flags_;
};

enum class KeyEvent : unsigned char {
  kModified,     // written: created, overwritten, changed in place, TTL set or cleared
  kDeleted,      // removed by a command (DEL, a pop of the last element, an overwrite by RENAME...)
  kExpired,      // removed because its TTL passed (lazily on access, or by the sweep)
  kEvicted,      // removed to free memory (maxmemory)
  kRenamedFrom,  // RENAME source: the key is gone from this db
  kRenamedTo,    // RENAME destination: the key now holds the renamed value
  kMovedFrom,    // MOVE source db: the key is gone from this db
  kMovedTo,      // MOVE destination db: the key arrived here
};

class KeyListener {
 public:
  virtual ~KeyListener() = default;
  // `key` of database `db` changed; called right after the change.
  virtual void on_key_event(int db, KeyEvent event, std::string_view key) = 0;
  // Database `db` is about to be emptied (FLUSHDB, FLUSHALL): `contents` still
  // holds its keys.
  virtual void on_flush(int /*db*/, const Db& /*contents*/) {}
  // Databases `a` and `b` are about to swap contents (SWAPDB).
  virtual void on_swap(int /*a*/, const Db& /*db_a*/, int /*b*/, const Db& /*db_b*/) {}
};

// The listeners of one shard and its count of writes. Owned by the Shard.
class KeyEventHub {
 public:
  // Tells the listeners, then raises the event's keyspace notification (del,
  // expired, evicted, rename_from/to, move_from/to; kModified has none: the
  // operation names its own) unless `notify_generic` is false (RESTORE
  // REPLACE's removal of the old value, which Redis does not announce).
  void raise(int db, KeyEvent event, std::string_view key, bool notify_generic = true) {
    if (event != KeyEvent::kExpired && event != KeyEvent::kEvicted) ++thread_writes_;
    for (KeyListener* l : listeners_) l->on_key_event(db, event, key);
    if (notifier_ && event != KeyEvent::kModified && notify_generic) [[unlikely]] notify_generic_event(db, event, key);
  }
  // A named keyspace notification (Redis's notifyKeyspaceEvent): `event` of
  // class `type` (notify::k...) on `key`. One branch when notifications are off.
  void notify(int db, std::uint32_t type, std::string_view event, std::string_view key) {
    if (notifier_ && notifier_->wants(type)) [[unlikely]] notifier_->notify(db, type, event, key);
  }
  bool notifying(std::uint32_t type) const { return notifier_ && notifier_->wants(type); }
  // Set by the server on the shard's thread (nullptr: none).
  void set_notifier(KeyspaceNotifier* n) { notifier_ = n; }
  void raise_flush(int db, const Db& contents) {
    ++thread_writes_;
    for (KeyListener* l : listeners_) l->on_flush(db, contents);
  }
  void raise_swap(int a, const Db& db_a, int b, const Db& db_b) {
    ++thread_writes_;
    for (KeyListener* l : listeners_) l->on_swap(a, db_a, b, db_b);
  }

  // Writes made by commands on the calling thread so far, on any shard
  // (expiry and eviction excluded): the execution wrapper compares it before
  // and after a command — which runs on one thread — to tell whether the
  // command changed anything (Redis's server.dirty). A thread-local count, so
  // that callers writing to shared shards do not also share its cache line.
  static std::uint64_t writes() { return thread_writes_; }

  void add(KeyListener* l) { listeners_.push_back(l); }
  void remove(KeyListener* l) {
    for (auto& x : listeners_) {
      if (x == l) {
        x = listeners_.back();
        listeners_.pop_back();
        return;
      }
    }
  }

  // Loading (replaying a change feed: WAL recovery, a replica): nothing expires
  // by time, as in Redis while it loads — the feed states every expiry as its
  // own DEL, and a TTL that has passed since the change was recorded must not
  // make a later change of the same key fail.
  bool loading() const { return loading_; }
  void set_loading(bool on) { loading_ = on; }

 private:
  void notify_generic_event(int db, KeyEvent event, std::string_view key) {
    switch (event) {
      case KeyEvent::kDeleted: return notify(db, notify::kGeneric, "del", key);
      case KeyEvent::kExpired: return notify(db, notify::kExpired, "expired", key);
      case KeyEvent::kEvicted: return notify(db, notify::kEvicted, "evicted", key);
      case KeyEvent::kRenamedFrom: return notify(db, notify::kGeneric, "rename_from", key);
      case KeyEvent::kRenamedTo: return notify(db, notify::kGeneric, "rename_to", key);
      case KeyEvent::kMovedFrom: return notify(db, notify::kGeneric, "move_from", key);
      case KeyEvent::kMovedTo: return notify(db, notify::kGeneric, "move_to", key);
      case KeyEvent::kModified: return;
    }
  }

  bool loading_ = false;
  KeyspaceNotifier* notifier_ = nullptr;
  std::vector<KeyListener*> listeners_;
  // initial-exec: a plain %fs-relative access even in -fPIC code (Kora's
  // libraries are linked into the program, not dlopen()ed).
  static inline thread_local std::uint64_t thread_writes_ __attribute__((tls_model("initial-exec"))) = 0;
};

}  // namespace kora::core
