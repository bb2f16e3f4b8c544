#include "server_shard.h"

#include <algorithm>

#include "kora/core/clock.h"

namespace kora::server {

using core::KeyEvent;

// Reserved when the library loads: a plain global read on the hot path, no
// function-local static guard.
const core::ShardSlot ServerShard::kSlot = core::register_shard_slot();

ServerShard& ServerShard::create(core::Shard& shard) {
  auto fresh = std::make_unique<ServerShard>(shard);
  ServerShard& ref = *fresh;
  shard.set_module_state(kSlot, std::move(fresh));
  return ref;
}

ServerShard::ServerShard(core::Shard& shard)
    : stats(CommandTable::instance().all().size()), shard_(shard) {}

ServerShard::~ServerShard() {
  if (listening_) shard_.events().remove(this);
}

void ServerShard::reset_command_stats() {
  for (CommandStat& s : stats) s = CommandStat{};
  sub_stats.clear();
}

void ServerShard::update_listening() {
  const bool want = watched_count_ > 0 || blocked_count_ > 0;
  if (want == listening_) return;
  listening_ = want;
  if (want) {
    shard_.events().add(this);
  } else {
    shard_.events().remove(this);
  }
}

void ServerShard::watch(int db, std::string_view key, const std::shared_ptr<WatchSession>& session,
                        bool stale) {
  auto& list = watched_[db][std::string(key)];
  for (const Watcher& w : list) {
    if (w.session == session) return;
  }
  list.push_back({session, stale});
  ++watched_count_;
  update_listening();
}

void ServerShard::unwatch(int db, std::string_view key, const WatchSession* session) {
  auto it = watched_[db].find(std::string(key));
  if (it == watched_[db].end()) return;
  auto& list = it->second;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].session.get() == session) {
      list.erase(list.begin() + static_cast<long>(i));
      --watched_count_;
      break;
    }
  }
  if (list.empty()) watched_[db].erase(it);
  update_listening();
}

void ServerShard::block(int db, std::string_view key, const std::shared_ptr<BlockedClient>& client) {
  blocked_[db][std::string(key)].push_back(client);
  ++blocked_count_;
  update_listening();
}

void ServerShard::unblock(int db, std::string_view key, const BlockedClient* client) {
  auto it = blocked_[db].find(std::string(key));
  if (it == blocked_[db].end()) return;
  auto& q = it->second;
  for (auto w = q.begin(); w != q.end(); ++w) {
    if (w->get() == client) {
      q.erase(w);
      --blocked_count_;
      break;
    }
  }
  if (q.empty()) blocked_[db].erase(it);
  update_listening();
}

std::vector<std::shared_ptr<BlockedClient>> ServerShard::waiters(int db, const std::string& key) {
  std::vector<std::shared_ptr<BlockedClient>> out;
  auto it = blocked_[db].find(key);
  if (it == blocked_[db].end()) return out;
  for (const auto& c : it->second) {
    if (!c->done.load(std::memory_order_acquire)) out.push_back(c);
  }
  return out;
}

void ServerShard::mark_ready(int db, std::string_view key) {
  if (blocked_[db].empty()) return;
  auto it = blocked_[db].find(std::string(key));
  if (it == blocked_[db].end()) return;
  for (const auto& [d, k] : ready_) {
    if (d == db && k == key) return;
  }
  ready_.emplace_back(db, std::string(key));
  any_ready_ = true;
}

void ServerShard::touch_watchers(int db, std::string_view key, KeyEvent event) {
  if (watched_[db].empty()) return;
  auto it = watched_[db].find(std::string(key));
  if (it == watched_[db].end()) return;
  for (Watcher& w : it->second) {
    // As Redis 7.0: deleting a key that had already expired when it was watched
    // changes nothing logically.
    if (w.stale && (event == KeyEvent::kDeleted || event == KeyEvent::kExpired)) {
      w.stale = false;
      continue;
    }
    w.session->dirty.store(true, std::memory_order_release);
  }
}

void ServerShard::on_key_event(int db, KeyEvent event, std::string_view key) {
  touch_watchers(db, key, event);
  // kDeleted too: an XREADGROUP blocked on a deleted stream is answered at once.
  if (event == KeyEvent::kModified || event == KeyEvent::kRenamedTo || event == KeyEvent::kMovedTo ||
      event == KeyEvent::kDeleted) {
    mark_ready(db, key);
  }
}

void ServerShard::on_flush(int db, const core::Db& contents) {
  // Only watched keys that exist are touched (and not those already expired
  // when watched that are expired still).
  const std::int64_t now = core::now_ms();
  for (auto& [key, watchers] : watched_[db]) {
    const core::Entry* e = contents.peek(key);
    if (!e) continue;
    for (Watcher& w : watchers) {
      if (w.stale && core::Db::is_expired(*e, now)) continue;
      w.session->dirty.store(true, std::memory_order_release);
    }
  }
}

void ServerShard::on_swap(int a, const core::Db& db_a, int b, const core::Db& db_b) {
  const std::int64_t now = core::now_ms();
  auto touch = [&](int db, const core::Db& self, const core::Db& other) {
    for (auto& [key, watchers] : watched_[db]) {
      const core::Entry* mine = self.peek(key);
      const core::Entry* theirs = other.peek(key);
      if (!mine && !theirs) continue;
      for (Watcher& w : watchers) {
        // A stale key replaced by nothing (or by another stale key) is no change.
        const bool mine_dead = !mine || core::Db::is_expired(*mine, now);
        const bool theirs_dead = !theirs || core::Db::is_expired(*theirs, now);
        if (w.stale && mine_dead && theirs_dead) continue;
        w.session->dirty.store(true, std::memory_order_release);
      }
    }
  };
  touch(a, db_a, db_b);
  touch(b, db_b, db_a);
  // A client blocked in either db may find a list there now.
  for (int db : {a, b}) {
    for (auto& [key, q] : blocked_[db]) mark_ready(db, key);
  }
}

StatsConfig StatsConfig::the_;

ErrorStats& ErrorStats::instance() {
  static ErrorStats stats;
  return stats;
}

ErrorStats::ErrorStats() = default;

void ErrorStats::count_error(std::string_view message) {
  std::string_view prefix = message.substr(0, message.find(' '));
  std::lock_guard lock(mu_);
  // As Redis: at most 128 distinct prefixes are tracked.
  auto it = errors_.find(std::string(prefix));
  if (it != errors_.end()) {
    ++it->second;
  } else if (errors_.size() < 128) {
    errors_.emplace(std::string(prefix), 1);
  }
  ++total_;
}

void ErrorStats::count_rejected(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = rejected_.find(name);
  if (it == rejected_.end()) it = rejected_.emplace(std::string(name), 0).first;
  ++it->second;
}

std::vector<std::pair<std::string, std::uint64_t>> ErrorStats::errors() const {
  std::lock_guard lock(mu_);
  return {errors_.begin(), errors_.end()};
}

std::map<std::string, std::uint64_t> ErrorStats::rejected() const {
  std::lock_guard lock(mu_);
  return {rejected_.begin(), rejected_.end()};
}

std::uint64_t ErrorStats::total_errors() const {
  std::lock_guard lock(mu_);
  return total_;
}

void ErrorStats::reset() {
  std::lock_guard lock(mu_);
  errors_.clear();
  rejected_.clear();
  total_ = 0;
}

std::map<std::string, MergedStat> merge_command_stats(core::ShardEngine& engine, bool with_latency) {
  std::map<std::string, MergedStat> out;
  const auto& specs = CommandTable::instance().all();
  auto add = [&](const std::string& name, const CommandStat& c) {
    if (c.calls == 0 && c.failed == 0) return;
    MergedStat& m = out[name];
    m.calls += c.calls;
    // Sampled timings stand for every call of their shard.
    m.ns += c.timed == c.calls || c.timed == 0
                ? c.ns
                : static_cast<std::uint64_t>(static_cast<double>(c.ns) * static_cast<double>(c.calls) /
                                             static_cast<double>(c.timed));
    m.failed += c.failed;
    if (with_latency && c.latency) {
      if (!m.latency) m.latency = std::make_unique<observability::LatencyHistogram>(NsHistogram::kPrecision);
      c.latency->merge_into(*m.latency);
    }
  };
  for (core::ShardId s = 0; s < engine.shard_count(); ++s) {
    ServerShard& st = ServerShard::of(engine.shard(s));
    for (std::size_t i = 0; i < specs.size(); ++i) add(std::string(specs[i].name), st.stats[i]);
    for (const auto& [name, c] : st.sub_stats) add(name, c);
  }
  for (const auto& [name, n] : ErrorStats::instance().rejected()) out[name].rejected = n;
  return out;
}

}  // namespace kora::server
