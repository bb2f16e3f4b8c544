#pragma once
// Client-side caching (CLIENT TRACKING), as Redis 7.0.
//
// Default mode: the keys a tracking client reads (read-only commands, through
// the execution wrapper, on the shard that holds the key) are remembered in
// that shard's table, key -> client ids. Any key event on a remembered key
// (a write, a delete, an expiry, an eviction, a RENAME or MOVE end) sends an
// invalidation to those clients and forgets them. OPTIN / OPTOUT: only the
// commands CLIENT CACHING yes/no marked (OPTIN) or did not mark (OPTOUT) are
// remembered. BCAST: no table; every key event whose key starts with one of
// the client's prefixes (any key without prefixes) is sent. NOLOOP: the
// client's own writes do not invalidate for it. FLUSHDB / FLUSHALL send a null
// invalidation to every tracking client and empty the tables.
//
// Delivery goes through the ClientRegistry to the target connection (the
// client itself, or its REDIRECT target): a RESP3 target gets
// `>2 invalidate [keys]`, a RESP2 target a pub/sub message on channel
// __redis__:invalidate. A vanished redirect target breaks the redirection:
// the client gets a tracking-redir-broken push (RESP3) and the `R` flag.
//
// Thread-safety: per-client settings are process-wide behind a mutex (read by
// shards only when a key event hits, and only while tracking is in use); a
// shard's table is touched only by the thread holding that shard.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/engine.h"
#include "kora/server/call.h"

namespace kora::server {

class ClientRegistry;

struct TrackingOptions {
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  std::uint64_t redirect = 0;  // 0: none
  std::vector<std::string> prefixes;
};

// Process-wide settings of the tracking clients.
class Tracking {
 public:
  static Tracking& instance();

  // Called once by the Server before it accepts clients.
  void attach(core::ShardEngine& engine, ClientRegistry& registry);

  // CLIENT TRACKING on / off for client `id`. enable() replaces any previous
  // options (the caller checked compatibility) and makes every shard listen.
  void enable(std::uint64_t id, TrackingOptions options);
  void disable(std::uint64_t id);
  std::optional<TrackingOptions> options(std::uint64_t id) const;
  bool broken_redirect(std::uint64_t id) const;
  std::size_t clients() const { return clients_.load(std::memory_order_relaxed); }

  // Sends client `id` an invalidation of `keys` (nullopt: a null one, "all").
  void send(std::uint64_t id, std::optional<std::vector<std::string>> keys);
  // A key event on `key`, run on the thread holding the key's shard.
  void on_key(core::Shard& shard, std::string_view key);
  // A flush on some shard: empties every table later, tells every client now.
  void on_flush_all();

  std::size_t bcast_clients() const { return bcast_.load(std::memory_order_relaxed); }

 private:
  core::ShardEngine* engine_ = nullptr;
  ClientRegistry* registry_ = nullptr;
  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, TrackingOptions> options_;
  std::unordered_map<std::uint64_t, bool> broken_;
  std::atomic<std::size_t> clients_{0};
  std::atomic<std::size_t> bcast_{0};
};

// Hooks of the execution wrapper (call_command), around a command's handler:
// who is running (NOLOOP), then the keys it read (default mode) and a flush it
// made. Cheap when no client tracks.
void tracking_before_call(const CallEnv& env);
// After every handler run that tracking_before_call began (blocked or not):
// sends the invalidations the command raised, one message per client.
void tracking_end_call();
void tracking_after_call(const CommandSpec& spec, std::span<const std::string_view> argv, core::Shard& shard,
                         const CallEnv& env);

// The RESP encodings of an invalidation for a target speaking `resp`.
std::string invalidation_message(int resp, const std::optional<std::vector<std::string>>& keys);

}  // namespace kora::server
