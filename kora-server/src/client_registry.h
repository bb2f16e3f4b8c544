#pragma once
// ClientRegistry: every client connection of the process, whatever worker
// owns it (CLIENT LIST / KILL / PAUSE, MONITOR, tracking redirection; pub/sub
// and ACL can reuse it to reach a client by id).
//
// A client is an entry: its id, the worker that owns it, a weak handle to the
// connection (valid on that worker only), and a snapshot of what CLIENT LIST
// prints, refreshed by the owner after every command under the entry's own
// mutex (uncontended but for a concurrent CLIENT LIST). Code on another worker
// never touches a connection directly: post() runs a task on the owner's
// worker, where the handle may be used (if the client still exists then).
//
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kora/core/engine.h"

namespace kora::server {

// What another worker may ask of a connection. Called on its owner's worker only.
class ClientHandle {
 public:
  virtual ~ClientHandle() = default;
  // Closes the connection now (CLIENT KILL); pending replies are dropped.
  virtual void kill() = 0;
  // Writes out-of-band bytes now (MONITOR lines, invalidation pushes), ahead of
  // replies still pending; they are never subject to CLIENT REPLY OFF.
  virtual void push(std::string_view bytes) = 0;
  // The protocol the client speaks (2 or 3).
  virtual int resp() const = 0;
  // A client pause ended: resume parsing held-back input.
  virtual void resume() = 0;
  // Tracking: the client's redirection target disconnected (a
  // tracking-redir-broken push in RESP3).
  virtual void redirect_broken(std::uint64_t target) = 0;
};

// The fields of CLIENT LIST (Redis 7.0.15's, in its order).
struct ClientSnapshot {
  std::string addr;   // "ip:port", or "/unixsocket:0"
  std::string laddr;
  int fd = -1;
  std::string name;
  std::int64_t created_ms = 0;
  std::int64_t last_ms = 0;    // last command
  std::string flags = "N";
  int db = 0;
  int sub = 0, psub = 0, ssub = 0;
  int multi = -1;              // queued commands inside MULTI, -1 outside
  std::size_t qbuf = 0, qbuf_free = 0, argv_mem = 0, multi_mem = 0;
  std::size_t rbs = 0, rbp = 0, obl = 0, oll = 0, omem = 0, tot_mem = 0;
  std::string events = "r";
  std::string cmd = "NULL";    // last command, "container|sub" form
  std::string user = "default";
  std::int64_t redir = -1;     // tracking redirection (-1: tracking off)
  int resp = 2;
  bool monitor = false;        // MONITOR clients are of type "replica" for KILL/LIST
  bool pubsub = false;         // subscribed to something: type "pubsub"
};

// One line of CLIENT LIST (no trailing newline).
std::string format_client(std::uint64_t id, const ClientSnapshot& s, std::int64_t now_ms);

struct ClientEntry {
  ClientEntry(std::uint64_t i, core::ShardId w) : id(i), worker(w) {}
  const std::uint64_t id;
  const core::ShardId worker;
  std::weak_ptr<ClientHandle> handle;  // lock() on `worker` only
  mutable std::mutex mu;
  ClientSnapshot snap;  // guarded by mu
  ClientSnapshot copy() const {
    std::lock_guard lock(mu);
    return snap;
  }
};

class ClientRegistry {
 public:
  explicit ClientRegistry(core::ShardEngine& engine) : engine_(engine) {}

  std::shared_ptr<ClientEntry> add(std::uint64_t id, core::ShardId worker, std::weak_ptr<ClientHandle> handle);
  void remove(std::uint64_t id);
  std::shared_ptr<ClientEntry> find(std::uint64_t id) const;
  // Every client, by ascending id.
  std::vector<std::shared_ptr<ClientEntry>> all() const;

  // Runs fn(handle) on the client's worker if it still exists then. Returns
  // false when no such client is registered now. Never blocks.
  bool post(std::uint64_t id, std::function<void(ClientHandle&)> fn) const;

  // --- CLIENT PAUSE ---
  // Pauses every client (all) or only their writes until `until_ms`; a
  // stronger or longer pause is never shortened by a weaker one (Redis's rule).
  void pause(std::int64_t until_ms, bool all);
  void unpause();
  // Whether a command must wait now; `write`: it may replicate (a write,
  // PUBLISH, PFCOUNT, EVAL..., or an EXEC of such). Lock-free when not paused.
  bool must_wait(bool write) const;
  // When the current pause ends (0: none).
  std::int64_t pause_end_ms() const { return pause_until_.load(std::memory_order_acquire); }
  // A paused client remembers itself so that UNPAUSE can resume it at once.
  void wait_for_unpause(std::uint64_t id);
  // Clients waiting for a pause to end (INFO blocked_clients counts them, as
  // Redis's postponed clients).
  void paused_changed(int delta) { paused_.fetch_add(delta, std::memory_order_relaxed); }
  std::int64_t paused_clients() const { return paused_.load(std::memory_order_relaxed); }

  // --- MONITOR ---
  void add_monitor(std::uint64_t id);
  void remove_monitor(std::uint64_t id);
  bool monitoring() const { return monitors_count_.load(std::memory_order_relaxed) > 0; }
  // Sends `line` (a whole "+... \r\n" status line) to every monitor.
  void feed_monitors(const std::string& line) const;

  core::ShardEngine& engine() const { return engine_; }

 private:
  core::ShardEngine& engine_;
  mutable std::mutex mu_;
  std::map<std::uint64_t, std::shared_ptr<ClientEntry>> clients_;
  std::vector<std::uint64_t> monitors_;
  std::vector<std::uint64_t> paused_waiters_;
  std::atomic<int> monitors_count_{0};
  std::atomic<std::int64_t> pause_until_{0};
  std::atomic<bool> pause_all_{false};
  std::atomic<std::int64_t> paused_{0};
};

// Redis's sdscatrepr: `s` quoted, with \n \r \t \a \b, \" and \\ escaped and
// other non-printable bytes as \xhh (MONITOR lines).
void append_repr(std::string& out, std::string_view s);

}  // namespace kora::server
