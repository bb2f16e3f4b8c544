#include "connection.h"

#include "args.h"
#include "scripting.h"

#include <algorithm>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "kora/core/clock.h"
#include "kora/core/log.h"
#include "acl.h"
#include "acl_gate.h"
#include "blocking.h"
#include "client_commands.h"
#include "client_limits.h"
#include "maxmemory.h"
#include "kora/server/server_state.h"
#include "pubsub_service.h"
#include "server_shard.h"

namespace kora::server {
namespace {
constexpr std::size_t kReadChunk = 16 * 1024;
// Back-pressure: stop reading while this many replies are pending or buffered.
constexpr std::size_t kMaxPendingSlots = 1024 * 16;
constexpr std::size_t kMaxBufferedOutput = 64 * 1024 * 1024;
}  // namespace

void ConnectionRegistry::remove(Connection* c) {
  auto it = std::find(live_.begin(), live_.end(), c);
  if (it != live_.end()) {
    *it = live_.back();
    live_.pop_back();
  }
}

void ConnectionRegistry::close_all() {
  auto copy = live_;
  for (Connection* c : copy) c->close();
}

Connection::Connection(core::ShardEngine& engine, ServerState& state, ConnectionRegistry& registry,
                       core::ShardId worker, Transport socket)
    : engine_(engine),
      state_(state),
      registry_(registry),
      worker_(worker),
      socket_(std::move(socket)),
      pause_timer_(engine.io_context(worker)),
      block_timer_(engine.io_context(worker)),
      batches_(engine.shard_count()) {
  client_.id = state_.next_client_id.fetch_add(1, std::memory_order_relaxed);
  client_.is_connection = true;
  client_.addr = socket_.peer_address();
  client_.laddr = socket_.local_address();
  client_.unix_socket = socket_.is_unix();
  client_.fd = socket_.native_handle();
  client_.created_ms = core::now_ms();
  refresh_identity(client_);
  client_.pubsub = make_pubsub_client(state_, worker_, client_, [this](std::string_view b) { deliver_push(b); });
  state_.connected_clients.fetch_add(1, std::memory_order_relaxed);
  state_.total_connections.fetch_add(1, std::memory_order_relaxed);
  registry_.add(this);
}

Connection::~Connection() {
  if (!closed_) registry_.remove(this);
  state_.connected_clients.fetch_sub(1, std::memory_order_relaxed);
  registry_.destroyed();
}

void Connection::start() {
  socket_.prepare();
  in_.resize(kReadChunk);
  // ACL: the default user; DELUSER / ACL LOAD of its user closes it.
  client_.acl = acl_new_client([weak = weak_from_this(), engine = &engine_, worker = worker_] {
    engine->post(worker, [weak] {
      if (auto self = weak.lock()) self->close();
    });
  });
  client_registered();
  registry_.make_current();
  last_interaction_ms_ = core::now_ms();
  if (!socket_.is_unix()) apply_keepalive(socket_.native_handle());
  // maxclients: this connection is counted already; over the limit it gets
  // Redis's error and is closed.
  const bool over = state_.connected_clients.load(std::memory_order_relaxed) >
                    ClientLimits::instance().maxclients.load(std::memory_order_relaxed);
  socket_.start([self = shared_from_this(), over](const asio::error_code& ec) {
    if (ec) return self->close();  // e.g. a TLS handshake with garbage
    if (over) {
      ClientLimits::instance().rejected_connections.fetch_add(1, std::memory_order_relaxed);
      self->reply_error(core::error_message(core::Errc::kMaxClients));
      self->close_after_flush_ = true;
      self->flush_slots();
      return;
    }
    self->read_more();
  });
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  registry_.remove(this);
  if (blocking_ && blocking_->client->try_claim()) release_blocked(engine_, blocking_->client);
  if (blocking_) state_.forget_blocked(client_.id);
  blocking_.reset();
  block_timer_.cancel();
  unwatch_all();
  if (client_.pubsub) client_.pubsub->detach();
  client_closed();
  socket_.close();
}

void Connection::read_more() {
  if (closed_ || reading_ || close_after_flush_) return;
  if (slots_.size() >= kMaxPendingSlots || out_.size() + wbuf_.size() >= kMaxBufferedOutput) {
    return;  // resumed by flush_slots / write completion
  }
  // Make room: move unread bytes to the front, then grow to what the parser needs.
  if (in_begin_ > 0) {
    std::copy(in_.begin() + static_cast<long>(in_begin_), in_.begin() + static_cast<long>(in_end_),
              in_.begin());
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  std::size_t want = std::max(in_end_ + kReadChunk, parser_.bytes_hint());
  if (in_.size() < want) in_.resize(want);
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
      [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
        self->reading_ = false;
        if (ec || self->closed_) {
          self->close();
          return;
        }
        self->in_end_ += n;
        self->last_interaction_ms_ = core::now_ms();
        ClientLimits& limits = ClientLimits::instance();
        limits.net_input_bytes.fetch_add(n, std::memory_order_relaxed);
        // client-query-buffer-limit: unparsed input (or the frame being read)
        // past it closes the client, as Redis does.
        const std::size_t pending = std::max(self->in_end_ - self->in_begin_, self->parser_.bytes_hint());
        if (pending > static_cast<std::size_t>(limits.client_query_buffer_limit.load(std::memory_order_relaxed))) {
          core::log(core::LogLevel::kWarning,
                    "Closing client that reached max query buffer length: id=%llu addr=%s qbuf=%zu",
                    static_cast<unsigned long long>(self->client_.id), self->client_.addr.c_str(), pending);
          self->close();
          return;
        }
        self->process_input();
        self->read_more();
      });
}

void Connection::process_input() {
  {
    // Commands on this worker's keys run inline: own the shard while parsing and
    // executing (an embedded caller may be inside it for one operation).
    core::ShardEngine::OwnershipGuard own(engine_, worker_);
    parse_and_execute();
  }
  // Rewind an empty buffer, but never under a read in flight: it is writing at
  // the old in_end_.
  if (in_begin_ == in_end_ && !reading_) in_begin_ = in_end_ = 0;
  send_batches();
  flush_slots();
}

void Connection::parse_and_execute() {
  while (in_begin_ < in_end_ && !close_after_flush_ && !tx_ && !blocking_ &&
         slots_.size() < kMaxPendingSlots) {
    std::string_view data(in_.data() + in_begin_, in_end_ - in_begin_);
    std::size_t consumed = 0;
    parser_.set_unauthenticated(acl_auth_required(client_));
    parser_.set_max_bulk_length(
        static_cast<std::size_t>(ClientLimits::instance().proto_max_bulk_len.load(std::memory_order_relaxed)));
    auto status = parser_.parse(data, argv_, consumed);
    if (status == protocol::RequestParser::Status::kNeedMore) break;
    if (status == protocol::RequestParser::Status::kError) {
      reply_error(parser_.error());
      close_after_flush_ = true;  // as Redis: reply, then close
      in_begin_ = in_end_;
      break;
    }
    if (status == protocol::RequestParser::Status::kCommand) {
      if (!client_may_run(argv_)) break;  // CLIENT PAUSE: parsed again on resume()
      const ReplyMark mark = reply_mark();
      handle_command(argv_);
      client_ran(argv_, mark);
    }
    in_begin_ += consumed;
  }
}

std::string& Connection::immediate_reply() {
  if (slots_.empty()) return out_;
  Slot& s = new_slot();
  s.ready = true;
  return s.reply;
}

void Connection::reply_error(std::string_view message) {
  protocol::ReplyWriter(&immediate_reply(), client_.resp).error(message);
}

Connection::Slot& Connection::new_slot() { return slots_.emplace_back(); }

void Connection::handle_command(std::span<const std::string_view> argv) {
  state_.total_commands.fetch_add(1, std::memory_order_relaxed);
  std::string error;
  const CommandSpec* spec = lookup(argv, error);
  if (spec && client_.pubsub) {
    const PubSubGate gate = pubsub_gate(client_, *spec, error);
    if (gate == PubSubGate::kPing) {
      count_command(*spec, argv, {});
      return pubsub_ping_reply(argv, immediate_reply());
    }
    if (gate == PubSubGate::kReject) spec = nullptr;  // refused like an unknown command
  }
  if (!spec) {
    // Rejected before running: counted by error prefix (and by command when the
    // name was known: a wrong number of arguments).
    if (const CommandSpec* named = CommandTable::instance().find(argv[0])) {
      ErrorStats::instance().count_rejected(*named);
    }
    ErrorStats::instance().count_error(error);
  }
  if (spec) {
    // Authentication and ACL, before the command is queued or planned.
    const GateVerdict gate = acl_gate(client_, *spec, argv, multi_.has_value(), error);
    if (gate == GateVerdict::kClose) {
      close_after_flush_ = true;
      close();
      return;
    }
    if (gate == GateVerdict::kReject) {
      ErrorStats::instance().count_rejected(*spec);
      ErrorStats::instance().count_error(error);
      if (spec->name == "exec") {  // as Redis: a refused EXEC discards the block
        multi_.reset();
        unwatch_all();
        return reply_error(core::error_message(core::Errc::kExecAbortBecause, error));
      }
      spec = nullptr;
    }
  }
  if (spec && ScriptMonitor::instance().busy()) [[unlikely]] {
    // A script is past busy-reply-threshold: only SCRIPT KILL, FUNCTION
    // KILL/STATS, SHUTDOWN NOSAVE, AUTH and HELLO are served (the kill
    // commands here, whatever shard is held).
    if (!allowed_while_busy(argv)) {
      reply_error(core::error_message(ScriptMonitor::instance().busy_error()));
      return;
    }
    const bool script_kill = iequals(argv[0], "script");
    if (script_kill || (iequals(argv[0], "function") && iequals(argv[1], "kill"))) {
      if (auto err = ScriptMonitor::instance().kill(script_kill)) {
        reply_error(core::error_message(*err));
      } else {
        protocol::ReplyWriter(&immediate_reply(), client_.resp).ok();
      }
      return;
    }
  }
  if (handle_multi(spec, argv, error)) return;
  if (!spec) {
    reply_error(error);
    return;
  }
  plan_command(*spec, argv, engine_, worker_, plan_);
  const bool blocking = spec->flags & kBlocking;
  // A command that needs this client's state runs on this worker: when its
  // keys are on another shard it borrows them, as a transaction does.
  // (Also when this worker's shard is lent: a hop would lose the client state.)
  const bool needs_client =
      (spec->flags & kConnection) && (plan_.shard != worker_ || engine_.is_lent(worker_));
  if (!plan_.single || plan_.cross_shard || needs_client) {
    std::vector<Transaction::Command> commands(1);
    commands[0].plan = std::move(plan_);
    plan_ = Plan{};
    commands[0].argv.assign(argv.begin(), argv.end());
    const std::uint64_t slot = slot_base_ + slots_.size();
    new_slot();
    std::shared_ptr<BlockedClient> blocker;
    if (blocking) blocker = make_blocker(*spec, argv, slot);
    begin_transaction(std::move(commands), /*exec=*/false, slot, std::move(blocker));
    return;
  }
  if (blocking) {
    // Its reply gets a slot, and nothing after it is parsed until it is answered.
    const std::uint64_t slot = slot_base_ + slots_.size();
    new_slot();
    std::shared_ptr<BlockedClient> blocker = make_blocker(*spec, argv, slot);
    if (plan_.shard == worker_ && !engine_.is_lent(worker_)) {
      CallEnv e = env();
      e.client = nullptr;
      e.blocker = blocker;
      std::string reply;
      if (call_command(*spec, argv, engine_.shard(worker_), e, reply) == CallStatus::kBlocked) {
        on_blocked(slot);
      } else {
        blocking_.reset();
        fill_slot(slot, std::move(reply));
      }
      return;
    }
    queue_remote(plan_.shard, *spec, argv, slot, std::move(blocker));
    return;
  }
  if (plan_.shard == worker_ && !engine_.is_lent(worker_)) {
    // The fast path: run inline, straight into the output (or an in-order slot).
    CallEnv e = env();
    if (!(spec->flags & kConnection)) {
      e.client = nullptr;
    } else {
      client_.qbuf = in_end_ - in_begin_;
      client_.qbuf_free = in_.size() - in_end_;
      client_.obl = out_.size();
      client_.oll = slots_.size();
      client_.omem = out_.size() + wbuf_.size();
      client_.tot_mem = in_.capacity() + out_.capacity() + wbuf_.capacity();
    }
    const auto who = client_.identity;  // alive until the run ends: SETNAME/TRACKING replace it
    call_command(*spec, argv, engine_.shard(worker_), e, immediate_reply());
    if (client_.close_after_reply) close_after_flush_ = true;
    return;
  }
  // Another shard's key, or this shard is lent to a transaction: one hop (to
  // ourselves in the latter case, where the call waits for the shard).
  std::uint64_t seq = slot_base_ + slots_.size();
  new_slot();
  queue_remote(plan_.shard, *spec, argv, seq, nullptr);
}

std::shared_ptr<BlockedClient> Connection::make_blocker(const CommandSpec& spec,
                                                        std::span<const std::string_view> argv,
                                                        std::uint64_t slot) {
  auto c = std::make_shared<BlockedClient>();
  c->client_id = client_.id;
  c->spec = &spec;
  c->argv.assign(argv.begin(), argv.end());
  c->db = client_.db;
  c->resp = client_.resp;
  std::weak_ptr<Connection> weak = weak_from_this();
  core::ShardEngine* engine = &engine_;
  core::ShardId home = worker_;
  c->deliver = [weak, engine, home, slot](std::string reply, bool retry) {
    engine->post(home, [weak, slot, reply = std::move(reply), retry]() mutable {
      if (auto self = weak.lock()) self->on_unblocked(slot, std::move(reply), retry);
    });
  };
  blocking_ = Blocking{slot, c};
  return c;
}

void Connection::on_blocked(std::uint64_t slot) {
  if (closed_ || !blocking_ || blocking_->slot != slot || blocking_->registered) return;
  if (blocking_->client->done.load(std::memory_order_acquire)) return;  // answered already
  blocking_->registered = true;
  state_.remember_blocked(client_.id, blocking_->client);
  const std::int64_t deadline = blocking_->client->deadline_ms;
  if (deadline == 0) return;
  block_timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(0, deadline - core::now_ms())));
  block_timer_.async_wait([self = shared_from_this(), slot](const asio::error_code& ec) {
    if (ec || !self->blocking_ || self->blocking_->slot != slot) return;
    const std::shared_ptr<BlockedClient>& c = self->blocking_->client;
    // Unless served meanwhile (its answer is then on its way).
    answer_blocked(self->engine_, c, timeout_reply(*c->spec, c->resp));
  });
}

void Connection::on_unblocked(std::uint64_t slot, std::string reply, bool retry) {
  if (closed_ || !blocking_ || blocking_->slot != slot) return;
  block_timer_.cancel();
  state_.forget_blocked(client_.id);
  if (retry) {
    std::vector<std::string> argv = std::move(blocking_->client->argv);
    blocking_.reset();
    rerun_blocking(std::move(argv), slot);
    return;
  }
  blocking_.reset();
  fill_slot(slot, std::move(reply));
  flush_slots();
  if (in_begin_ < in_end_ && !reading_) process_input();
  read_more();
}

void Connection::rerun_blocking(std::vector<std::string> argv, std::uint64_t slot) {
  std::vector<std::string_view> views(argv.begin(), argv.end());
  std::string ignored;
  const CommandSpec* spec = lookup(views, ignored);
  std::vector<Transaction::Command> commands(1);
  plan_command(*spec, views, engine_, worker_, commands[0].plan);
  std::shared_ptr<BlockedClient> blocker = make_blocker(*spec, views, slot);
  commands[0].argv = std::move(argv);
  begin_transaction(std::move(commands), /*exec=*/false, slot, std::move(blocker));
}

void Connection::fill_slot(std::uint64_t slot, std::string reply) {
  if (slot < slot_base_) return;
  Slot& s = slots_[slot - slot_base_];
  if (s.ready) return;
  s.reply = std::move(reply);
  s.ready = true;
}

void Connection::unwatch_all() {
  if (!client_.watch) return;
  std::shared_ptr<WatchSession> session = std::move(client_.watch);
  for (const WatchedKey& k : client_.watched) {
    engine_.post_data(k.shard, [engine = &engine_, k, session] {
      ServerShard::of(engine->shard(k.shard)).unwatch(k.db, k.key, session.get());
    });
  }
  client_.watched.clear();
}

bool Connection::watch_failed() {
  if (!client_.watch) return false;
  if (client_.watch->dirty.load(std::memory_order_acquire)) return true;
  // As Redis 7.0: a watched key that has expired since (not one already
  // expired when watched) fails the EXEC even if nobody deleted it yet.
  const std::int64_t now = core::now_ms();
  for (const WatchedKey& k : client_.watched) {
    if (k.stale) continue;
    const core::Entry* e = engine_.shard(k.shard).db(k.db).peek(k.key);
    if (e && core::Db::is_expired(*e, now)) return true;
  }
  return false;
}

void Connection::count_command(const CommandSpec& spec, std::span<const std::string_view> argv,
                               std::string_view error) {
  auto record = [engine = &engine_, spec = &spec, shard = worker_, db = client_.db, error = std::string(error),
                 argv = std::vector<std::string>(argv.begin(), argv.end()), who = client_.identity] {
    CommandRun run(*spec, engine->shard(shard), db);
    run.finish(error, [&] { return argv; }, who.get());
  };
  // The stats belong to the shard: count now if this worker holds it, else
  // once it is given back.
  if (!engine_.is_lent(worker_)) {
    record();
  } else {
    engine_.post_data(worker_, std::move(record));
  }
}

bool Connection::handle_multi(const CommandSpec* spec, std::span<const std::string_view> argv,
                              const std::string& lookup_error) {
  std::string_view name = spec ? spec->name : std::string_view();
  if (!multi_) {
    if (name == "multi") {
      multi_.emplace();
      multi_rejected_ = false;
      count_command(*spec, argv, {});
      protocol::ReplyWriter(&immediate_reply(), client_.resp).ok();
      return true;
    }
    if (name == "exec" || name == "discard") {
      const std::string error =
          core::error_message(core::Errc::kWithoutMulti, name == "exec" ? "EXEC" : "DISCARD");
      count_command(*spec, argv, error);
      reply_error(error);
      return true;
    }
    if (name == "unwatch") unwatch_all();  // then the handler replies OK
    return false;
  }
  // Inside MULTI, as Redis: these run now; everything else is queued.
  if (name == "exec") {
    std::vector<std::vector<std::string>> queued = std::move(*multi_);
    bool rejected = multi_rejected_;
    multi_.reset();
    if (rejected) {
      unwatch_all();
      const std::string error = core::error_message(core::Errc::kExecAbort);
      count_command(*spec, argv, error);
      reply_error(error);
      return true;
    }
    std::vector<Transaction::Command> commands(queued.size());
    bool denyoom = false;
    for (std::size_t i = 0; i < queued.size(); ++i) {
      commands[i].argv = std::move(queued[i]);
      std::vector<std::string_view> views(commands[i].argv.begin(), commands[i].argv.end());
      std::string ignored;
      const CommandSpec* queued_spec = lookup(views, ignored);
      denyoom |= (queued_spec->flags & kDenyOom) != 0;
      plan_command(*queued_spec, views, engine_, worker_, commands[i].plan);
    }
    if (denyoom && over_limit_without_remedy(engine_)) {
      // maxmemory: a block that may use memory is refused whole (Redis's execCommandAbort).
      unwatch_all();
      const std::string error =
          core::error_message(core::Errc::kExecAbortBecause, core::error_message(core::Errc::kOutOfMemory));
      count_command(*spec, argv, error);
      reply_error(error);
      return true;
    }
    const std::uint64_t slot = slot_base_ + slots_.size();
    new_slot();
    begin_transaction(std::move(commands), /*exec=*/true, slot, nullptr);
    return true;
  }
  if (name == "discard") {
    multi_.reset();
    unwatch_all();
    count_command(*spec, argv, {});
    protocol::ReplyWriter(&immediate_reply(), client_.resp).ok();
    return true;
  }
  if (name == "multi" || name == "watch") {
    const std::string error =
        core::error_message(name == "multi" ? core::Errc::kMultiNested : core::Errc::kWatchInMulti);
    count_command(*spec, argv, error);
    reply_error(error);
    return true;
  }
  if (name == "quit" || name == "reset") return false;
  if (!spec) {
    // Rejected before queueing: the error now, and EXEC will abort.
    multi_rejected_ = true;
    reply_error(lookup_error);
    return true;
  }
  if (over_limit_without_remedy(engine_)) {
    // maxmemory: queueing may use unbounded memory, so Redis refuses every
    // command inside MULTI when out of memory (EXEC will abort).
    multi_rejected_ = true;
    const std::string error = core::error_message(core::Errc::kOutOfMemory);
    count_command(*spec, argv, error);
    reply_error(error);
    return true;
  }
  multi_->emplace_back(argv.begin(), argv.end());
  protocol::ReplyWriter(&immediate_reply(), client_.resp).simple("QUEUED");
  return true;
}

void Connection::begin_transaction(std::vector<Transaction::Command> commands, bool exec,
                                   std::uint64_t slot, std::shared_ptr<BlockedClient> blocker) {
  // Everything parsed before this command must reach its shard first.
  send_batches();
  tx_ = std::make_unique<Transaction>();
  Transaction& tx = *tx_;
  tx.commands = std::move(commands);
  tx.exec = exec;
  tx.slot = slot;
  tx.blocker = std::move(blocker);
  for (const auto& command : tx.commands) {
    std::vector<std::string_view> views(command.argv.begin(), command.argv.end());
    std::vector<core::ShardId> shards = transaction_shards(command.plan, views, engine_);
    if (command.plan.single && !command.plan.cross_shard) shards.push_back(command.plan.shard);
    tx.shards.insert(tx.shards.end(), shards.begin(), shards.end());
  }
  if (exec) {
    // EXEC also takes this worker's shard, so that even a block of keyless
    // commands runs after a hop, never inside the parse loop; and the shards
    // of the watched keys, to check them.
    tx.shards.push_back(worker_);
    for (const WatchedKey& k : client_.watched) tx.shards.push_back(k.shard);
  }
  std::sort(tx.shards.begin(), tx.shards.end());
  tx.shards.erase(std::unique(tx.shards.begin(), tx.shards.end()), tx.shards.end());
  borrow_next_shard();
}

void Connection::borrow_next_shard() {
  Transaction& tx = *tx_;
  if (tx.granted == tx.shards.size()) {
    run_transaction();
    return;
  }
  core::ShardId home = worker_;
  engine_.lend(tx.shards[tx.granted], [self = shared_from_this(), home] {
    self->engine_.post(home, [self] {
      ++self->tx_->granted;
      self->borrow_next_shard();
    });
  });
}

void Connection::run_transaction() {
  Transaction& tx = *tx_;
  std::string reply;
  bool blocked = false;
  const auto who = client_.identity;  // alive until the run ends: SETNAME/TRACKING replace it
  begin_transaction_feed(engine_, tx.shards);
  if (tx.exec) {
    // EXEC itself is counted on this worker's shard, which it holds.
    static const CommandSpec& exec_spec = *CommandTable::instance().find("exec");
    CommandRun run(exec_spec, engine_.shard(worker_), client_.db);
    run.skip_slowlog();
    run.skip_feed();  // its commands publish their own effects
    if (watch_failed()) {
      protocol::ReplyWriter(&reply, client_.resp).null_array();
    } else {
      protocol::ReplyWriter(&reply, client_.resp).array(tx.commands.size());
      CallEnv e = env();
      e.no_block = true;  // inside EXEC nothing blocks
      for (const auto& command : tx.commands) {
        std::vector<std::string_view> argv(command.argv.begin(), command.argv.end());
        e.db = client_.db;  // a SELECT in the block applies to what follows
        e.resp = client_.resp;
        std::string denied;
        if (!acl_exec_recheck(client_, *command.plan.spec, argv, denied)) {
          protocol::ReplyWriter(&reply, client_.resp).error(denied);
          continue;
        }
        run_planned(command.plan, argv, e, reply);
      }
    }
    run.finish({}, [] { return std::vector<std::string>{"EXEC"}; }, client_.identity.get());
  } else {
    CallEnv e = env();
    e.blocker = tx.blocker;
    const auto& command = tx.commands.front();
    std::vector<std::string_view> argv(command.argv.begin(), command.argv.end());
    blocked = run_planned(command.plan, argv, e, reply) == CallStatus::kBlocked;
  }
  finish_transaction(engine_, tx.shards, &state_);
  if (tx.exec) unwatch_all();
  for (core::ShardId s : tx.shards) engine_.give_back(s);
  const std::uint64_t slot = tx.slot;
  tx_.reset();
  if (blocked) {
    on_blocked(slot);
  } else {
    if (blocking_ && blocking_->slot == slot) blocking_.reset();
    fill_slot(slot, std::move(reply));
  }
  if (client_.close_after_reply) close_after_flush_ = true;
  if (closed_) return;
  flush_slots();
  process_input();
  read_more();
}

void Connection::queue_remote(core::ShardId shard, const CommandSpec& spec,
                              std::span<const std::string_view> argv, std::uint64_t slot,
                              std::shared_ptr<BlockedClient> blocker) {
  RemoteCall& call = batches_[shard].emplace_back();
  call.spec = &spec;
  call.db = client_.db;
  call.resp = client_.resp;
  call.slot = slot;
  call.blocker = std::move(blocker);
  call.who = client_.identity;
  std::size_t total = 0;
  for (auto a : argv) total += a.size();
  call.data.reserve(total);
  call.lens.reserve(argv.size());
  for (auto a : argv) {
    call.data.append(a);
    call.lens.push_back(static_cast<std::uint32_t>(a.size()));
  }
}

void Connection::send_batches() {
  for (core::ShardId s = 0; s < batches_.size(); ++s) {
    if (batches_[s].empty()) continue;
    engine_.post_data(s, [self = shared_from_this(), calls = std::move(batches_[s]), s,
                          who = client_.identity]() mutable {
      // On shard s: run each call in order, then send every answer back in one message.
      core::ShardEngine& engine = self->engine_;
      std::vector<RemoteResult> results(calls.size());
      std::vector<std::string_view> argv;
      for (std::size_t i = 0; i < calls.size(); ++i) {
        RemoteCall& c = calls[i];
        argv.clear();
        std::size_t off = 0;
        for (std::uint32_t len : c.lens) {
          argv.emplace_back(c.data.data() + off, len);
          off += len;
        }
        results[i].slot = c.slot;
        CallEnv env{engine, &self->state_, c.db, c.resp, nullptr, c.who ? c.who.get() : who.get()};
        env.blocker = std::move(c.blocker);
        results[i].blocked =
            call_command(*c.spec, argv, engine.shard(s), env, results[i].reply) == CallStatus::kBlocked;
      }
      core::ShardId home = self->worker_;
      engine.post(home, [self = std::move(self), results = std::move(results)]() mutable {
        self->on_results(results);
      });
    });
    batches_[s] = {};
  }
}

void Connection::on_results(std::vector<RemoteResult>& results) {
  if (closed_) return;
  for (RemoteResult& r : results) {
    if (r.blocked) {
      on_blocked(r.slot);
      continue;
    }
    if (blocking_ && blocking_->slot == r.slot) blocking_.reset();
    fill_slot(r.slot, std::move(r.reply));
  }
  flush_slots();
  // Input held back by the pending-slot limit can be parsed now.
  if (in_begin_ < in_end_ && !reading_) process_input();
  read_more();
}

void Connection::flush_slots() {
  while (!slots_.empty() && slots_.front().ready) {
    if (slots_.front().drop) {
      // CLIENT REPLY OFF / SKIP
    } else if (out_.empty()) {
      out_.swap(slots_.front().reply);
    } else {
      out_.append(slots_.front().reply);
    }
    slots_.pop_front();
    ++slot_base_;
  }
  write_out();
}

void Connection::write_out() {
  if (closed_ || writing_) return;
  if (out_.empty()) {
    if (close_after_flush_ && slots_.empty()) close();
    return;
  }
  // Try a direct non-blocking write first: it almost always takes everything,
  // and saves a trip through the reactor.
  asio::error_code ec;
  std::size_t n = socket_.try_write(asio::buffer(out_), ec);
  if (ec) {
    close();
    return;
  }
  ClientLimits::instance().net_output_bytes.fetch_add(n, std::memory_order_relaxed);
  if (n == out_.size()) {
    out_.clear();
    if (close_after_flush_ && slots_.empty()) close();
    return;
  }
  out_.erase(0, n);
  if (client_.pubsub && output_limit_reached(client_, out_.size())) {
    close();
    return;
  }
  wbuf_.swap(out_);
  writing_ = true;
  socket_.async_write(asio::buffer(wbuf_),
                    [self = shared_from_this()](const asio::error_code& wec, std::size_t written) {
                      ClientLimits::instance().net_output_bytes.fetch_add(written, std::memory_order_relaxed);
                      self->writing_ = false;
                      self->wbuf_.clear();
                      if (wec) {
                        self->close();
                        return;
                      }
                      self->write_out();
                      self->read_more();
                    });
}

void Connection::deliver_push(std::string_view bytes) {
  if (closed_ || push_closing_) return;
  if (slots_.empty()) {
    out_.append(bytes);
  } else {
    Slot& s = new_slot();
    s.ready = true;
    s.reply.assign(bytes);
  }
  std::size_t used = out_.size() + wbuf_.size();
  for (const Slot& s : slots_) used += s.reply.size();
  if (output_limit_reached(client_, used)) {
    // Not here: the broker is iterating this worker's subscribers.
    asio::post(engine_.io_context(worker_), [self = shared_from_this()] { self->close(); });
    push_closing_ = true;
    return;
  }
  if (push_flush_posted_) return;
  push_flush_posted_ = true;
  // One write for every message delivered in this batch of tasks.
  asio::post(engine_.io_context(worker_), [self = shared_from_this()] {
    self->push_flush_posted_ = false;
    self->flush_slots();
  });
}

}  // namespace kora::server

namespace kora::server {

void Connection::check_idle(std::int64_t now_ms, std::int64_t timeout_s) {
  if (closed_ || blocking_ || tx_ || (client_.pubsub && client_.pubsub->active())) return;
  if (now_ms - last_interaction_ms_ <= timeout_s * 1000) return;
  core::log(core::LogLevel::kVerbose, "Closing idle client id=%llu addr=%s",
            static_cast<unsigned long long>(client_.id), client_.addr.c_str());
  close();
}

}  // namespace kora::server
