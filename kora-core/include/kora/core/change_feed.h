#pragma once
// ChangeFeed: one shard's ordered stream of write effects.
//
// Every write that changes the shard's data is published here exactly once, in
// the order it happened on the shard, as a deterministic command (Redis's
// propagation rules: SPOP as SREM, a relative TTL as an absolute PEXPIREAT or
// SET ... PXAT, INCRBYFLOAT as SET ... KEEPTTL, a blocking pop as its
// non-blocking form, expiry and eviction as DEL, RESTORE/COPY as full values).
// Replaying a shard's changes, in order, through the command table into an
// empty shard reproduces its keyspace — every value, though not always its
// encoding: a full value loads as RESTORE does (a sorted set left small in a
// skiplist comes back as a listpack, as after Redis's DEBUG RELOAD). Each change carries a shard-local,
// strictly increasing sequence number, its db index, and — when it belongs to
// a cross-shard command or an EXEC — the transaction id that every shard's part
// of that command carries, with `tx_end` set on the shard's last change of it,
// so that a consumer can apply a transaction all or nothing.
//
// Consumers (WAL, CDC, replication, keyspace notifications) subscribe; with
// none subscribed, the execution wrapper builds no effect and the feed costs a
// branch per write.
//
// Thread-safety: shard-local, like the Shard that owns it. Consumers are
// called on the thread that holds the shard and must not block or touch the
// keyspace; subscribe/unsubscribe on that thread too (ShardEngine::call).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kora/core/hash.h"
#include "kora/core/key_events.h"

namespace kora::core {

struct Change {
  std::uint64_t seq = 0;   // shard-local, strictly increasing from 1
  std::uint64_t txid = 0;  // 0: a standalone command
  bool tx_end = false;     // the shard's last change of transaction `txid`
  int db = 0;
  std::vector<std::string> argv;  // the effect, as a command
};

class ChangeConsumer {
 public:
  virtual ~ChangeConsumer() = default;
  virtual void on_change(ShardId shard, const Change& change) = 0;
};

class ChangeFeed final : public KeyListener {
 public:
  ChangeFeed(ShardId shard, KeyEventHub& hub) : shard_(shard), hub_(hub) {}
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;
  ~ChangeFeed() override;

  // True when a consumer is subscribed: only then do writers build effects.
  bool active() const { return !consumers_.empty(); }

  void subscribe(ChangeConsumer* c);
  void unsubscribe(ChangeConsumer* c);

  // Publishes one effect. Inside a transaction it is held until end_tx().
  // Precondition: active().
  void publish(int db, std::vector<std::string> argv);

  // Marks the start and end of this shard's part of transaction `txid`
  // (nonzero). Changes published meanwhile, including expiry DELs, carry txid
  // and reach consumers at end_tx, the last one with tx_end set.
  void begin_tx(std::uint64_t txid);
  void end_tx();
  bool in_tx() const { return txid_ != 0; }

  // Key capture, for a command whose keys span shards: between begin_capture
  // and take_captured, every key changed on this shard by a command (not by
  // expiry) is recorded, once, so that the wrapper can publish each one's final
  // state (its full value or its deletion) instead of the command line.
  void begin_capture() {
    capturing_ = true;
    captured_.clear();
  }
  std::vector<std::pair<int, std::string>> take_captured() {
    capturing_ = false;
    return std::move(captured_);
  }

  // The sequence number of the last change delivered (0: none yet).
  std::uint64_t last_seq() const { return seq_; }

  // KeyListener: expiry and eviction become DEL; captured keys are recorded.
  void on_key_event(int db, KeyEvent event, std::string_view key) override;

 private:
  void deliver(Change& c);

  ShardId shard_;
  KeyEventHub& hub_;
  std::vector<ChangeConsumer*> consumers_;
  std::uint64_t seq_ = 0;
  std::uint64_t txid_ = 0;
  std::vector<Change> held_;  // this shard's part of the open transaction
  bool capturing_ = false;
  std::vector<std::pair<int, std::string>> captured_;
};

}  // namespace kora::core
