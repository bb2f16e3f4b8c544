#include "kora/core/stream_group_ops.h"

namespace kora::core {

namespace {

std::string two(std::string_view a, std::string_view b) {
  std::string s(a);
  s += '\0';
  s.append(b);
  return s;
}

// The consumer `name`, made (and recorded in fx) when absent; its seen-time
// is refreshed either way (streamLookupConsumer / streamCreateConsumer).
StreamConsumer& touch_consumer(StreamGroup& g, std::string_view name, std::int64_t now_ms, bool* created) {
  auto it = g.consumers.find(name);
  if (it == g.consumers.end()) {
    it = g.consumers.emplace(std::string(name), StreamConsumer{}).first;
    if (created) *created = true;
  }
  it->second.seen_time = now_ms;
  return it->second;
}

// Redis's group read counter update when the group delivers `id`.
void advance_group(const StreamValue& s, StreamGroup& g, StreamId id) {
  if (g.entries_read != kEntriesReadInvalid && !s.range_has_tombstones(id, std::nullopt)) {
    ++g.entries_read;
  } else if (s.entries_added()) {
    StreamGroup probe;
    probe.last_id = id;
    g.entries_read = s.estimate_entries_read(probe);
  }
  g.last_id = id;
}

StreamClaimEffect claim_effect(StreamId id, const StreamNack& n, const StreamGroup& g) {
  return StreamClaimEffect{id, n.consumer, n.delivery_time, n.delivery_count, g.last_id};
}

// The entry `id` copied out, or nullopt when it is not in the stream.
std::optional<StreamEntry> entry_at(const StreamValue& s, StreamId id) {
  std::optional<StreamEntry> out;
  s.range(id, id, false, 1, [&](const StreamEntryView& e) {
    out = copy_entry(e);
    return false;
  });
  return out;
}

}  // namespace

Result<StreamValue*> xgroup_stream(Db& db, std::string_view key, bool may_create, std::int64_t now_ms) {
  auto s = db.find_as<StreamValue>(key, now_ms);
  if (!s.ok()) return s.error();
  if (!*s && !may_create) return Errc::kStreamXgroupNoKey;
  return *s;
}

namespace {

// The stream and the (existing) group of SETID / CREATECONSUMER / DELCONSUMER.
Result<std::pair<StreamValue*, StreamGroup*>> xgroup_target(Db& db, std::string_view key, std::string_view group,
                                                            std::int64_t now_ms) {
  auto s = xgroup_stream(db, key, false, now_ms);
  if (!s.ok()) return s.error();
  StreamGroup* g = (*s)->group(group);
  if (!g) return Error::of(Errc::kStreamNoGroupForKey, two(group, key));
  return std::make_pair(*s, g);
}

}  // namespace

Result<void> op_xgroup_create(Db& db, std::string_view key, std::string_view group, std::string_view id_arg,
                              bool mkstream, std::int64_t entries_read, std::int64_t now_ms) {
  auto found = xgroup_stream(db, key, mkstream, now_ms);
  if (!found.ok()) return found.error();
  StreamValue* s = *found;
  StreamId id{};
  if (id_arg == "$") {
    if (s) id = s->last_id();
  } else {
    auto parsed = parse_stream_id(id_arg, 0, true);
    if (!parsed) return Errc::kStreamInvalidId;
    id = *parsed;
  }
  if (!s) s = *db.find_or_create_as<StreamValue>(key, now_ms);
  if (s->group(group)) return Errc::kStreamBusyGroup;  // the key existed: MKSTREAM made nothing
  StreamGroup g;
  g.last_id = id;
  g.entries_read = entries_read;
  s->groups().emplace(std::string(group), std::move(g));
  db.signal_modified(key);
  db.notify(notify::kStream, "xgroup-create", key);
  return Ok{};
}

Result<void> op_xgroup_setid(Db& db, std::string_view key, std::string_view group, std::string_view id_arg,
                             std::int64_t entries_read, std::int64_t now_ms) {
  auto t = xgroup_target(db, key, group, now_ms);
  if (!t.ok()) return t.error();
  auto [s, g] = *t;
  StreamId id;
  if (id_arg == "$") {
    id = s->last_id();
  } else {
    auto parsed = parse_stream_id(id_arg, 0, false);
    if (!parsed) return Errc::kStreamInvalidId;
    id = *parsed;
  }
  g->last_id = id;
  g->entries_read = entries_read;
  db.signal_modified(key);
  db.notify(notify::kStream, "xgroup-setid", key);
  return Ok{};
}

Result<bool> op_xgroup_destroy(Db& db, std::string_view key, std::string_view group, std::int64_t now_ms) {
  auto s = xgroup_stream(db, key, false, now_ms);
  if (!s.ok()) return s.error();
  auto it = (*s)->groups().find(group);
  if (it == (*s)->groups().end()) return false;
  (*s)->groups().erase(it);
  db.signal_modified(key);  // blocked XREADGROUPs of the group get NOGROUP
  db.notify(notify::kStream, "xgroup-destroy", key);
  return true;
}

Result<bool> op_xgroup_createconsumer(Db& db, std::string_view key, std::string_view group,
                                      std::string_view consumer, std::int64_t now_ms) {
  auto t = xgroup_target(db, key, group, now_ms);
  if (!t.ok()) return t.error();
  StreamGroup* g = t->second;
  if (g->consumers.count(consumer)) return false;
  g->consumers.emplace(std::string(consumer), StreamConsumer{now_ms, {}});
  db.signal_modified(key);
  db.notify(notify::kStream, "xgroup-createconsumer", key);
  return true;
}

Result<std::size_t> op_xgroup_delconsumer(Db& db, std::string_view key, std::string_view group,
                                          std::string_view consumer, std::int64_t now_ms) {
  auto t = xgroup_target(db, key, group, now_ms);
  if (!t.ok()) return t.error();
  StreamGroup* g = t->second;
  auto it = g->consumers.find(consumer);
  if (it == g->consumers.end()) return std::size_t{0};
  const std::size_t pending = it->second.pel.size();
  for (StreamId id : it->second.pel) g->pel.erase(id);
  g->consumers.erase(it);
  db.signal_modified(key);
  db.notify(notify::kStream, "xgroup-delconsumer", key);
  return pending;
}

Result<StreamValue*> group_stream(Db& db, std::string_view key, std::string_view group, Errc nogroup,
                                  std::int64_t now_ms) {
  auto s = db.find_as<StreamValue>(key, now_ms);
  if (!s.ok()) return s.error();
  if (!*s || !(*s)->group(group)) return Error::of(nogroup, two(key, group));
  return *s;
}

Result<std::optional<StreamEntries>> op_xreadgroup(Db& db, std::string_view key, std::string_view group,
                                                   std::string_view consumer,
                                                   std::optional<StreamId> history_from, std::size_t count,
                                                   bool noack, std::int64_t now_ms, GroupEffects& fx) {
  auto found = group_stream(db, key, group, Errc::kStreamNoGroupRead, now_ms);
  if (!found.ok()) return found.error();
  StreamValue& s = **found;
  StreamGroup& g = *s.group(group);
  std::optional<StreamEntries> out;
  StreamId start{};
  if (!history_from) {
    if (s.length() == 0 || s.last_valid_id() <= g.last_id) return out;
    start = g.last_id;
    start.incr();
  }
  bool created = false;
  StreamConsumer& c = touch_consumer(g, consumer, now_ms, &created);
  if (created) {
    fx.created_consumers.emplace_back(consumer);
    db.notify(notify::kStream, "xgroup-createconsumer", key);
  }
  out.emplace();
  if (history_from) {
    for (auto it = c.pel.lower_bound(*history_from); it != c.pel.end(); ++it) {
      if (count && out->size() >= count) break;
      auto e = entry_at(s, *it);
      if (!e) {  // deleted meanwhile: reported, its delivery left as it was
        out->push_back(StreamEntry{*it, {}, true});
        continue;
      }
      out->push_back(std::move(*e));
      StreamNack& n = g.pel[*it];
      n.delivery_time = now_ms;
      ++n.delivery_count;
      fx.claims.push_back(claim_effect(*it, n, g));
    }
    if (!fx.claims.empty() || created) db.signal_modified(key);
    return out;
  }
  std::vector<StreamId> ids;
  s.range(start, StreamId::max(), false, count, [&](const StreamEntryView& e) {
    out->push_back(copy_entry(e));
    ids.push_back(e.id);
    return true;
  });
  for (StreamId id : ids) {
    if (id > g.last_id) {
      advance_group(s, g, id);
      fx.set_id = true;
    }
    if (noack) continue;
    auto [it, inserted] = g.pel.try_emplace(id);
    StreamNack& n = it->second;
    if (!inserted) {
      auto old = g.consumers.find(n.consumer);
      if (old != g.consumers.end()) old->second.pel.erase(id);
    }
    n.consumer = std::string(consumer);
    n.delivery_time = now_ms;
    n.delivery_count = 1;
    c.pel.insert(id);
    fx.claims.push_back(claim_effect(id, n, g));
  }
  fx.last_id = g.last_id;
  fx.entries_read = g.entries_read;
  db.signal_modified(key);
  return out;
}

Result<std::size_t> op_xack(Db& db, std::string_view key, std::string_view group, std::span<const StreamId> ids,
                            std::int64_t now_ms) {
  auto s = db.find_as<StreamValue>(key, now_ms);
  if (!s.ok()) return s.error();
  if (!*s) return std::size_t{0};
  StreamGroup* g = (*s)->group(group);
  if (!g) return std::size_t{0};
  std::size_t acked = 0;
  for (StreamId id : ids) {
    auto it = g->pel.find(id);
    if (it == g->pel.end()) continue;
    auto c = g->consumers.find(it->second.consumer);
    if (c != g->consumers.end()) c->second.pel.erase(id);
    g->pel.erase(it);
    ++acked;
  }
  if (acked) db.signal_modified(key);
  return acked;
}

Result<PendingSummary> op_xpending_summary(Db& db, std::string_view key, std::string_view group,
                                           std::int64_t now_ms) {
  auto s = group_stream(db, key, group, Errc::kStreamNoKeyOrGroup, now_ms);
  if (!s.ok()) return s.error();
  const StreamGroup& g = *(*s)->group(group);
  PendingSummary out;
  out.count = g.pel.size();
  if (out.count == 0) return out;
  out.min = g.pel.begin()->first;
  out.max = g.pel.rbegin()->first;
  for (const auto& [name, c] : g.consumers) {
    if (!c.pel.empty()) out.consumers.emplace_back(name, c.pel.size());
  }
  return out;
}

Result<std::vector<PendingEntryInfo>> op_xpending(Db& db, std::string_view key, std::string_view group,
                                                  const XPendingArgs& args, std::int64_t now_ms) {
  auto s = group_stream(db, key, group, Errc::kStreamNoKeyOrGroup, now_ms);
  if (!s.ok()) return s.error();
  const StreamGroup& g = *(*s)->group(group);
  std::vector<PendingEntryInfo> out;
  const StreamConsumer* c = nullptr;
  if (args.consumer) {
    auto it = g.consumers.find(*args.consumer);
    if (it == g.consumers.end()) return out;
    c = &it->second;
  }
  std::int64_t count = args.count;
  auto add = [&](StreamId id) {
    const StreamNack& n = g.pel.at(id);
    if (args.min_idle && now_ms - n.delivery_time < args.min_idle) return;
    const std::int64_t idle = now_ms - n.delivery_time;
    out.push_back(PendingEntryInfo{id, n.consumer, idle < 0 ? 0 : idle, n.delivery_count});
    --count;
  };
  if (c) {
    for (auto it = c->pel.lower_bound(args.start); count && it != c->pel.end() && *it <= args.end; ++it) add(*it);
  } else {
    for (auto it = g.pel.lower_bound(args.start); count && it != g.pel.end() && it->first <= args.end; ++it) {
      add(it->first);
    }
  }
  return out;
}

namespace {

// Drops the pending entry `it` of `g` (and from its consumer's PEL).
std::map<StreamId, StreamNack>::iterator drop_nack(StreamGroup& g, std::map<StreamId, StreamNack>::iterator it) {
  auto c = g.consumers.find(it->second.consumer);
  if (c != g.consumers.end()) c->second.pel.erase(it->first);
  return g.pel.erase(it);
}

// Gives the pending entry `n` (of id) to consumer `name` of `g`.
void reassign(StreamGroup& g, StreamId id, StreamNack& n, StreamConsumer& to, std::string_view name) {
  if (n.consumer != name) {
    auto old = g.consumers.find(n.consumer);
    if (old != g.consumers.end()) old->second.pel.erase(id);
    n.consumer = std::string(name);
  }
  to.pel.insert(id);
}

}  // namespace

Result<StreamEntries> op_xclaim(Db& db, std::string_view key, std::string_view group, std::string_view consumer,
                                const XClaimArgs& args, std::int64_t now_ms, GroupEffects& fx) {
  auto found = group_stream(db, key, group, Errc::kStreamNoKeyOrGroup, now_ms);
  if (!found.ok()) return found.error();
  StreamValue& s = **found;
  StreamGroup& g = *s.group(group);
  bool changed = false;
  if (args.last_id > g.last_id) {
    g.last_id = args.last_id;
    fx.set_id = true;
    changed = true;
  }
  std::int64_t delivery = args.delivery_time;
  if (delivery < 0 || delivery > now_ms) delivery = now_ms;
  StreamEntries out;
  StreamConsumer* to = nullptr;
  for (StreamId id : args.ids) {
    auto it = g.pel.find(id);
    auto entry = entry_at(s, id);
    if (!entry) {
      if (it != g.pel.end()) {
        fx.claims.push_back(claim_effect(id, it->second, g));
        fx.set_id = false;
        drop_nack(g, it);
        changed = true;
      }
      continue;
    }
    bool fresh = false;
    if (args.force && it == g.pel.end()) {
      it = g.pel.try_emplace(id).first;
      fresh = true;
    }
    if (it == g.pel.end()) continue;
    StreamNack& n = it->second;
    if (!fresh && args.min_idle && now_ms - n.delivery_time < args.min_idle) continue;
    if (!to) {
      bool created = false;
      to = &touch_consumer(g, consumer, now_ms, &created);
      if (created) db.notify(notify::kStream, "xgroup-createconsumer", key);
    }
    if (fresh) n.consumer.clear();
    reassign(g, id, n, *to, consumer);
    n.delivery_time = delivery;
    if (args.retry_count >= 0) {
      n.delivery_count = static_cast<std::uint64_t>(args.retry_count);
    } else if (!args.justid) {
      ++n.delivery_count;
    }
    if (args.justid) {
      out.push_back(StreamEntry{id, {}, false});
    } else {
      out.push_back(std::move(*entry));
    }
    fx.claims.push_back(claim_effect(id, n, g));
    fx.set_id = false;
    changed = true;
  }
  fx.last_id = g.last_id;
  fx.entries_read = g.entries_read;
  if (changed || to) db.signal_modified(key);
  return out;
}

Result<XAutoClaimResult> op_xautoclaim(Db& db, std::string_view key, std::string_view group,
                                       std::string_view consumer, std::int64_t min_idle, StreamId start,
                                       std::int64_t count, bool justid, std::int64_t now_ms, GroupEffects& fx) {
  auto found = group_stream(db, key, group, Errc::kStreamNoKeyOrGroup, now_ms);
  if (!found.ok()) return found.error();
  StreamValue& s = **found;
  StreamGroup& g = *s.group(group);
  XAutoClaimResult out;
  std::int64_t attempts = count * 10;
  StreamConsumer* to = nullptr;
  auto it = g.pel.lower_bound(start);
  while (attempts-- && count && it != g.pel.end()) {
    const StreamId id = it->first;
    auto entry = entry_at(s, id);
    if (!entry) {
      fx.claims.push_back(claim_effect(id, it->second, g));
      it = drop_nack(g, it);
      out.deleted.push_back(id);
      --count;
      continue;
    }
    StreamNack& n = it->second;
    if (min_idle && now_ms - n.delivery_time < min_idle) {
      ++it;
      continue;
    }
    if (!to) {
      bool created = false;
      to = &touch_consumer(g, consumer, now_ms, &created);
      if (created) db.notify(notify::kStream, "xgroup-createconsumer", key);
    }
    reassign(g, id, n, *to, consumer);
    n.delivery_time = now_ms;
    if (!justid) ++n.delivery_count;
    out.claimed.push_back(justid ? StreamEntry{id, {}, false} : std::move(*entry));
    --count;
    fx.claims.push_back(claim_effect(id, n, g));
    ++it;
  }
  out.next = it == g.pel.end() ? StreamId{} : it->first;
  if (!fx.claims.empty() || to) db.signal_modified(key);
  return out;
}

std::optional<std::int64_t> group_lag(const StreamValue& s, const StreamGroup& g) {
  if (!s.entries_added()) return 0;
  const auto added = static_cast<std::int64_t>(s.entries_added());
  if (g.entries_read != kEntriesReadInvalid && !s.range_has_tombstones(g.last_id, std::nullopt)) {
    return added - g.entries_read;
  }
  const std::int64_t read = s.estimate_entries_read(g);
  if (read == kEntriesReadInvalid) return std::nullopt;
  return added - read;
}

}  // namespace kora::core
