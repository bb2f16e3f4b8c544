#include "kora/core/stream_value.h"

#include <cstring>

#include "kora/core/numbers.h"
#include "varint.h"

namespace kora::core {

namespace {

constexpr unsigned char kDeleted = 1;
constexpr unsigned char kSameFields = 2;

void put_varint(std::string& out, std::uint64_t v) {
  unsigned char buf[10];
  out.append(reinterpret_cast<const char*>(buf), varint::put(buf, v));
}

void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// Bounds-checked reading of a node's bytes.
struct Cursor {
  std::string_view s;
  std::size_t pos = 0;
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= s.size()) return false;
      auto b = static_cast<unsigned char>(s[pos++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool bytes(std::string_view& out) {
    std::uint64_t n;
    if (!varint(n) || n > s.size() - pos) return false;
    out = s.substr(pos, n);
    pos += n;
    return true;
  }
};

// The master entry's field names of a node.
bool master_fields(Cursor& c, std::vector<std::string_view>& out) {
  std::uint64_t n;
  if (!c.varint(n) || n > c.s.size()) return false;
  out.resize(n);
  for (auto& f : out) {
    if (!c.bytes(f)) return false;
  }
  return true;
}

}  // namespace

bool StreamId::incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) return false;
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamId::decr() {
  if (seq == 0) {
    if (ms == 0) return false;
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

std::string StreamId::str() const {
  std::string out = std::to_string(ms);
  out += '-';
  out += std::to_string(seq);
  return out;
}

namespace stream_node {

Reader::Reader(StreamId master, std::string_view node) : master_(master), node_(node) {
  Cursor c{node};
  ok_ = master_fields(c, names_);
  pos_ = c.pos;
}

bool Reader::next(Decoded& d) {
  if (!ok_ || pos_ >= node_.size()) return false;
  Cursor c{node_, pos_};
  d.flags_offset = c.pos;
  const auto flags = static_cast<unsigned char>(node_[c.pos++]);
  d.deleted = flags & kDeleted;
  std::uint64_t dms, seq;
  ok_ = c.varint(dms) && c.varint(seq) && dms <= UINT64_MAX - master_.ms;
  if (!ok_) return false;
  d.id.ms = master_.ms + dms;
  if (dms == 0) {
    ok_ = seq <= UINT64_MAX - master_.seq;
    d.id.seq = master_.seq + seq;
  } else {
    d.id.seq = seq;
  }
  if (flags & kSameFields) {
    d.fields.resize(names_.size());
    for (std::size_t i = 0; ok_ && i < names_.size(); ++i) {
      d.fields[i].first = names_[i];
      ok_ = c.bytes(d.fields[i].second);
    }
  } else {
    std::uint64_t n;
    ok_ = c.varint(n) && n <= node_.size();
    if (ok_) d.fields.resize(n);
    for (std::size_t i = 0; ok_ && i < d.fields.size(); ++i) {
      ok_ = c.bytes(d.fields[i].first) && c.bytes(d.fields[i].second);
    }
  }
  pos_ = c.pos;
  return ok_;
}

bool decode(StreamId master, std::string_view node, std::vector<Decoded>& out) {
  Reader r(master, node);
  Decoded d;
  while (r.next(d)) out.push_back(d);
  return r.ok();
}

}  // namespace stream_node

void StreamValue::append(StreamId id, std::span<const std::string_view> fv) {
  const auto& limits = EncodingLimits::instance();
  const std::int64_t max_bytes = limits.stream_node_max_bytes.load(std::memory_order_relaxed);
  const std::int64_t max_entries = limits.stream_node_max_entries.load(std::memory_order_relaxed);
  std::size_t payload = 0;
  for (auto s : fv) payload += s.size();
  Node* node = nullptr;
  StreamId master{};
  if (!nodes_.empty()) {
    auto& [m, last] = *nodes_.rbegin();
    const bool full_bytes = max_bytes > 0 && last.data.size() + payload >= static_cast<std::uint64_t>(max_bytes);
    const bool full_count = max_entries > 0 && last.count >= static_cast<std::uint64_t>(max_entries);
    if (!full_bytes && !full_count) {
      node = &last;
      master = m;
    }
  }
  const std::size_t nfields = fv.size() / 2;
  if (!node) {
    master = id;
    node = &nodes_[id];
    put_varint(node->data, nfields);
    for (std::size_t i = 0; i < nfields; ++i) put_bytes(node->data, fv[2 * i]);
  }
  // Are the field names the master's?
  Cursor c{node->data};
  std::uint64_t master_n = 0;
  c.varint(master_n);
  bool same = master_n == nfields;
  std::string_view name;
  for (std::size_t i = 0; same && i < nfields; ++i) same = c.bytes(name) && name == fv[2 * i];
  std::string& d = node->data;
  d.push_back(static_cast<char>(same ? kSameFields : 0));
  const std::uint64_t dms = id.ms - master.ms;
  put_varint(d, dms);
  put_varint(d, dms == 0 ? id.seq - master.seq : id.seq);
  if (same) {
    for (std::size_t i = 0; i < nfields; ++i) put_bytes(d, fv[2 * i + 1]);
  } else {
    put_varint(d, nfields);
    for (auto s : fv) put_bytes(d, s);
  }
  ++node->count;
  ++node->live;
  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
}

bool StreamValue::contains(StreamId id) const {
  bool found = false;
  visit(id, id, false, [&](const StreamEntryView&) {
    found = true;
    return false;
  });
  return found;
}

bool StreamValue::remove(StreamId id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return false;
  --it;
  std::vector<stream_node::Decoded> entries;
  stream_node::decode(it->first, it->second.data, entries);
  for (const auto& e : entries) {
    if (e.id != id) continue;
    if (e.deleted) return false;
    it->second.data[e.flags_offset] = static_cast<char>(it->second.data[e.flags_offset] | kDeleted);
    if (--it->second.live == 0) nodes_.erase(it);
    --length_;
    if (id > max_deleted_) max_deleted_ = id;
    if (length_ == 0) {
      first_id_ = {};
    } else if (id == first_id_) {
      refresh_first_id();
    }
    return true;
  }
  return false;
}

void StreamValue::refresh_first_id() {
  first_id_ = {};
  visit(StreamId{}, StreamId::max(), false, [&](const StreamEntryView& e) {
    first_id_ = e.id;
    return false;
  });
}

StreamId StreamValue::last_valid_id() const {
  StreamId out{};
  visit(StreamId{}, StreamId::max(), true, [&](const StreamEntryView& e) {
    out = e.id;
    return false;
  });
  return out;
}

std::int64_t StreamValue::trim(const TrimArgs& args) {
  if (args.strategy == TrimStrategy::kNone) return 0;
  std::int64_t deleted = 0;
  std::vector<stream_node::Decoded> entries;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (args.strategy == TrimStrategy::kMaxLen && length_ <= static_cast<std::uint64_t>(args.maxlen)) break;
    Node& node = it->second;
    const std::int64_t live = node.live;
    if (args.limit && deleted + live > args.limit) break;
    entries.clear();
    bool remove_node;
    if (args.strategy == TrimStrategy::kMaxLen) {
      remove_node = static_cast<std::int64_t>(length_) - live >= args.maxlen;
    } else {
      stream_node::decode(it->first, node.data, entries);
      remove_node = entries.back().id < args.minid;  // the node's last id, deleted or not
    }
    if (remove_node) {
      length_ -= static_cast<std::size_t>(live);
      deleted += live;
      it = nodes_.erase(it);
      continue;
    }
    if (args.approx) break;
    if (entries.empty()) stream_node::decode(it->first, node.data, entries);
    for (const auto& e : entries) {
      if (e.deleted) continue;
      const bool stop = args.strategy == TrimStrategy::kMaxLen
                            ? length_ <= static_cast<std::uint64_t>(args.maxlen)
                            : e.id >= args.minid;
      if (stop) break;
      node.data[e.flags_offset] = static_cast<char>(node.data[e.flags_offset] | kDeleted);
      --node.live;
      --length_;
      ++deleted;
    }
    break;
  }
  if (length_ == 0) {
    first_id_ = {};
  } else if (deleted) {
    refresh_first_id();
  }
  return deleted;
}

bool StreamValue::range_has_tombstones(std::optional<StreamId> start, std::optional<StreamId> end) const {
  if (length_ == 0 || max_deleted_ == StreamId{}) return false;
  if (first_id_ > max_deleted_) return false;
  const StreamId s = start.value_or(StreamId{});
  const StreamId e = end.value_or(StreamId::max());
  return s <= max_deleted_ && max_deleted_ <= e;
}

std::int64_t StreamValue::estimate_entries_read(const StreamGroup& g) const {
  const StreamId id = g.last_id;
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return static_cast<std::int64_t>(entries_added_);
  if (id == last_id_) return static_cast<std::int64_t>(entries_added_);
  if (id > last_id_) return kEntriesReadInvalid;
  if (max_deleted_ == StreamId{} || max_deleted_ < first_id_) {
    if (id < first_id_) return static_cast<std::int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<std::int64_t>(entries_added_ - length_ + 1);
  }
  return kEntriesReadInvalid;
}

std::size_t StreamValue::rax_nodes() const {
  std::vector<std::string> keys;
  keys.reserve(nodes_.size());
  for (const auto& [id, node] : nodes_) {
    std::string k(16, '\0');
    for (int i = 0; i < 8; ++i) {
      k[static_cast<std::size_t>(i)] = static_cast<char>(id.ms >> (56 - 8 * i));
      k[static_cast<std::size_t>(8 + i)] = static_cast<char>(id.seq >> (56 - 8 * i));
    }
    keys.push_back(std::move(k));
  }
  std::set<std::string> prefixes{std::string()};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    prefixes.insert(keys[i]);
    if (i + 1 == keys.size()) continue;
    std::size_t l = 0;
    while (keys[i][l] == keys[i + 1][l]) ++l;
    prefixes.insert(keys[i].substr(0, l));          // a branching prefix
    prefixes.insert(keys[i].substr(0, l + 1));      // its children's edges
    prefixes.insert(keys[i + 1].substr(0, l + 1));
  }
  return prefixes.size();
}

std::size_t StreamValue::memory_usage() const {
  std::size_t bytes = sizeof(*this);
  for (const auto& [id, node] : nodes_) bytes += 64 + sizeof(Node) + node.data.capacity();
  for (const auto& [name, g] : groups_) {
    bytes += 64 + sizeof(StreamGroup) + name.capacity();
    bytes += g.pel.size() * (64 + sizeof(StreamNack));
    for (const auto& [cname, consumer] : g.consumers) {
      bytes += 64 + sizeof(StreamConsumer) + cname.capacity() + consumer.pel.size() * 48;
    }
  }
  return bytes;
}

bool StreamValue::load(std::map<StreamId, Node> nodes, std::size_t length, StreamId last_id,
                       StreamId max_deleted, std::uint64_t entries_added) {
  std::size_t total = 0;
  std::vector<stream_node::Decoded> entries;
  StreamId prev{};
  bool first = true;
  for (auto& [master, node] : nodes) {
    entries.clear();
    if (!stream_node::decode(master, node.data, entries) || entries.empty()) return false;
    if (entries.front().id != master) return false;
    node.count = static_cast<std::uint32_t>(entries.size());
    node.live = 0;
    for (const auto& e : entries) {
      if (!first && e.id <= prev) return false;
      if (e.id > last_id) return false;
      prev = e.id;
      first = false;
      if (!e.deleted) ++node.live;
    }
    total += node.live;
  }
  if (total != length) return false;
  nodes_ = std::move(nodes);
  length_ = length;
  last_id_ = last_id;
  max_deleted_ = max_deleted;
  entries_added_ = entries_added;
  refresh_first_id();
  return true;
}

}  // namespace kora::core
