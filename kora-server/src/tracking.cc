#include "kora/protocol/reply_writer.h"
#include "tracking.h"

#include <unordered_map>

#include "client_registry.h"
#include "kora/core/db.h"
#include "kora/core/key_events.h"
#include "kora/core/shard.h"

namespace kora::server {
namespace {

// Who runs the command on this thread (NOLOOP), and whether it flushed.
thread_local std::uint64_t tl_caller = 0;
thread_local bool tl_flushed = false;
// Invalidations raised while a command runs on this thread, per client in the
// order first met, sent as one message each when the outermost command ends
// (Redis sends one invalidation per command with all its keys).
thread_local int tl_depth = 0;
thread_local std::vector<std::pair<std::uint64_t, std::vector<std::string>>> tl_pending;

void queue_invalidation(Tracking& t, std::uint64_t id, std::string_view key) {
  if (tl_depth == 0) return t.send(id, std::vector<std::string>{std::string(key)});
  for (auto& [pid, keys] : tl_pending) {
    if (pid == id) {
      keys.emplace_back(key);
      return;
    }
  }
  tl_pending.emplace_back(id, std::vector<std::string>{std::string(key)});
}

// One shard's table of remembered keys (default mode). Listens to the shard's
// key events from its creation on (the first tracking client anywhere).
class TrackingShard final : public core::ShardModuleState, public core::KeyListener {
 public:
  static const core::ShardSlot kSlot;

  static TrackingShard& of(core::Shard& shard) {
    if (auto* s = shard.module_state(kSlot)) return static_cast<TrackingShard&>(*s);
    auto owned = std::make_unique<TrackingShard>(shard);
    TrackingShard& t = *owned;
    shard.set_module_state(kSlot, std::move(owned));
    shard.events().add(&t);
    return t;
  }

  explicit TrackingShard(core::Shard& shard) : shard_(shard) {}
  ~TrackingShard() override { shard_.events().remove(this); }

  void remember(std::string_view key, std::uint64_t id) {
    auto& ids = table_[std::string(key)];
    for (std::uint64_t x : ids) {
      if (x == id) return;
    }
    ids.push_back(id);
  }

  // Takes the clients remembered under `key` (they are forgotten).
  std::vector<std::uint64_t> take(std::string_view key) {
    if (table_.empty()) return {};
    auto it = table_.find(std::string(key));
    if (it == table_.end()) return {};
    std::vector<std::uint64_t> ids = std::move(it->second);
    table_.erase(it);
    return ids;
  }

  void on_key_event(int, core::KeyEvent, std::string_view key) override {
    Tracking::instance().on_key(shard_, key);
  }
  void on_flush(int, const core::Db&) override {
    table_.clear();
    tl_flushed = true;
  }
  void on_swap(int, const core::Db& a, int, const core::Db& b) override {
    // SWAPDB changes what every key of both databases holds (Redis 7.0 does not
    // invalidate on SWAPDB; Kora does not either, to stay byte-compatible).
    (void)a;
    (void)b;
  }

 private:
  core::Shard& shard_;
  std::unordered_map<std::string, std::vector<std::uint64_t>> table_;
};

const core::ShardSlot TrackingShard::kSlot = core::register_shard_slot();

void append_bulk(std::string& out, std::string_view s) { protocol::ReplyWriter(&out).bulk(s); }

}  // namespace

Tracking& Tracking::instance() {
  static Tracking t;
  return t;
}

void Tracking::attach(core::ShardEngine& engine, ClientRegistry& registry) {
  engine_ = &engine;
  registry_ = &registry;
}

void Tracking::enable(std::uint64_t id, TrackingOptions options) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    auto it = options_.find(id);
    if (it == options_.end()) {
      clients_.fetch_add(1, std::memory_order_relaxed);
      first = clients_.load(std::memory_order_relaxed) == 1;
    } else if (it->second.bcast) {
      bcast_.fetch_sub(1, std::memory_order_relaxed);
    }
    if (options.bcast) bcast_.fetch_add(1, std::memory_order_relaxed);
    // Prefixes accumulate while tracking stays on in BCAST mode (Redis).
    if (it != options_.end() && options.bcast) {
      for (auto& p : it->second.prefixes) {
        bool have = false;
        for (auto& q : options.prefixes) have = have || q == p;
        if (!have) options.prefixes.push_back(p);
      }
    }
    options_[id] = std::move(options);
    broken_.erase(id);
  }
  // Every shard listens from now on (BCAST needs every key event; a default
  // mode table is made on first read anyway).
  if (first && engine_) {
    for (core::ShardId s = 0; s < engine_->shard_count(); ++s) {
      engine_->post_data(s, [engine = engine_, s] { TrackingShard::of(engine->shard(s)); });
    }
  }
}

void Tracking::disable(std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = options_.find(id);
  if (it == options_.end()) return;
  if (it->second.bcast) bcast_.fetch_sub(1, std::memory_order_relaxed);
  options_.erase(it);
  broken_.erase(id);
  clients_.fetch_sub(1, std::memory_order_relaxed);
}

std::optional<TrackingOptions> Tracking::options(std::uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = options_.find(id);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

bool Tracking::broken_redirect(std::uint64_t id) const {
  std::lock_guard lock(mu_);
  return broken_.count(id) > 0;
}

std::string invalidation_message(int resp, const std::optional<std::vector<std::string>>& keys) {
  std::string out;
  if (resp >= 3) {
    out = ">2\r\n$10\r\ninvalidate\r\n";
  } else {
    out = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";
  }
  if (!keys) {
    out += resp >= 3 ? "_\r\n" : "$-1\r\n";
    return out;
  }
  out += '*';
  out += std::to_string(keys->size());
  out += "\r\n";
  for (const auto& k : *keys) append_bulk(out, k);
  return out;
}

void Tracking::send(std::uint64_t id, std::optional<std::vector<std::string>> keys) {
  if (!registry_) return;
  std::uint64_t target = id;
  {
    std::lock_guard lock(mu_);
    auto it = options_.find(id);
    if (it == options_.end()) return;
    if (it->second.redirect != 0) target = it->second.redirect;
  }
  auto shared = std::make_shared<const std::optional<std::vector<std::string>>>(std::move(keys));
  const bool delivered = registry_->post(target, [shared](ClientHandle& h) {
    // Not yet checked: a RESP2 target receives the message only while it is
    // subscribed to __redis__:invalidate (Redis 7.0: while in pub/sub mode).
    // Pub/sub is built separately: plug the "is subscribed" check in here,
    // e.g. `if (h.resp() < 3 && !h.subscribed("__redis__:invalidate")) return;`.
    h.push(invalidation_message(h.resp(), *shared));
  });
  if (!delivered && target != id) {
    {
      std::lock_guard lock(mu_);
      broken_[id] = true;
    }
    registry_->post(id, [target](ClientHandle& h) { h.redirect_broken(target); });
  }
}

void Tracking::on_key(core::Shard& shard, std::string_view key) {
  if (clients_.load(std::memory_order_relaxed) == 0) return;
  const std::uint64_t caller = tl_caller;
  std::vector<std::uint64_t> ids = TrackingShard::of(shard).take(key);
  for (std::uint64_t id : ids) {
    auto o = options(id);
    if (!o || o->bcast) continue;
    if (o->noloop && id == caller) continue;
    queue_invalidation(*this, id, key);
  }
  if (bcast_.load(std::memory_order_relaxed) == 0) return;
  std::vector<std::uint64_t> targets;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, o] : options_) {
      if (!o.bcast || (o.noloop && id == caller)) continue;
      bool match = o.prefixes.empty();
      for (const auto& p : o.prefixes) match = match || key.substr(0, p.size()) == p;
      if (match) targets.push_back(id);
    }
  }
  for (std::uint64_t id : targets) queue_invalidation(*this, id, key);
}

void Tracking::on_flush_all() {
  std::vector<std::uint64_t> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, o] : options_) ids.push_back(id);
  }
  for (std::uint64_t id : ids) send(id, std::nullopt);
}

void tracking_before_call(const CallEnv& env) {
  tl_caller = env.who ? env.who->id : 0;
  tl_flushed = false;
  ++tl_depth;
}

void tracking_end_call() {
  if (--tl_depth > 0 || tl_pending.empty()) return;
  auto pending = std::move(tl_pending);
  tl_pending.clear();
  for (auto& [id, keys] : pending) Tracking::instance().send(id, std::move(keys));
}

void tracking_after_call(const CommandSpec& spec, std::span<const std::string_view> argv, core::Shard& shard,
                         const CallEnv& env) {
  Tracking& t = Tracking::instance();
  if (tl_flushed) {
    tl_flushed = false;
    // One null invalidation per command: a fan-out's first part only (each
    // part flushed its own shard).
    if (env.count) t.on_flush_all();
  }
  tl_caller = 0;
  if (!env.who || !env.who->tracking || !(spec.flags & kReadOnly)) return;
  if (t.clients() == 0) return;
  std::vector<std::uint32_t> positions;
  CommandTable::key_positions(spec, argv, positions);
  // A command run whole under the cross-shard mechanism holds every shard of
  // its keys; a fan-out part holds only its own shard (and has its keys).
  const bool whole = spec.flags & kMultiShard;
  for (std::uint32_t i : positions) {
    const core::ShardId s = env.engine.shard_for(argv[i]);
    if (s == shard.id()) {
      TrackingShard::of(shard).remember(argv[i], env.who->id);
    } else if (whole) {
      TrackingShard::of(env.engine.shard(s)).remember(argv[i], env.who->id);
    }
  }
}

}  // namespace kora::server
