#include "connection.h"

#include "args.h"

#include <algorithm>
#include <asio/write.hpp>

#include "kora/core/clock.h"
#include "kora/server/server_state.h"

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
                       core::ShardId worker, asio::ip::tcp::socket socket)
    : engine_(engine),
      state_(state),
      registry_(registry),
      worker_(worker),
      socket_(std::move(socket)),
      batches_(engine.shard_count()) {
  client_.id = state_.next_client_id.fetch_add(1, std::memory_order_relaxed);
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
  asio::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  in_.resize(kReadChunk);
  read_more();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  registry_.remove(this);
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
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
  while (in_begin_ < in_end_ && !close_after_flush_ && !tx_ && slots_.size() < kMaxPendingSlots) {
    std::string_view data(in_.data() + in_begin_, in_end_ - in_begin_);
    std::size_t consumed = 0;
    auto status = parser_.parse(data, argv_, consumed);
    if (status == protocol::RequestParser::Status::kNeedMore) break;
    if (status == protocol::RequestParser::Status::kError) {
      reply_error(parser_.error());
      close_after_flush_ = true;  // as Redis: reply, then close
      in_begin_ = in_end_;
      break;
    }
    if (status == protocol::RequestParser::Status::kCommand) handle_command(argv_);
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
  if (handle_multi(spec, argv, error)) return;
  if (!spec) {
    reply_error(error);
    return;
  }
  plan_command(*spec, argv, engine_, worker_, plan_);
  if (!plan_.single || plan_.cross_shard) {
    std::vector<Transaction::Command> commands(1);
    commands[0].plan = std::move(plan_);
    plan_ = Plan{};
    commands[0].argv.assign(argv.begin(), argv.end());
    begin_transaction(std::move(commands), /*exec=*/false);
    return;
  }
  ClientState* client = (spec->flags & kConnection) ? &client_ : nullptr;
  if (plan_.shard == worker_ && !engine_.is_lent(worker_)) {
    // The fast path: run inline, straight into the output (or an in-order slot).
    run_on_shard(spec->handler, argv, engine_, engine_.shard(worker_), client_.db, client_.resp,
                 client, &state_, immediate_reply());
    if (client_.close_after_reply) close_after_flush_ = true;
    return;
  }
  // Another shard's key, or this shard is lent to a transaction: one hop (to
  // ourselves in the latter case, where the call waits for the shard).
  std::uint64_t seq = slot_base_ + slots_.size();
  new_slot();
  queue_remote(plan_.shard, spec->handler, argv, seq);
}

bool Connection::handle_multi(const CommandSpec* spec, std::span<const std::string_view> argv,
                              const std::string& lookup_error) {
  std::string_view name = spec ? spec->name : std::string_view();
  if (!multi_) {
    if (name == "multi") {
      multi_.emplace();
      multi_rejected_ = false;
      protocol::ReplyWriter(&immediate_reply(), client_.resp).ok();
      return true;
    }
    if (name == "exec" || name == "discard") {
      reply_error("ERR " + std::string(name == "exec" ? "EXEC" : "DISCARD") + " without MULTI");
      return true;
    }
    return false;
  }
  // Inside MULTI, as Redis: these run now; everything else is queued.
  if (name == "exec") {
    std::vector<std::vector<std::string>> queued = std::move(*multi_);
    bool rejected = multi_rejected_;
    multi_.reset();
    if (rejected) {
      reply_error("EXECABORT Transaction discarded because of previous errors.");
      return true;
    }
    std::vector<Transaction::Command> commands(queued.size());
    for (std::size_t i = 0; i < queued.size(); ++i) {
      commands[i].argv = std::move(queued[i]);
      std::vector<std::string_view> views(commands[i].argv.begin(), commands[i].argv.end());
      std::string ignored;
      plan_command(*lookup(views, ignored), views, engine_, worker_, commands[i].plan);
    }
    begin_transaction(std::move(commands), /*exec=*/true);
    return true;
  }
  if (name == "discard") {
    multi_.reset();
    protocol::ReplyWriter(&immediate_reply(), client_.resp).ok();
    return true;
  }
  if (name == "multi") {
    reply_error("ERR MULTI calls can not be nested");
    return true;
  }
  if (name == "quit") return false;
  if (!spec && !argv.empty() && iequals(argv[0], "watch")) {
    reply_error("ERR WATCH inside MULTI is not allowed");
    return true;
  }
  if (!spec) {
    // Rejected before queueing: the error now, and EXEC will abort.
    multi_rejected_ = true;
    reply_error(lookup_error);
    return true;
  }
  multi_->emplace_back(argv.begin(), argv.end());
  protocol::ReplyWriter(&immediate_reply(), client_.resp).simple("QUEUED");
  return true;
}

void Connection::begin_transaction(std::vector<Transaction::Command> commands, bool exec) {
  // Everything parsed before this command must reach its shard first.
  send_batches();
  tx_ = std::make_unique<Transaction>();
  Transaction& tx = *tx_;
  tx.commands = std::move(commands);
  tx.exec = exec;
  tx.slot = slot_base_ + slots_.size();
  new_slot();
  for (const auto& command : tx.commands) {
    std::vector<std::string_view> views(command.argv.begin(), command.argv.end());
    std::vector<core::ShardId> shards = transaction_shards(command.plan, views, engine_);
    if (command.plan.single && !command.plan.cross_shard) shards.push_back(command.plan.shard);
    tx.shards.insert(tx.shards.end(), shards.begin(), shards.end());
  }
  // EXEC also takes this worker's shard, so that even a block of keyless
  // commands runs after a hop, never inside the parse loop.
  if (exec) tx.shards.push_back(worker_);
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
  if (tx.exec) protocol::ReplyWriter(&reply, client_.resp).array(tx.commands.size());
  for (const auto& command : tx.commands) {
    std::vector<std::string_view> argv(command.argv.begin(), command.argv.end());
    run_planned(command.plan, argv, engine_, client_.db, client_.resp, &client_, &state_, reply);
  }
  for (core::ShardId s : tx.shards) engine_.give_back(s);
  Slot& slot = slots_[tx.slot - slot_base_];
  slot.reply = std::move(reply);
  slot.ready = true;
  tx_.reset();
  if (client_.close_after_reply) close_after_flush_ = true;
  if (closed_) return;
  flush_slots();
  process_input();
  read_more();
}

void Connection::queue_remote(core::ShardId shard, Handler handler,
                              std::span<const std::string_view> argv, std::uint64_t slot) {
  RemoteCall& call = batches_[shard].emplace_back();
  call.handler = handler;
  call.db = client_.db;
  call.resp = client_.resp;
  call.slot = slot;
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
    engine_.post_data(s, [self = shared_from_this(), calls = std::move(batches_[s]), s]() mutable {
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
        run_on_shard(c.handler, argv, engine, engine.shard(s), c.db, c.resp, nullptr,
                     &self->state_, results[i].reply);
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
    Slot& slot = slots_[r.slot - slot_base_];
    slot.reply = std::move(r.reply);
    slot.ready = true;
  }
  flush_slots();
  // Input held back by the pending-slot limit can be parsed now.
  if (in_begin_ < in_end_ && !reading_) process_input();
  read_more();
}

void Connection::flush_slots() {
  while (!slots_.empty() && slots_.front().ready) {
    if (out_.empty()) {
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
  std::size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    close();
    return;
  }
  if (n == out_.size()) {
    out_.clear();
    if (close_after_flush_ && slots_.empty()) close();
    return;
  }
  out_.erase(0, n);
  wbuf_.swap(out_);
  writing_ = true;
  asio::async_write(socket_, asio::buffer(wbuf_),
                    [self = shared_from_this()](const asio::error_code& wec, std::size_t) {
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

}  // namespace kora::server
