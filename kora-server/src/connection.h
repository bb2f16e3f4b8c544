#pragma once
// Connection: one client socket, owned by the worker that accepted it.
//
// Requests are parsed from the read buffer and answered strictly in order. A
// command whose keys live on this worker's shard runs inline; one for another
// shard is copied into a per-shard batch that is sent as one message at the end
// of the read pass (one hop there, one back). A command that needs several shards
// (keys on several shards, or every shard) runs as a cross-shard transaction:
// the connection borrows each shard in ascending order, runs the command on its
// own worker, gives the shards back, and parses nothing else meanwhile, so no
// later command of the connection can overtake it. Replies that must wait hold a
// slot in `slots_`; ready slots are flushed to the socket in order.
//
// Every member is touched only on the owning worker's thread. Remote shards hold
// a shared_ptr to the connection until their answer has been delivered.

#include "client_registry.h"
#include "transport.h"

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kora/core/engine.h"
#include "kora/protocol/request_parser.h"
#include "kora/server/call.h"
#include "kora/server/command.h"
#include "kora/server/dispatch.h"

namespace kora::server {

class ConnectionRegistry;

class Connection : public std::enable_shared_from_this<Connection>, public ClientHandle {
 public:
  Connection(core::ShardEngine& engine, ServerState& state, ConnectionRegistry& registry,
             core::ShardId worker, Transport socket);
  ~Connection() override;

  void start();
  // Closes the socket; pending remote answers are dropped when they arrive. A
  // blocked command is released and watched keys forgotten.
  void close();

  // ClientHandle (connection_client.cc): what other workers ask through the
  // ClientRegistry, run on this connection's worker.
  void kill() override;
  void push(std::string_view bytes) override;
  int resp() const override { return client_.resp; }
  void resume() override;
  void redirect_broken(std::uint64_t target) override;

  // A script is past busy-reply-threshold on this connection's worker, whose
  // event loop is stuck in it (busy_serve.cc): answers the whole commands
  // waiting in an idle plain-socket client's kernel buffer (-BUSY, SCRIPT /
  // FUNCTION KILL, FUNCTION STATS, AUTH...) without the loop. A client with
  // anything in flight, or on TLS, waits for the script to end.
  void serve_while_busy();
  // The idle `timeout` (client_limits.h): closes this connection when no request came
  // for more than `timeout_s` seconds, unless it is subscribed, blocked or
  // running a transaction (as Redis's clientsCronHandleTimeout). On its worker.
  void check_idle(std::int64_t now_ms, std::int64_t timeout_s);

 private:
  // A command sent to another shard; its argv is owned and packed.
  struct RemoteCall {
    const CommandSpec* spec;
    int db;
    int resp;
    std::uint64_t slot;
    std::string data;                 // the arguments, back to back
    std::vector<std::uint32_t> lens;  // length of each argument
    std::shared_ptr<BlockedClient> blocker;  // blocking commands only
    std::shared_ptr<const ClientIdentity> who;  // as when parsed (CLIENT CACHING's one command)
  };
  struct RemoteResult {
    std::uint64_t slot;
    std::string reply;
    bool blocked = false;
  };
  struct Slot {
    bool ready = false;
    bool drop = false;  // CLIENT REPLY OFF / SKIP: never written
    std::string reply;
  };
  // Where the replies of the next command start (CLIENT REPLY OFF / SKIP).
  struct ReplyMark {
    std::size_t out = 0;
    std::uint64_t slot = 0;
  };
  // The transaction in flight (at most one per connection): one command whose
  // keys span shards (or that needs the client state on another shard), or the
  // commands of a MULTI/EXEC block.
  struct Transaction {
    struct Command {
      Plan plan;
      std::vector<std::string> argv;  // owned: the read buffer may move meanwhile
    };
    std::vector<Command> commands;
    bool exec = false;                  // MULTI/EXEC: reply with an array of replies
    std::vector<core::ShardId> shards;  // ascending
    std::size_t granted = 0;
    std::uint64_t slot = 0;
    std::shared_ptr<BlockedClient> blocker;  // a single blocking command
  };
  // The blocking command in flight: parsing waits until it is answered.
  struct Blocking {
    std::uint64_t slot;
    std::shared_ptr<BlockedClient> client;  // holds the command's argv
    bool registered = false;                // the handler blocked; the timer runs
  };

  void read_more();
  void process_input();
  void parse_and_execute();
  void handle_command(std::span<const std::string_view> argv);
  void reply_error(std::string_view message);
  Slot& new_slot();
  void queue_remote(core::ShardId shard, const CommandSpec& spec,
                    std::span<const std::string_view> argv, std::uint64_t slot,
                    std::shared_ptr<BlockedClient> blocker);
  // The environment of a command this connection runs.
  // The identity is pinned until the next env(): a command that replaces it
  // (CLIENT SETNAME) is still logged (SLOWLOG) under the one it ran with.
  CallEnv env() {
    running_identity_ = client_.identity;
    return CallEnv{engine_, &state_, client_.db, client_.resp, &client_, running_identity_.get()};
  }
  // Blocking commands: a waiter whose answers come back to this connection.
  std::shared_ptr<BlockedClient> make_blocker(const CommandSpec& spec,
                                              std::span<const std::string_view> argv,
                                              std::uint64_t slot);
  // The handler blocked: arm the timeout (unless already answered).
  void on_blocked(std::uint64_t slot);
  // A blocked command was answered (served, timed out, unblocked), or must run
  // again (retry).
  void on_unblocked(std::uint64_t slot, std::string reply, bool retry);
  void fill_slot(std::uint64_t slot, std::string reply);
  // Runs `argv` (a command that may need several shards) again as a
  // transaction, for a blocked BLMOVE whose keys span shards.
  void rerun_blocking(std::vector<std::string> argv, std::uint64_t slot);
  // Counts a command the connection answers itself (MULTI, DISCARD, EXEC
  // errors) in the statistics of this worker's shard.
  void count_command(const CommandSpec& spec, std::span<const std::string_view> argv,
                     std::string_view error);
  // Forgets every watched key (UNWATCH, after EXEC/DISCARD, disconnect).
  void unwatch_all();
  // WATCH touched or expired: EXEC must fail. Precondition: holding the shards
  // of every watched key.
  bool watch_failed();
  void send_batches();
  void on_results(std::vector<RemoteResult>& results);
  // Handles MULTI, EXEC, DISCARD and queueing inside MULTI; false when `argv`
  // is an ordinary command to run now.
  bool handle_multi(const CommandSpec* spec, std::span<const std::string_view> argv,
                    const std::string& lookup_error);
  // Where a reply produced right now goes: the output, or a ready slot behind
  // replies still pending.
  std::string& immediate_reply();
  void begin_transaction(std::vector<Transaction::Command> commands, bool exec,
                         std::uint64_t slot, std::shared_ptr<BlockedClient> blocker);
  void borrow_next_shard();
  void run_transaction();
  void flush_slots();
  void write_out();
  // A pub/sub push (message, keyspace notification): buffered behind pending
  // replies and written once per batch; over the output-buffer limit the
  // connection is closed (pubsub_service.h).
  void deliver_push(std::string_view bytes);

  // --- client management (connection_client.cc) ---
  // Registers the client in the process-wide ClientRegistry.
  void client_registered();
  void client_closed();
  // Before a parsed command: false when it must wait (CLIENT PAUSE), and then
  // stays unparsed until resume(); true when it may run now.
  bool client_may_run(std::span<const std::string_view> argv);
  // After handle_command: CLIENT REPLY, MONITOR, CLIENT CACHING, the
  // registry's snapshot.
  void client_ran(std::span<const std::string_view> argv, ReplyMark mark);
  ReplyMark reply_mark() const { return ReplyMark{out_.size(), slot_base_ + slots_.size()}; }
  void feed_monitors(std::span<const std::string_view> argv, int db);
  void update_snapshot(std::string_view cmd);

  core::ShardEngine& engine_;
  ServerState& state_;
  ConnectionRegistry& registry_;
  const core::ShardId worker_;
  Transport socket_;
  ClientState client_;
  std::shared_ptr<const ClientIdentity> running_identity_;  // see env()
  std::shared_ptr<ClientEntry> entry_;      // in the ClientRegistry
  asio::steady_timer pause_timer_;          // CLIENT PAUSE: resume by its end
  bool paused_ = false;
  std::vector<std::vector<std::string>> exec_monitor_;  // EXEC's commands, for MONITOR

  protocol::RequestParser parser_;
  std::vector<char> in_;
  std::size_t in_begin_ = 0, in_end_ = 0;
  std::vector<std::string_view> argv_;
  Plan plan_;
  std::unique_ptr<Transaction> tx_;
  std::optional<Blocking> blocking_;
  asio::steady_timer block_timer_;
  // Commands queued since MULTI (nullopt outside MULTI), and whether one of them
  // was rejected (EXEC then aborts).
  std::optional<std::vector<std::vector<std::string>>> multi_;
  bool multi_rejected_ = false;

  std::string out_;     // replies waiting to be written
  std::string wbuf_;    // the buffer of the write in flight
  bool writing_ = false;
  bool reading_ = false;
  bool closed_ = false;
  bool close_after_flush_ = false;
  std::int64_t last_interaction_ms_ = 0;  // last read (idle timeout)
  bool push_flush_posted_ = false;  // a deferred flush of pushed messages is queued
  bool push_closing_ = false;       // over the output-buffer limit: closing

  std::deque<Slot> slots_;
  std::uint64_t slot_base_ = 0;  // sequence number of slots_.front()
  std::vector<std::vector<RemoteCall>> batches_;  // per target shard, this pass
};

// The connections of one worker, so that stop() can close them. Worker-local.
// Counts connection objects, not just open sockets: a closed connection lives on
// until its last pending handler or remote answer has run, and the server must
// not go away before then.
// Serves the calling worker's idle clients while a script it runs is busy
// (Connection::serve_while_busy). Called from the script's hook.
void serve_clients_while_busy();

class ConnectionRegistry {
 public:
  void add(Connection* c) {
    live_.push_back(c);
    ++objects_;
  }
  void remove(Connection* c);    // the socket closed
  void destroyed() { --objects_; }  // the object is gone
  void close_all();
  std::size_t objects() const { return objects_; }
  // The registry of the calling worker (set when its first connection starts).
  static ConnectionRegistry* current();
  void make_current();
  // Calls fn(connection) for each open connection (fn may close it).
  template <typename F>
  void for_each(F&& fn) {
    auto copy = live_;
    for (Connection* c : copy) fn(*c);
  }

 private:
  std::vector<Connection*> live_;
  std::size_t objects_ = 0;
};

}  // namespace kora::server
