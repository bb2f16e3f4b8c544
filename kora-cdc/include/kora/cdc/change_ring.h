#pragma once
// ChangeRing: a shard's recent changes, in order, for change-data-capture consumers.
//
// Every write a shard applies is appended as a ChangeEvent with the next sequence
// number (1, 2, 3, ...). The ring keeps the newest `capacity` events and overwrites
// the oldest when full. A consumer keeps a cursor (the next seq it wants) and calls
// read(cursor, max); if events it never saw were overwritten, the result says so
// (`gap`), and the consumer must resynchronise (e.g. from a snapshot) — never silently
// miss a change.
//
// Thread-safety: none, by contract. A ChangeRing is owned by one shard thread, which
// appends and serves reads; other threads reach it with a message to that shard (as
// all shard state). read() copies events out, so the results outlive later appends.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kora::cdc {

// What a change did to its key.
enum class Op : std::uint8_t {
  kSet,      // key written (value holds the new value)
  kDel,      // key deleted by a command
  kExpire,   // TTL set or changed (value holds the absolute expiry, decimal ms)
  kPersist,  // TTL removed
  kExpired,  // key removed because its TTL passed
  kEvicted,  // key removed by eviction under maxmemory
  kFlush,    // whole database flushed (key empty)
};

// "set", "del", "expire", "persist", "expired", "evicted", "flush".
std::string_view op_name(Op op);

struct ChangeEvent {
  std::uint64_t seq = 0;          // 1-based, consecutive within one ring
  std::int64_t timestamp_ms = 0;  // caller's clock (Unix ms) at the change
  Op op = Op::kSet;
  std::string key;
  std::string value;  // empty for ops without one
};

struct ChangeBatch {
  std::vector<ChangeEvent> events;  // consecutive seqs, oldest first
  std::uint64_t next_seq = 1;       // cursor for the next read()
  bool gap = false;                 // events in [from_seq, oldest_seq) were overwritten
  std::uint64_t oldest_seq = 1;     // oldest retained seq (last_seq() + 1 when empty)
};

class ChangeRing {
 public:
  // A ring that retains the newest `capacity` events. Precondition: capacity > 0; a
  // capacity of 0 is treated as 1. Allocates `capacity` slots up front.
  explicit ChangeRing(std::size_t capacity);

  // Appends a change and returns its seq (last_seq() + 1). Overwrites the oldest
  // event when the ring is full. Copies key and value. O(len(key) + len(value)).
  std::uint64_t append(Op op, std::string_view key, std::string_view value,
                       std::int64_t timestamp_ms);

  // Up to `max` events with seq >= from_seq, oldest first. from_seq 0 means 1 (from
  // the beginning). If from_seq is older than oldest_seq, reading starts at oldest_seq
  // and `gap` is set. If from_seq is past last_seq(), no events come back and
  // next_seq == from_seq (a cursor from the future is not moved back; the caller can
  // detect it by comparing with last_seq()). O(returned bytes).
  ChangeBatch read(std::uint64_t from_seq, std::size_t max) const;

  // Oldest retained seq; last_seq() + 1 when the ring is empty.
  std::uint64_t first_seq() const { return next_seq_ - size_; }
  // Newest assigned seq; 0 before the first append.
  std::uint64_t last_seq() const { return next_seq_ - 1; }

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }
  bool empty() const { return size_ == 0; }
  // Sum of key and value lengths of the retained events (for memory accounting).
  std::size_t payload_bytes() const { return payload_bytes_; }

 private:
  const ChangeEvent& slot_for(std::uint64_t seq) const {
    return slots_[static_cast<std::size_t>((seq - 1) % slots_.size())];
  }

  std::vector<ChangeEvent> slots_;
  std::uint64_t next_seq_ = 1;
  std::size_t size_ = 0;
  std::size_t payload_bytes_ = 0;
};

}  // namespace kora::cdc
