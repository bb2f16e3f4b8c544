// Connection's client-management side: its entry in the process-wide
// ClientRegistry (CLIENT LIST / KILL), CLIENT PAUSE, CLIENT REPLY, MONITOR,
// RESET's connection state, and CLIENT CACHING's one-command scope. Kept out
// of connection.cc, which only calls these hooks around each command.

#include <sys/time.h>

#include "args.h"
#include "client_commands.h"
#include "connection.h"
#include "kora/core/clock.h"
#include "kora/server/server_state.h"
#include "tracking.h"

namespace kora::server {
namespace {

// Commands that may replicate: paused by CLIENT PAUSE WRITE (Redis 7.0's
// CMD_WRITE | CMD_MAY_REPLICATE).
bool may_replicate(const CommandSpec& spec) {
  if (spec.flags & kWrite) return true;
  const std::string_view n = spec.name;
  return n == "publish" || n == "spublish" || n == "pfcount" || n == "eval" || n == "evalsha" || n == "fcall";
}

}  // namespace

void Connection::client_registered() {
  if (!state_.clients) return;
  entry_ = state_.clients->add(client_.id, worker_, std::weak_ptr<ClientHandle>(weak_from_this()));
  update_snapshot("NULL");
}

void Connection::client_closed() {
  pause_timer_.cancel();
  if (paused_ && state_.clients) state_.clients->paused_changed(-1);
  paused_ = false;
  if (client_.tracking) Tracking::instance().disable(client_.id);
  if (state_.clients) state_.clients->remove(client_.id);
}

void Connection::kill() { close(); }

void Connection::push(std::string_view bytes) {
  if (closed_) return;
  out_.append(bytes);
  write_out();
}

void Connection::resume() {
  if (paused_ && state_.clients) state_.clients->paused_changed(-1);
  paused_ = false;
  pause_timer_.cancel();
  if (closed_) return;
  if (in_begin_ < in_end_) process_input();
  read_more();
}

void Connection::redirect_broken(std::uint64_t target) {
  if (closed_ || client_.resp < 3) return;
  std::string msg = ">2\r\n$21\r\ntracking-redir-broken\r\n:" + std::to_string(target) + "\r\n";
  push(msg);
}

bool Connection::client_may_run(std::span<const std::string_view> argv) {
  ClientRegistry* reg = state_.clients.get();
  if (reg && reg->monitoring() && multi_ && !multi_rejected_ && iequals(argv[0], "exec")) {
    exec_monitor_ = *multi_;  // fed to the monitors with EXEC
  }
  if (reg && reg->pause_end_ms() != 0) {
    std::string error;
    if (const CommandSpec* spec = lookup(argv, error)) {
      bool write = may_replicate(*spec);
      if (spec->name == "exec" && multi_) {
        for (const auto& queued : *multi_) {
          std::vector<std::string_view> views(queued.begin(), queued.end());
          std::string ignored;
          const CommandSpec* q = lookup(views, ignored);
          write = write || (q && may_replicate(*q));
        }
      }
      if (reg->must_wait(write)) {
        if (!paused_) {
          paused_ = true;
          reg->paused_changed(1);
          reg->wait_for_unpause(client_.id);
          const std::int64_t wait = std::max<std::int64_t>(1, reg->pause_end_ms() - core::now_ms() + 1);
          pause_timer_.expires_after(std::chrono::milliseconds(wait));
          pause_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
            if (!ec && self->paused_) self->resume();
          });
        }
        return false;
      }
    }
  }
  // CLIENT REPLY SKIP applies to the command after it.
  client_.reply_skip = client_.reply_skip_next;
  client_.reply_skip_next = false;
  return true;
}

void Connection::client_ran(std::span<const std::string_view> argv, ReplyMark mark) {
  std::string error;
  const CommandSpec* spec = lookup(argv, error);
  const std::string_view name = spec ? spec->name : std::string_view();
  // CLIENT REPLY OFF / SKIP silence replies, not pushes: (un)subscribe
  // confirmations are pushes in Redis (CLIENT_PUSHING) and still arrive.
  const bool pushes = name == "subscribe" || name == "unsubscribe" || name == "psubscribe" ||
                      name == "punsubscribe" || name == "ssubscribe" || name == "sunsubscribe";
  if ((client_.reply_off || client_.reply_skip) && !(pushes && error.empty())) {
    if (out_.size() > mark.out) out_.resize(mark.out);
    for (std::uint64_t seq = std::max(mark.slot, slot_base_); seq < slot_base_ + slots_.size(); ++seq) {
      slots_[seq - slot_base_].drop = true;
    }
  }
  client_.reply_skip = false;

  if (name == "reset") {
    // RESET's connection-side state (the handler reset ClientState).
    multi_.reset();
    multi_rejected_ = false;
    unwatch_all();
  }
  if (state_.clients) {
    if (name == "monitor" && client_.monitor) state_.clients->add_monitor(client_.id);
    if (name == "reset") state_.clients->remove_monitor(client_.id);
  }
  // CLIENT CACHING yes/no covers the next command only (outside MULTI).
  if (client_.tracking_caching && name != "client" && !multi_) {
    client_.tracking_caching = false;
    refresh_identity(client_);
  }
  if (state_.clients && state_.clients->monitoring() && spec) {
    if (name == "exec") {
      for (const auto& queued : exec_monitor_) {
        std::vector<std::string_view> views(queued.begin(), queued.end());
        feed_monitors(views, client_.db);
      }
      exec_monitor_.clear();
      feed_monitors(argv, client_.db);
    } else if (!multi_ || name == "multi") {
      feed_monitors(argv, client_.db);
    }
  }
  if (spec) {
    update_snapshot(command_full_name(*spec, argv));
  } else {
    update_snapshot("NULL");
  }
}

void Connection::feed_monitors(std::span<const std::string_view> argv, int db) {
  std::string error;
  const CommandSpec* spec = lookup(argv, error);
  if (!spec || !monitor_shows(*spec, argv)) return;
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  char head[64];
  std::snprintf(head, sizeof head, "+%ld.%06ld ", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
  std::string line = head;
  line += '[';
  line += std::to_string(db);
  line += ' ';
  line += client_.unix_socket ? "unix:" + unix_socket_path() : client_.addr;
  line += "] ";
  const std::size_t redact_from = monitor_redact_from(*spec, argv);
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i) line += ' ';
    append_repr(line, i >= redact_from ? std::string_view("(redacted)") : argv[i]);
  }
  line += "\r\n";
  state_.clients->feed_monitors(line);
}

void Connection::update_snapshot(std::string_view cmd) {
  if (!entry_) return;
  const std::int64_t now = core::now_ms();
  std::lock_guard lock(entry_->mu);
  ClientSnapshot& s = entry_->snap;
  fill_snapshot(s, client_, multi_.has_value(), blocking_.has_value(), close_after_flush_);
  s.cmd.assign(cmd);
  s.last_ms = now;
  s.multi = multi_ ? static_cast<int>(multi_->size()) : -1;
  s.qbuf = in_end_ - in_begin_;
  s.qbuf_free = in_.size() - in_end_;
  s.obl = out_.size();
  s.oll = slots_.size();
  s.omem = out_.size() + wbuf_.size();
  s.tot_mem = in_.capacity() + out_.capacity() + wbuf_.capacity();
}

}  // namespace kora::server
