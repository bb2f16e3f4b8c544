#include "client_registry.h"

#include <algorithm>

#include "kora/core/clock.h"

namespace kora::server {

std::string format_client(std::uint64_t id, const ClientSnapshot& s, std::int64_t now_ms) {
  auto u = [](auto v) { return std::to_string(v); };
  const std::int64_t age = s.created_ms ? (now_ms - s.created_ms) / 1000 : 0;
  const std::int64_t idle = s.last_ms ? (now_ms - s.last_ms) / 1000 : age;
  std::string line;
  line.reserve(320);
  line += "id=" + u(id) + " addr=" + s.addr + " laddr=" + s.laddr + " fd=" + u(s.fd) + " name=" + s.name +
          " age=" + u(age) + " idle=" + u(idle) + " flags=" + s.flags + " db=" + u(s.db) + " sub=" + u(s.sub) +
          " psub=" + u(s.psub) + " ssub=" + u(s.ssub) + " multi=" + u(s.multi) + " qbuf=" + u(s.qbuf) +
          " qbuf-free=" + u(s.qbuf_free) + " argv-mem=" + u(s.argv_mem) + " multi-mem=" + u(s.multi_mem) +
          " rbs=" + u(s.rbs) + " rbp=" + u(s.rbp) + " obl=" + u(s.obl) + " oll=" + u(s.oll) +
          " omem=" + u(s.omem) + " tot-mem=" + u(s.tot_mem) + " events=" + s.events + " cmd=" + s.cmd +
          " user=" + s.user + " redir=" + u(s.redir) + " resp=" + u(s.resp);
  return line;
}

std::shared_ptr<ClientEntry> ClientRegistry::add(std::uint64_t id, core::ShardId worker,
                                                 std::weak_ptr<ClientHandle> handle) {
  auto e = std::make_shared<ClientEntry>(id, worker);
  e->handle = std::move(handle);
  std::lock_guard lock(mu_);
  clients_[id] = e;
  return e;
}

void ClientRegistry::remove(std::uint64_t id) {
  std::lock_guard lock(mu_);
  clients_.erase(id);
  auto it = std::find(monitors_.begin(), monitors_.end(), id);
  if (it != monitors_.end()) {
    monitors_.erase(it);
    monitors_count_.fetch_sub(1, std::memory_order_relaxed);
  }
}

std::shared_ptr<ClientEntry> ClientRegistry::find(std::uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<ClientEntry>> ClientRegistry::all() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<ClientEntry>> out;
  out.reserve(clients_.size());
  for (const auto& [id, e] : clients_) out.push_back(e);
  return out;
}

bool ClientRegistry::post(std::uint64_t id, std::function<void(ClientHandle&)> fn) const {
  std::shared_ptr<ClientEntry> e = find(id);
  if (!e) return false;
  engine_.post(e->worker, [weak = e->handle, fn = std::move(fn)] {
    if (auto h = weak.lock()) fn(*h);
  });
  return true;
}

void ClientRegistry::pause(std::int64_t until_ms, bool all) {
  std::lock_guard lock(mu_);
  const std::int64_t end = pause_until_.load(std::memory_order_relaxed);
  // Redis: while a pause lasts, a new one keeps the stronger type and the
  // later end; an expired one is replaced.
  if (end == 0 || end <= core::now_ms()) {
    pause_all_.store(all, std::memory_order_relaxed);
    pause_until_.store(until_ms, std::memory_order_release);
  } else {
    if (all) pause_all_.store(true, std::memory_order_relaxed);
    pause_until_.store(std::max(end, until_ms), std::memory_order_release);
  }
}

void ClientRegistry::unpause() {
  std::vector<std::uint64_t> waiters;
  {
    std::lock_guard lock(mu_);
    pause_until_.store(0, std::memory_order_release);
    pause_all_.store(false, std::memory_order_relaxed);
    waiters.swap(paused_waiters_);
  }
  for (std::uint64_t id : waiters) post(id, [](ClientHandle& h) { h.resume(); });
}

bool ClientRegistry::must_wait(bool write) const {
  const std::int64_t until = pause_until_.load(std::memory_order_acquire);
  if (until == 0 || until <= core::now_ms()) return false;
  return write || pause_all_.load(std::memory_order_relaxed);
}

void ClientRegistry::wait_for_unpause(std::uint64_t id) {
  std::lock_guard lock(mu_);
  paused_waiters_.push_back(id);
}

void ClientRegistry::add_monitor(std::uint64_t id) {
  std::lock_guard lock(mu_);
  if (std::find(monitors_.begin(), monitors_.end(), id) != monitors_.end()) return;
  monitors_.push_back(id);
  monitors_count_.fetch_add(1, std::memory_order_relaxed);
}

void ClientRegistry::remove_monitor(std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = std::find(monitors_.begin(), monitors_.end(), id);
  if (it == monitors_.end()) return;
  monitors_.erase(it);
  monitors_count_.fetch_sub(1, std::memory_order_relaxed);
}

void ClientRegistry::feed_monitors(const std::string& line) const {
  std::vector<std::uint64_t> ids;
  {
    std::lock_guard lock(mu_);
    ids = monitors_;
  }
  auto shared = std::make_shared<const std::string>(line);
  for (std::uint64_t id : ids) post(id, [shared](ClientHandle& h) { h.push(*shared); });
}

void append_repr(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (c >= 32 && c < 127) {
          out += static_cast<char>(c);
        } else {
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 15];
        }
    }
  }
  out += '"';
}

}  // namespace kora::server
