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

#include <cstdint>
#include <string_view>
#include <vector>

namespace kora::core {

class Db;

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
  void raise(int db, KeyEvent event, std::string_view key) {
    if (event != KeyEvent::kExpired && event != KeyEvent::kEvicted) ++thread_writes_;
    for (KeyListener* l : listeners_) l->on_key_event(db, event, key);
  }
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
  bool loading_ = false;
  std::vector<KeyListener*> listeners_;
  // initial-exec: a plain %fs-relative access even in -fPIC code (Kora's
  // libraries are linked into the program, not dlopen()ed).
  static inline thread_local std::uint64_t thread_writes_ __attribute__((tls_model("initial-exec"))) = 0;
};

}  // namespace kora::core
