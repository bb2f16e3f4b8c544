// The keyspace's side of the write path: key events raised by Db, the change
// feed's own behaviour (sequence, transactions, expiry as DEL, capture),
// loading mode, per-shard module state and the open type registry.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "kora/core/dump.h"
#include "kora/core/key_ops.h"
#include "kora/core/list_ops.h"
#include "kora/core/shard.h"
#include "kora/core/string_ops.h"
#include "kora/core/set_ops.h"
#include "kora/core/type_registry.h"

using namespace kora::core;

namespace {

struct Events final : KeyListener {
  std::vector<std::pair<KeyEvent, std::string>> seen;
  int flushes = 0;
  void on_key_event(int, KeyEvent e, std::string_view key) override { seen.emplace_back(e, std::string(key)); }
  void on_flush(int, const Db&) override { ++flushes; }
};

struct Changes final : ChangeConsumer {
  std::vector<Change> got;
  void on_change(ShardId, const Change& c) override { got.push_back(c); }
};

}  // namespace

TEST_CASE("Db raises one event per change, in one place") {
  Shard shard(0);
  Events ev;
  shard.events().add(&ev);
  Db& db = shard.db(0);
  const std::int64_t now = 1000;

  REQUIRE(op_set(db, "a", "1", {}, now).ok());
  REQUIRE(ev.seen.size() == 1);
  CHECK(ev.seen.back() == std::make_pair(KeyEvent::kModified, std::string("a")));

  const std::string_view values[] = {"x", "y"};
  REQUIRE(op_push(db, "l", ListEnd::kTail, values, false, now).ok());
  CHECK(ev.seen.back().first == KeyEvent::kModified);

  const std::uint64_t writes = shard.events().writes();
  CHECK_FALSE(op_del(db, "missing", now));  // nothing to delete: no event, no write
  CHECK(shard.events().writes() == writes);

  CHECK(op_del(db, "a", now));
  CHECK(ev.seen.back() == std::make_pair(KeyEvent::kDeleted, std::string("a")));

  REQUIRE(op_rename(db, "l", db, "m", false, now).ok());
  CHECK(ev.seen[ev.seen.size() - 2] == std::make_pair(KeyEvent::kRenamedFrom, std::string("l")));
  CHECK(ev.seen.back() == std::make_pair(KeyEvent::kRenamedTo, std::string("m")));

  CHECK(op_move(db, shard.db(1), "m", now));
  CHECK(ev.seen.back() == std::make_pair(KeyEvent::kMovedTo, std::string("m")));

  REQUIRE(op_set(db, "t", "1", {}, now).ok());
  CHECK(op_expire_at(db, "t", now + 10, now, 0));
  CHECK(ev.seen.back() == std::make_pair(KeyEvent::kModified, std::string("t")));
  const std::uint64_t before_expiry = shard.events().writes();
  CHECK_FALSE(db.find("t", now + 20));  // lazily expired
  CHECK(ev.seen.back() == std::make_pair(KeyEvent::kExpired, std::string("t")));
  CHECK(shard.events().writes() == before_expiry);  // expiry is not a command's write

  op_flushdb(db);
  CHECK(ev.flushes == 1);
  shard.events().remove(&ev);
}

TEST_CASE("SMOVE touches the destination only when the member is new to it (Redis's set.tcl)") {
  Shard shard(0);
  Events ev;
  shard.events().add(&ev);
  Db& db = shard.db(0);
  const std::string_view ab[] = {"a", "b"};
  const std::string_view a[] = {"a"};
  REQUIRE(op_sadd(db, "src", ab, 1000).ok());
  REQUIRE(op_sadd(db, "dst", a, 1000).ok());
  ev.seen.clear();
  REQUIRE(*op_smove(SetKey{&db, "src"}, SetKey{&db, "dst"}, "a", 1000));
  for (const auto& [e, key] : ev.seen) CHECK(key != "dst");
  ev.seen.clear();
  REQUIRE(*op_smove(SetKey{&db, "src"}, SetKey{&db, "dst"}, "b", 1000));
  CHECK(ev.seen.back() == std::make_pair(KeyEvent::kModified, std::string("dst")));
  shard.events().remove(&ev);
}

TEST_CASE("the change feed: sequence numbers, held transactions, expiry as DEL") {
  Shard shard(3);
  Changes c;
  ChangeFeed& feed = shard.feed();
  CHECK_FALSE(feed.active());
  feed.subscribe(&c);
  CHECK(feed.active());

  feed.publish(0, {"SET", "a", "1"});
  REQUIRE(c.got.size() == 1);
  CHECK(c.got[0].seq == 1);
  CHECK(c.got[0].txid == 0);

  feed.begin_tx(42);
  feed.publish(2, {"SET", "b", "1"});
  feed.publish(2, {"SET", "c", "1"});
  CHECK(c.got.size() == 1);  // held until the transaction ends
  feed.end_tx();
  REQUIRE(c.got.size() == 3);
  CHECK(c.got[1].txid == 42);
  CHECK_FALSE(c.got[1].tx_end);
  CHECK(c.got[2].tx_end);
  CHECK(c.got[2].seq == 3);
  CHECK(c.got[2].db == 2);

  Db& db = shard.db(0);
  REQUIRE(op_set(db, "gone", "1", {}, 100).ok());
  REQUIRE(op_expire_at(db, "gone", 150, 100, 0));
  db.sweep_expired(200, 100);
  CHECK(c.got.back().argv == std::vector<std::string>{"DEL", "gone"});

  feed.begin_capture();
  REQUIRE(op_set(db, "x", "1", {}, 100).ok());
  REQUIRE(op_set(db, "x", "2", {}, 100).ok());
  auto captured = feed.take_captured();
  REQUIRE(captured.size() == 1);  // each key once
  CHECK(captured[0] == std::make_pair(0, std::string("x")));

  feed.unsubscribe(&c);
  CHECK_FALSE(feed.active());
}

TEST_CASE("loading mode: nothing expires by time while a feed is replayed") {
  Shard shard(0);
  Db& db = shard.db(0);
  shard.events().set_loading(true);
  SetOptions opts;
  opts.expire_at_ms = 50;  // already past at now = 100
  REQUIRE(op_set(db, "k", "v", opts, 100).ok());
  CHECK(db.find("k", 100));
  CHECK(op_expire_at(db, "k", 60, 100, 0));  // sets the TTL instead of deleting
  CHECK(db.find("k", 100));
  shard.events().set_loading(false);
  CHECK_FALSE(db.find("k", 100));
}

namespace {

// A module's value type: a counter, to show a type plugs in without editing
// kora-core.
struct Counter final : Object {
  static ValueType kType;
  std::int64_t n = 0;
  ValueType type() const override { return kType; }
  std::string_view encoding() const override { return "counter"; }
  std::size_t size() const override { return 1; }
  std::unique_ptr<Object> clone() const override { return std::make_unique<Counter>(*this); }
  std::size_t memory_usage() const override { return sizeof(Counter); }
};
ValueType Counter::kType = ValueType::kString;

}  // namespace

TEST_CASE("the type registry: a module type gets a TYPE name and a DUMP format") {
  auto& registry = TypeRegistry::instance();
  CHECK(type_name(ValueType::kList) == "list");
  CHECK(registry.find("hash") != nullptr);
  CHECK_FALSE(registry.add({ValueType::kList, "again"}));  // taken

  auto id = registry.allocate();
  REQUIRE(id);
  Counter::kType = *id;
  REQUIRE(registry.add({*id, "counter",
                        [](const Object& v, std::string& out) {
                          out += std::to_string(static_cast<const Counter&>(v).n);
                        },
                        [](std::string_view body) -> std::unique_ptr<Object> {
                          auto c = std::make_unique<Counter>();
                          c->n = std::stoll(std::string(body));
                          return c;
                        }}));
  CHECK(type_name(*id) == "counter");

  Shard shard(0);
  Db& db = shard.db(0);
  auto c = std::make_unique<Counter>();
  c->n = 41;
  db.set_object(db.find_or_create("c", 0, nullptr), std::move(c));
  CHECK(op_type(db, "c", 0) == "counter");
  std::string payload = dump_payload(*db.find("c", 0).entry);
  auto restored = parse_payload(payload);
  REQUIRE(restored.ok());
  CHECK(restored->type == *id);
  CHECK(static_cast<Counter&>(*restored->object).n == 41);
}

TEST_CASE("per-shard module state lives and dies with its shard") {
  struct State final : ShardModuleState {
    int* alive;
    explicit State(int* a) : alive(a) { ++*alive; }
    ~State() override { --*alive; }
  };
  static const ShardSlot slot = register_shard_slot();
  int alive = 0;
  {
    Shard shard(0);
    CHECK(shard.module_state(slot) == nullptr);
    shard.set_module_state(slot, std::make_unique<State>(&alive));
    CHECK(alive == 1);
    CHECK(dynamic_cast<State*>(shard.module_state(slot)) != nullptr);
  }
  CHECK(alive == 0);
}
