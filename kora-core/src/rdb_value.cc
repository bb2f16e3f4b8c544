// The RDB value codec (kora/core/rdb.h): Kora's values to and from Redis 7.0's
// object encodings.

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "kora/core/hash_value.h"
#include "kora/core/list_value.h"
#include "kora/core/rdb.h"
#include "kora/core/set_value.h"
#include "kora/core/stream_value.h"
#include "kora/core/type_registry.h"
#include "kora/core/zset_value.h"
#include "rdb_codec.h"
#include "rdb_value.h"

namespace kora::core::rdb {
namespace {

constexpr std::uint8_t kModuleOpcodeEof = 0, kModuleOpcodeString = 5;
constexpr std::string_view kModuleCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kModulePrefix = "koratype";

std::int64_t limit(const std::atomic<std::int64_t>& v) { return v.load(std::memory_order_relaxed); }

// --- Saving ---

void save_list(const ListValue& list, std::string& out) {
  const auto& lim = EncodingLimits::instance();
  const std::int64_t fill = limit(lim.list_max_listpack_size);
  const std::int64_t plain = limit(lim.list_packed_threshold);
  std::size_t max_bytes = 0, max_count = 0;
  if (fill >= 0) {
    max_count = fill == 0 ? 1 : static_cast<std::size_t>(fill);
  } else {
    max_bytes = std::size_t{4096} << std::min<std::int64_t>(-fill - 1, 4);
  }
  // Nodes: (container, bytes). PLAIN (1) holds one big element, PACKED (2) a listpack.
  std::vector<std::pair<int, std::string>> nodes;
  ListpackWriter lp;
  auto flush = [&] {
    if (lp.count()) nodes.emplace_back(2, lp.finish());
  };
  for (auto c = list.front(); c.valid(); c.next()) {
    std::string_view v = c.value();
    if (static_cast<std::int64_t>(v.size()) >= plain) {
      flush();
      nodes.emplace_back(1, std::string(v));
      continue;
    }
    const bool full = max_count ? lp.count() >= max_count : lp.count() && lp.bytes() + v.size() + 11 > max_bytes;
    if (full) flush();
    lp.append(v);
  }
  flush();
  put_len(out, nodes.size());
  for (const auto& [container, bytes] : nodes) {
    put_len(out, static_cast<std::uint64_t>(container));
    put_string(out, bytes);
  }
}

void save_set(const SetValue& set, std::string& out, std::uint8_t* type) {
  if (set.is_intset()) {
    *type = kTypeSetIntset;
    std::vector<std::int64_t> v;
    v.reserve(set.size());
    for (std::size_t i = 0; i < set.ints().size(); ++i) v.push_back(set.ints().at(i));
    put_string(out, encode_intset(v));
    return;
  }
  *type = kTypeSet;
  put_len(out, set.size());
  set.for_each([&out](std::string_view m) {
    put_string(out, m);
    return true;
  });
}

void save_hash(const HashValue& hash, std::string& out, std::uint8_t* type) {
  if (hash.is_listpack()) {
    *type = kTypeHashListpack;
    ListpackWriter lp;
    for (auto it = hash.begin(); it != hash.end(); ++it) {
      lp.append((*it).field);
      lp.append((*it).value);
    }
    put_string(out, lp.finish());
    return;
  }
  *type = kTypeHash;
  put_len(out, hash.size());
  for (auto it = hash.begin(); it != hash.end(); ++it) {
    put_string(out, (*it).field);
    put_string(out, (*it).value);
  }
}

void save_zset(const ZSetValue& z, std::string& out, std::uint8_t* type) {
  if (z.is_listpack()) {
    *type = kTypeZSetListpack;
    ListpackWriter lp;
    z.for_each([&lp](const ZItem& it) {
      lp.append(it.member);
      lp.append(format_score(it.score));
    });
    put_string(out, lp.finish());
    return;
  }
  *type = kTypeZSet2;
  put_len(out, z.size());
  // Redis writes the skiplist from the tail, so that loading inserts at the head.
  std::vector<std::pair<std::string_view, double>> items;
  items.reserve(z.size());
  z.for_each([&items](const ZItem& it) { items.emplace_back(it.member, it.score); });
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    put_string(out, it->first);
    put_double(out, it->second);
  }
}

// One Kora stream node as a Redis stream listpack: the master entry (live
// count, deleted count, the first entry's field names, 0), then each entry.
std::string stream_listpack(StreamId master, const std::vector<stream_node::Decoded>& entries) {
  ListpackWriter lp;
  std::size_t deleted = 0;
  for (const auto& e : entries) deleted += e.deleted;
  lp.append_int(static_cast<std::int64_t>(entries.size() - deleted));
  lp.append_int(static_cast<std::int64_t>(deleted));
  const auto& master_fields = entries.front().fields;
  lp.append_int(static_cast<std::int64_t>(master_fields.size()));
  for (const auto& [f, v] : master_fields) lp.append(f);
  lp.append_int(0);
  for (const auto& e : entries) {
    bool same = e.fields.size() == master_fields.size();
    for (std::size_t i = 0; same && i < e.fields.size(); ++i) same = e.fields[i].first == master_fields[i].first;
    lp.append_int((e.deleted ? 1 : 0) | (same ? 2 : 0));
    lp.append_int(static_cast<std::int64_t>(e.id.ms - master.ms));
    lp.append_int(static_cast<std::int64_t>(e.id.seq - master.seq));
    const auto n = static_cast<std::int64_t>(e.fields.size());
    if (!same) {
      lp.append_int(n);
      for (const auto& [f, v] : e.fields) {
        lp.append(f);
        lp.append(v);
      }
    } else {
      for (const auto& [f, v] : e.fields) lp.append(v);
    }
    lp.append_int(same ? n + 3 : 2 * n + 4);
  }
  return lp.finish();
}

void save_stream(const StreamValue& s, std::string& out) {
  put_len(out, s.nodes().size());
  std::vector<stream_node::Decoded> entries;
  for (const auto& [master, node] : s.nodes()) {
    entries.clear();
    stream_node::decode(master, node.data, entries);
    std::string key;
    put_stream_id_raw(key, master.ms, master.seq);
    put_string(out, key);
    put_string(out, stream_listpack(master, entries));
  }
  put_len(out, s.length());
  put_len(out, s.last_id().ms);
  put_len(out, s.last_id().seq);
  put_len(out, s.first_id().ms);
  put_len(out, s.first_id().seq);
  put_len(out, s.max_deleted_id().ms);
  put_len(out, s.max_deleted_id().seq);
  put_len(out, s.entries_added());
  put_len(out, s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    put_string(out, name);
    put_len(out, g.last_id.ms);
    put_len(out, g.last_id.seq);
    put_len(out, static_cast<std::uint64_t>(g.entries_read));  // -1 (unknown) as 2^64-1, as Redis
    put_len(out, g.pel.size());
    for (const auto& [id, nack] : g.pel) {
      put_stream_id_raw(out, id.ms, id.seq);
      put_u64le(out, static_cast<std::uint64_t>(nack.delivery_time));
      put_len(out, nack.delivery_count);
    }
    put_len(out, g.consumers.size());
    for (const auto& [cname, c] : g.consumers) {
      put_string(out, cname);
      put_u64le(out, static_cast<std::uint64_t>(c.seen_time));
      put_len(out, c.pel.size());
      for (const auto& id : c.pel) put_stream_id_raw(out, id.ms, id.seq);
    }
  }
}

std::uint64_t module_id_for(ValueType t) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string name(kModulePrefix);
  name.push_back(kHex[static_cast<unsigned>(t) & 15]);
  std::uint64_t id = 0;
  for (char c : name) id = id << 6 | kModuleCharset.find(c);
  return id << 10;  // encoding version 0
}

}  // namespace

std::optional<ValueType> module_type_for_id(std::uint64_t id) {
  for (unsigned t = TypeRegistry::kFirstModuleType; t < TypeRegistry::kSlots; ++t) {
    if (module_id_for(static_cast<ValueType>(t)) == (id & ~std::uint64_t{1023})) return static_cast<ValueType>(t);
  }
  return std::nullopt;
}

std::string module_name_of(std::uint64_t id) {
  std::string name(9, '?');
  id >>= 10;
  for (int i = 8; i >= 0; --i, id >>= 6) name[static_cast<std::size_t>(i)] = kModuleCharset[id & 63];
  return name;
}

void append_value(const Entry& e, std::string& out) {
  const std::size_t type_at = out.size();
  out.push_back('\0');
  std::uint8_t type = kTypeString;
  switch (e.type()) {
    case ValueType::kString:
      put_string(out, e.str());
      break;
    case ValueType::kList:
      type = kTypeListQuicklist2;
      save_list(e.as<ListValue>(), out);
      break;
    case ValueType::kSet:
      save_set(e.as<SetValue>(), out, &type);
      break;
    case ValueType::kHash:
      save_hash(e.as<HashValue>(), out, &type);
      break;
    case ValueType::kZSet:
      save_zset(e.as<ZSetValue>(), out, &type);
      break;
    case ValueType::kStream:
      type = kTypeStreamListpacks2;
      save_stream(e.as<StreamValue>(), out);
      break;
    default: {
      // A module type: its own serialization inside a MODULE_2 record.
      type = kTypeModule2;
      put_len(out, module_id_for(e.type()));
      std::string body;
      if (const TypeInfo* info = TypeRegistry::instance().find(e.type()); info && info->serialize) {
        info->serialize(*e.object(), body);
      }
      put_len(out, kModuleOpcodeString);
      put_string(out, body);
      put_len(out, kModuleOpcodeEof);
    }
  }
  out[type_at] = static_cast<char>(type);
}

}  // namespace kora::core::rdb
