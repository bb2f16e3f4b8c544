// Keyspace notifications raised by the Db and the ops (Redis's
// notifyKeyspaceEvent calls): names, classes, order, and nothing when off.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "kora/core/key_events.h"
#include "kora/core/key_ops.h"
#include "kora/core/list_ops.h"
#include "kora/core/shard.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

struct Capture final : KeyspaceNotifier {
  explicit Capture(const std::atomic<std::uint32_t>& flags) : KeyspaceNotifier(flags) {}
  std::vector<std::string> events;
  void notify(int db, std::uint32_t, std::string_view event, std::string_view key) override {
    events.push_back(std::to_string(db) + " " + std::string(event) + " " + std::string(key));
  }
};

}  // namespace

TEST_CASE("ops and the Db raise Redis's events in Redis's order", "[keyspace]") {
  std::atomic<std::uint32_t> flags{notify::kAll | notify::kNew};
  Capture cap(flags);
  Shard shard(0);
  shard.events().set_notifier(&cap);
  Db& db = shard.db(0);
  const std::string_view values[] = {"a"};
  REQUIRE(op_push(db, "l", ListEnd::kHead, values, false, 0).ok());  // creates: new, then lpush
  REQUIRE(op_pop(db, "l", ListEnd::kTail, 0).ok());                  // empties: rpop, then del
  SetOptions ex;
  ex.expire_at_ms = 100;
  REQUIRE(op_set(db, "s", "v", ex, 0).ok());  // new, set, expire
  CHECK_FALSE(db.find("s", 200));  // lazily expired
  CHECK(cap.events == std::vector<std::string>{"0 new l", "0 lpush l", "0 rpop l", "0 del l", "0 new s",
                                               "0 set s", "0 expire s", "0 expired s"});
}

TEST_CASE("a class that is off raises nothing, and m/n stay outside A", "[keyspace]") {
  std::atomic<std::uint32_t> flags{notify::kList};
  Capture cap(flags);
  Shard shard(0);
  shard.events().set_notifier(&cap);
  Db& db = shard.db(3);
  const std::string_view values[] = {"a", "b"};
  REQUIRE(op_push(db, "l", ListEnd::kTail, values, false, 0).ok());
  REQUIRE(op_set(db, "s", "v", {}, 0).ok());
  CHECK(cap.events == std::vector<std::string>{"3 rpush l"});
  CHECK((notify::kAll & (notify::kKeyMiss | notify::kNew)) == 0);
  flags = 0;
  REQUIRE(op_push(db, "l", ListEnd::kTail, values, false, 0).ok());
  CHECK(cap.events.size() == 1);
}

TEST_CASE("rename and move announce from/to on each side", "[keyspace]") {
  std::atomic<std::uint32_t> flags{notify::kGeneric};
  Capture cap(flags);
  Shard shard(0);
  shard.events().set_notifier(&cap);
  REQUIRE(op_set(shard.db(0), "a", "v", {}, 0).ok());
  REQUIRE(op_rename(shard.db(0), "a", shard.db(0), "b", false, 0).ok());
  CHECK(op_move(shard.db(0), shard.db(1), "b", 0));
  CHECK(cap.events == std::vector<std::string>{"0 rename_from a", "0 rename_to b", "0 move_from b", "1 move_to b"});
}
