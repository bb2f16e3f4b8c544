#pragma once
// Pub/sub in the server: the process's Broker (kora-pubsub) wired to the
// workers, keyspace notifications published through it, each connection's
// subscriber endpoint, and the two settings that belong to them
// (notify-keyspace-events, client-output-buffer-limit).
//
// Data flow: SUBSCRIBE runs on the connection's worker and registers the
// connection's PubSubClient in that worker's part of the Broker. PUBLISH (and
// every keyspace notification, raised by Db on the thread holding the shard)
// calls Broker::publish, which posts one task per worker with a receiver; there
// PubSubClient::deliver encodes the push for its connection's protocol and
// hands it to the connection, which buffers it, enforces the pubsub
// output-buffer limit, and writes once per batch of messages.
//
// Thread-safety: PubSubService's publish side from any thread; a PubSubClient
// only on its connection's worker.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kora/core/engine.h"
#include "kora/core/key_events.h"
#include "kora/pubsub/broker.h"
#include "kora/server/command.h"

namespace kora::server {

// notify-keyspace-events (Redis's flag mask; 0 = off, the default). Process-wide.
std::atomic<std::uint32_t>& keyspace_event_flags();
// Redis's parsing of the flag letters: the mask, or nullopt for a bad letter.
std::optional<std::uint32_t> parse_keyspace_events(std::string_view letters);
// Redis's canonical text of a mask (keyspaceEventsFlagsToString).
std::string keyspace_events_text(std::uint32_t flags);

// client-output-buffer-limit, per class (normal, slave/replica, pubsub).
// Process-wide, read relaxed.
struct OutputBufferLimit {
  std::atomic<std::uint64_t> hard{0};
  std::atomic<std::uint64_t> soft{0};
  std::atomic<std::int64_t> soft_seconds{0};
};
enum class ClientClass : unsigned char { kNormal = 0, kSlave = 1, kPubSub = 2 };
OutputBufferLimit& output_buffer_limit(ClientClass c);

class PubSubService final : public core::KeyspaceNotifier {
 public:
  explicit PubSubService(core::ShardEngine& engine);
  pubsub::Broker& broker() { return broker_; }
  // Attaches this service as the keyspace notifier of every shard. Call once,
  // with the engine running, before clients connect.
  void attach_to_shards();
  // KeyspaceNotifier: publishes __keyspace@<db>__:<key> / __keyevent@<db>__:<event>.
  void notify(int db, std::uint32_t type, std::string_view event, std::string_view key) override;

 private:
  core::ShardEngine& engine_;
  pubsub::Broker broker_;
};

// One connection's pub/sub endpoint: its subscriptions live in the Broker under
// the client id; deliveries come back here and are pushed through `push`.
class PubSubClient final : public pubsub::Subscriber {
 public:
  // `push` appends encoded bytes to the connection's output (called on the
  // worker, never re-entrantly from the connection's own write path).
  PubSubClient(PubSubService& service, core::ShardId worker, ClientState& client,
               std::function<void(std::string_view)> push);
  ~PubSubClient() override;

  // SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE one name; replies the confirmation.
  void subscribe(pubsub::Kind kind, std::string_view name, protocol::ReplyWriter& out);
  // (P|S)UNSUBSCRIBE one name, or every name of `kind` when `name` is nullopt.
  void unsubscribe(pubsub::Kind kind, std::optional<std::string_view> name, protocol::ReplyWriter& out);
  // Drops every subscription (disconnect, RESET). Idempotent.
  void detach();
  // In subscribed mode: at least one channel, pattern or shard channel.
  bool active() const { return subscriptions_ + shard_subscriptions_ > 0; }

  void deliver(const pubsub::Delivery& d) override;

  // Output-buffer limit bookkeeping: true when `used` bytes break the limit of
  // the client's class now (hard), or have broken the soft limit for longer
  // than its seconds.
  bool over_limit(std::size_t used, std::int64_t now_ms);

 private:
  void confirm(std::string_view verb, std::optional<std::string_view> name, std::size_t count,
               protocol::ReplyWriter& out);
  void refresh_counts();

  PubSubService& service_;
  core::ShardId worker_;
  ClientState& client_;
  std::function<void(std::string_view)> push_;
  bool attached_ = false;
  std::size_t subscriptions_ = 0;        // channels + patterns
  std::size_t shard_subscriptions_ = 0;  // shard channels
  std::int64_t soft_since_ms_ = 0;       // when the soft limit was first exceeded; 0: not
  std::string scratch_;
};

// --- hooks for the connection (connection.cc) ---

// What a command may do on a connection in subscribed mode.
enum class PubSubGate : unsigned char { kRun, kReject, kPing };
// RESP2 in subscribed mode allows only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING,
// QUIT, RESET (kReject: `error` holds Redis's text); PING replies
// ["pong", <arg or "">] there (kPing: write it with pubsub_ping_reply).
PubSubGate pubsub_gate(const ClientState& client, const CommandSpec& spec, std::string& error);
void pubsub_ping_reply(std::span<const std::string_view> argv, std::string& out);
// Makes the connection's endpoint (nullptr when the server runs no pub/sub).
std::shared_ptr<PubSubClient> make_pubsub_client(ServerState& state, core::ShardId worker, ClientState& client,
                                                 std::function<void(std::string_view)> push);
// Output-buffer limit of a connection not in subscribed mode (normal class),
// and its log line; true when it must be closed.
bool output_limit_reached(ClientState& client, std::size_t used);

}  // namespace kora::server

namespace kora::server {
// The "keymiss" notifications of one command run (class m): one per key that
// the command looks up for reading (Redis's lookupKeyRead) and does not find,
// in argument order, raised before the command runs — a key found expired is
// removed first ("expired", then "keymiss"), as in Redis. Called by
// call_command only when class m is on. Precondition: the caller holds the
// shards of argv's keys.
void announce_key_misses(const CommandSpec& spec, std::span<const std::string_view> argv,
                         core::ShardEngine& engine, int db, std::int64_t now_ms);
}  // namespace kora::server

namespace kora::server {
// INFO stats' pubsub_channels, pubsub_patterns, pubsubshard_channels (0 without
// a pub/sub service), each through `line(name, value)`.
void append_pubsub_stats(const ServerState* server,
                         const std::function<void(std::string_view, const std::string&)>& line);
}  // namespace kora::server
