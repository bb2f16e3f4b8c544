#pragma once
// StreamValue: the value of a Redis stream (Redis 7.0's t_stream.c data model).
//
// Storage. Entries live in nodes of at most stream-node-max-entries entries and
// about stream-node-max-bytes bytes (EncodingLimits, read when a node is
// opened), kept in an ordered map keyed by the node's master id (the id of the
// first entry written to it): a seek is O(log N) in the number of nodes. A node
// is one byte string, as Redis's listpack:
//   [varint nfields][field...]                      the master entry's fields
//   per entry: [flags][varint ms-delta][varint seq][values or fields+values]
// where flags has kDeleted (XDEL, exact trimming mark entries) and kSameFields
// (the entry's field names are the master's: only the values are stored),
// ms-delta is against the master id and seq is a delta against the master's
// seq when ms-delta is 0, the raw seq otherwise. Strings are varint-length
// prefixed. A node whose entries are all deleted is removed.
//
// Consumer groups (ordered by name, as Redis's rax) hold their last delivered
// id, entries-read counter, the pending entries list (PEL, ordered by id) and
// consumers (ordered by name), each with its own PEL.
//
// Shard-local: touched only by the thread owning the Db holding it.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kora/core/object.h"

namespace kora::core {

// A stream entry id: <ms>-<seq>, both unsigned 64-bit.
struct StreamId {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;

  auto operator<=>(const StreamId&) const = default;
  static constexpr StreamId max() { return {UINT64_MAX, UINT64_MAX}; }
  bool is_max() const { return ms == UINT64_MAX && seq == UINT64_MAX; }
  // The next / previous id; false (and unchanged) at the ends.
  bool incr();
  bool decr();
  // "<ms>-<seq>"
  std::string str() const;
};

// One entry, as read: views into the node, valid until the stream changes.
struct StreamEntryView {
  StreamId id;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};

// A pending entry of a group: delivered to `consumer`, not acknowledged yet.
struct StreamNack {
  std::int64_t delivery_time = 0;  // unix ms of the last delivery
  std::uint64_t delivery_count = 0;
  std::string consumer;
};

struct StreamConsumer {
  std::int64_t seen_time = 0;  // unix ms of its last read or claim
  std::set<StreamId> pel;      // the ids pending for it (keys of the group's pel)
};

// Redis's SCG_INVALID_ENTRIES_READ: the group's entries-read is unknown.
inline constexpr std::int64_t kEntriesReadInvalid = -1;

struct StreamGroup {
  StreamId last_id{};
  std::int64_t entries_read = kEntriesReadInvalid;
  std::map<StreamId, StreamNack> pel{};
  std::map<std::string, StreamConsumer, std::less<>> consumers{};
};

enum class TrimStrategy : unsigned char { kNone, kMaxLen, kMinId };

struct TrimArgs {
  TrimStrategy strategy = TrimStrategy::kNone;
  bool approx = false;
  std::int64_t maxlen = 0;
  StreamId minid{};
  std::int64_t limit = 0;  // 0: no limit
};

class StreamValue final : public Object {
 public:
  static constexpr ValueType kType = ValueType::kStream;

  StreamValue() = default;

  ValueType type() const override { return kType; }
  std::string_view encoding() const override { return "stream"; }
  // The number of entries; an empty stream is kept (Redis never deletes one).
  std::size_t size() const override { return length_; }
  std::unique_ptr<Object> clone() const override { return std::make_unique<StreamValue>(*this); }
  std::size_t memory_usage() const override;

  std::size_t length() const { return length_; }
  StreamId last_id() const { return last_id_; }
  StreamId max_deleted_id() const { return max_deleted_; }
  std::uint64_t entries_added() const { return entries_added_; }
  // The first live entry's id, or 0-0 when empty (Redis's first_id).
  StreamId first_id() const { return first_id_; }
  // The last live entry's id, or 0-0 when empty (streamLastValidID).
  StreamId last_valid_id() const;
  std::size_t node_count() const { return nodes_.size(); }
  // The node count Redis's radix tree would have for these nodes' keys (the
  // 16-byte big-endian master ids): the root, every key, every branching
  // prefix and every child edge of one (XINFO's radix-tree-nodes). O(N log N).
  std::size_t rax_nodes() const;

  // Appends an entry with `id` (> last_id(), checked by the caller) and the
  // field/value pairs of `fv` (even length, > 0). O(len) amortized plus
  // O(log nodes) to open a node.
  void append(StreamId id, std::span<const std::string_view> fv);

  // Marks the entry `id` deleted; false when absent. Updates max-deleted-id
  // and the first id. O(log nodes + node size).
  bool remove(StreamId id);

  // Trims as Redis's streamTrim; returns how many entries were removed.
  std::int64_t trim(const TrimArgs& args);

  // XSETID's changes. Preconditions checked by the caller.
  void set_last_id(StreamId id) { last_id_ = id; }
  void set_entries_added(std::uint64_t n) { entries_added_ = n; }
  void set_max_deleted_id(StreamId id) { max_deleted_ = id; }

  // Calls fn(const StreamEntryView&) for the live entries with ids in
  // [start, end], ascending (or descending when `rev`), at most `count`
  // (0: all). fn returns false to stop. O(log nodes + entries visited).
  template <typename F>
  void range(StreamId start, StreamId end, bool rev, std::size_t count, F&& fn) const {
    std::size_t n = 0;
    visit(start, end, rev, [&](const StreamEntryView& e) {
      if (!fn(e)) return false;
      return count == 0 || ++n < count;
    });
  }
  // The entry `id` if it is live, copied out.
  bool contains(StreamId id) const;

  // Consumer groups, by name.
  std::map<std::string, StreamGroup, std::less<>>& groups() { return groups_; }
  const std::map<std::string, StreamGroup, std::less<>>& groups() const { return groups_; }
  StreamGroup* group(std::string_view name) {
    auto it = groups_.find(name);
    return it == groups_.end() ? nullptr : &it->second;
  }

  // Redis 7.0's streamEstimateDistanceFromFirstEverEntry: the group's
  // entries-read if it can be known (else kEntriesReadInvalid).
  std::int64_t estimate_entries_read(const StreamGroup& g) const;
  // Redis's streamRangeHasTombstones over [start, end] (0-0..max when nullopt).
  bool range_has_tombstones(std::optional<StreamId> start, std::optional<StreamId> end) const;

  // Node-level access for serialization: each node's master id and encoded
  // bytes, and loading them back (trusted only after validate()).
  struct Node {
    std::string data;            // the encoded master fields and entries
    std::uint32_t count = 0;     // entries written, deleted ones included
    std::uint32_t live = 0;      // entries not deleted
  };
  const std::map<StreamId, Node>& nodes() const { return nodes_; }
  // Rebuilds from serialized parts; false when a node's bytes are malformed.
  bool load(std::map<StreamId, Node> nodes, std::size_t length, StreamId last_id, StreamId max_deleted,
            std::uint64_t entries_added);

 private:
  // Visits live entries of [start, end] in order; fn returns false to stop.
  template <typename F>
  void visit(StreamId start, StreamId end, bool rev, F&& fn) const;
  void refresh_first_id();

  std::map<StreamId, Node> nodes_;
  std::size_t length_ = 0;
  StreamId last_id_{};
  StreamId first_id_{};
  StreamId max_deleted_{};
  std::uint64_t entries_added_ = 0;
  std::map<std::string, StreamGroup, std::less<>> groups_;
};

// The decoding of one node: used by StreamValue's visitors and validation.
namespace stream_node {
struct Decoded {
  StreamId id;
  bool deleted = false;
  std::size_t flags_offset = 0;  // where the entry's flags byte is
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};
// Reads a node's entries one at a time (forward), reusing one Decoded.
class Reader {
 public:
  // False from ok() when the master fields are malformed.
  Reader(StreamId master, std::string_view node);
  bool ok() const { return ok_; }
  // The next entry into `d`; false at the end or on malformed bytes (then ok() is false).
  bool next(Decoded& d);

 private:
  StreamId master_;
  std::string_view node_;
  std::size_t pos_ = 0;
  bool ok_ = true;
  std::vector<std::string_view> names_;
};
// Decodes every entry of `node` (master id `master`) in order; false when the
// bytes are malformed (a RESTORE payload).
bool decode(StreamId master, std::string_view node, std::vector<Decoded>& out);
}  // namespace stream_node

template <typename F>
void StreamValue::visit(StreamId start, StreamId end, bool rev, F&& fn) const {
  if (nodes_.empty() || start > end) return;
  if (!rev) {
    auto it = nodes_.upper_bound(start);
    if (it != nodes_.begin()) --it;
    stream_node::Decoded d;
    for (; it != nodes_.end() && it->first <= end; ++it) {
      stream_node::Reader reader(it->first, it->second.data);
      while (reader.next(d)) {
        if (d.deleted || d.id < start) continue;
        if (d.id > end) return;
        if (!fn(StreamEntryView{d.id, d.fields})) return;
      }
    }
  } else {
    auto it = nodes_.upper_bound(end);
    std::vector<stream_node::Decoded> entries;
    while (it != nodes_.begin()) {
      --it;
      entries.clear();
      stream_node::decode(it->first, it->second.data, entries);
      for (auto d = entries.rbegin(); d != entries.rend(); ++d) {
        if (d->deleted || d->id > end) continue;
        if (d->id < start) return;
        if (!fn(StreamEntryView{d->id, d->fields})) return;
      }
    }
  }
}

}  // namespace kora::core
