#include "kora/core/type_registry.h"

#include <cmath>
#include <cstring>
#include <unordered_set>

#include "kora/core/hash_value.h"
#include "kora/core/list_value.h"
#include "kora/core/set_value.h"
#include "kora/core/zset_value.h"
#include "kora/core/stream_value.h"
#include "payload.h"

namespace kora::core {
namespace {

using payload::put_bytes;
using payload::put_varint;
using payload::Reader;

// Lists: a count, then each element.
void serialize_list(const Object& value, std::string& out) {
  const auto& list = static_cast<const ListValue&>(value);
  put_varint(out, list.size());
  for (auto c = list.front(); c.valid(); c.next()) put_bytes(out, c.value());
}

std::unique_ptr<Object> deserialize_list(std::string_view body) {
  Reader r(body);
  std::uint64_t n;
  std::string_view a;
  auto list = std::make_unique<ListValue>();
  if (!r.count(n)) return nullptr;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!r.bytes(a)) return nullptr;
    list->push(ListEnd::kTail, a);
  }
  return r.done() ? std::move(list) : nullptr;
}

// Hashes: a count, then field/value pairs.
void serialize_hash(const Object& value, std::string& out) {
  const auto& hash = static_cast<const HashValue&>(value);
  put_varint(out, hash.size());
  for (auto it = hash.begin(); it != hash.end(); ++it) {
    put_bytes(out, (*it).field);
    put_bytes(out, (*it).value);
  }
}

std::unique_ptr<Object> deserialize_hash(std::string_view body) {
  Reader r(body);
  std::uint64_t n;
  std::string_view a, b;
  auto hash = std::make_unique<HashValue>();
  if (!r.count(n)) return nullptr;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!r.bytes(a) || !r.bytes(b)) return nullptr;
    std::string_view args[] = {a, b};
    hash->prepare_write(args);
    hash->set(a, b);
  }
  return r.done() ? std::move(hash) : nullptr;
}

// Sets: a count, then each member.
void serialize_set(const Object& value, std::string& out) {
  const auto& set = static_cast<const SetValue&>(value);
  put_varint(out, set.size());
  set.for_each([&out](std::string_view m) {
    put_bytes(out, m);
    return true;
  });
}

std::unique_ptr<Object> deserialize_set(std::string_view body) {
  Reader r(body);
  std::uint64_t n;
  std::string_view a;
  auto set = std::make_unique<SetValue>();
  if (!r.count(n)) return nullptr;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!r.bytes(a)) return nullptr;
    set->add(a);
  }
  return r.done() ? std::move(set) : nullptr;
}

// Sorted sets: the encoding (0 listpack, 1 skiplist), a count, then
// member/score pairs in order (the score as its 8 bytes). Loaded as Redis's
// RDB loader does: a listpack stays one unless it has more entries than
// zset-max-listpack-entries; a skiplist becomes a listpack when it fits both
// limits.
void serialize_zset(const Object& value, std::string& out) {
  const auto& z = static_cast<const ZSetValue&>(value);
  out.push_back(z.is_listpack() ? '\0' : '\1');
  put_varint(out, z.size());
  z.for_each([&out](const ZItem& it) {
    put_bytes(out, it.member);
    put_bytes(out, std::string_view(reinterpret_cast<const char*>(&it.score), sizeof it.score));
  });
}

std::unique_ptr<Object> deserialize_zset(std::string_view body) {
  if (body.empty() || static_cast<unsigned char>(body[0]) > 1) return nullptr;
  const bool listpack = body[0] == '\0';
  Reader r(body.substr(1));
  std::uint64_t n;
  std::string_view m, s;
  if (!r.count(n)) return nullptr;
  auto z = std::make_unique<ZSetValue>(!listpack);
  std::unordered_set<std::string_view> seen;
  double last_score = 0;
  std::string_view last_member;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!r.bytes(m) || !r.bytes(s) || s.size() != sizeof(double)) return nullptr;
    double score;
    std::memcpy(&score, s.data(), sizeof score);
    // An untrusted payload: scores are numbers, in order, members distinct.
    if (std::isnan(score) || !seen.insert(m).second) return nullptr;
    if (i > 0 && (score < last_score || (score == last_score && compare_members(m, last_member) <= 0))) return nullptr;
    z->append_sorted(m, score);
    last_score = score;
    last_member = m;
  }
  if (!r.done()) return nullptr;
  const auto max_entries = EncodingLimits::instance().zset_max_listpack_entries.load(std::memory_order_relaxed);
  if (listpack && static_cast<std::int64_t>(n) > max_entries) z->convert_to_skiplist();
  if (!listpack) z->convert_to_listpack_if_fits();
  return z;
}

// Streams: length, last id, max deleted id, entries added, the nodes (master
// id and encoded bytes), then the groups with their PELs and consumers.
void put_id(std::string& out, StreamId id) {
  put_varint(out, id.ms);
  put_varint(out, id.seq);
}

bool get_id(Reader& r, StreamId& id) { return r.varint(id.ms) && r.varint(id.seq); }

void serialize_stream(const Object& value, std::string& out) {
  const auto& s = static_cast<const StreamValue&>(value);
  put_varint(out, s.length());
  put_id(out, s.last_id());
  put_id(out, s.max_deleted_id());
  put_varint(out, s.entries_added());
  put_varint(out, s.nodes().size());
  for (const auto& [master, node] : s.nodes()) {
    put_id(out, master);
    put_bytes(out, node.data);
  }
  put_varint(out, s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    put_bytes(out, name);
    put_id(out, g.last_id);
    put_varint(out, static_cast<std::uint64_t>(g.entries_read + 1));  // -1 (unknown) as 0
    put_varint(out, g.pel.size());
    for (const auto& [id, n] : g.pel) {
      put_id(out, id);
      put_varint(out, static_cast<std::uint64_t>(n.delivery_time));
      put_varint(out, n.delivery_count);
      put_bytes(out, n.consumer);
    }
    put_varint(out, g.consumers.size());
    for (const auto& [cname, c] : g.consumers) {
      put_bytes(out, cname);
      put_varint(out, static_cast<std::uint64_t>(c.seen_time));
    }
  }
}

std::unique_ptr<Object> deserialize_stream(std::string_view body) {
  Reader r(body);
  std::uint64_t length, added, nodes, ngroups;
  StreamId last, max_deleted;
  if (!r.varint(length) || !get_id(r, last) || !get_id(r, max_deleted) || !r.varint(added) || !r.count(nodes)) {
    return nullptr;
  }
  std::map<StreamId, StreamValue::Node> parts;
  for (std::uint64_t i = 0; i < nodes; ++i) {
    StreamId master;
    std::string_view data;
    if (!get_id(r, master) || !r.bytes(data)) return nullptr;
    parts[master].data.assign(data);
  }
  auto s = std::make_unique<StreamValue>();
  if (parts.size() != nodes || !s->load(std::move(parts), length, last, max_deleted, added)) return nullptr;
  if (!r.count(ngroups)) return nullptr;
  for (std::uint64_t i = 0; i < ngroups; ++i) {
    std::string_view name;
    StreamGroup g;
    std::uint64_t read, npel, nconsumers;
    if (!r.bytes(name) || !get_id(r, g.last_id) || !r.varint(read) || !r.count(npel)) return nullptr;
    g.entries_read = static_cast<std::int64_t>(read) - 1;
    for (std::uint64_t j = 0; j < npel; ++j) {
      StreamId id;
      StreamNack n;
      std::uint64_t time;
      std::string_view consumer;
      if (!get_id(r, id) || !r.varint(time) || !r.varint(n.delivery_count) || !r.bytes(consumer)) return nullptr;
      n.delivery_time = static_cast<std::int64_t>(time);
      n.consumer.assign(consumer);
      g.pel.emplace(id, std::move(n));
    }
    if (!r.count(nconsumers)) return nullptr;
    for (std::uint64_t j = 0; j < nconsumers; ++j) {
      std::string_view cname;
      std::uint64_t seen;
      if (!r.bytes(cname) || !r.varint(seen)) return nullptr;
      g.consumers[std::string(cname)].seen_time = static_cast<std::int64_t>(seen);
    }
    for (const auto& [id, n] : g.pel) {
      auto c = g.consumers.find(n.consumer);
      if (c == g.consumers.end()) return nullptr;  // every pending entry has its consumer
      c->second.pel.insert(id);
    }
    if (!s->groups().emplace(std::string(name), std::move(g)).second) return nullptr;
  }
  return r.done() ? std::move(s) : nullptr;
}

}  // namespace

TypeRegistry& TypeRegistry::instance() {
  static TypeRegistry registry;
  return registry;
}

TypeRegistry::TypeRegistry() {
  // Strings live in the record itself: the keyspace serializes them.
  add({ValueType::kString, "string"});
  add({ValueType::kList, "list", serialize_list, deserialize_list});
  add({ValueType::kSet, "set", serialize_set, deserialize_set});
  add({ValueType::kHash, "hash", serialize_hash, deserialize_hash});
  add({ValueType::kZSet, "zset", serialize_zset, deserialize_zset});
  // Sorted sets register with their family (no value can hold one yet).
  add({ValueType::kZSet, "zset"});
  add({ValueType::kStream, "stream", serialize_stream, deserialize_stream});
}

bool TypeRegistry::add(const TypeInfo& info) {
  const auto i = static_cast<unsigned>(info.type);
  if (i >= kSlots) return false;
  std::lock_guard lock(mu_);
  if (used_[i].load(std::memory_order_relaxed)) return false;
  slots_[i] = info;
  used_[i].store(true, std::memory_order_release);  // readers see the slot written
  return true;
}

std::optional<ValueType> TypeRegistry::allocate() {
  for (unsigned i = kFirstModuleType; i < kSlots; ++i) {
    if (!used_[i].load(std::memory_order_acquire)) return static_cast<ValueType>(i);
  }
  return std::nullopt;
}

const TypeInfo* TypeRegistry::find(std::string_view name) const {
  for (unsigned i = 0; i < kSlots; ++i) {
    if (used_[i].load(std::memory_order_acquire) && slots_[i].name == name) return &slots_[i];
  }
  return nullptr;
}

std::string_view type_name(ValueType t) {
  const TypeInfo* info = TypeRegistry::instance().find(t);
  return info ? info->name : std::string_view("none");
}

}  // namespace kora::core
