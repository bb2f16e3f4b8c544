#include <catch2/catch.hpp>
#include <cctype>
#include <set>
#include <string>

#include "kora/server/command.h"
#include "kora/server/dispatch.h"

using namespace kora::server;

TEST_CASE("the command table is well formed") {
  const auto& table = CommandTable::instance();
  REQUIRE(table.all().size() > 100);
  std::set<std::string> names;
  for (const CommandSpec& spec : table.all()) {
    INFO(spec.name);
    CHECK(names.insert(std::string(spec.name)).second);  // unique
    for (char c : spec.name) CHECK_FALSE(std::isupper(static_cast<unsigned char>(c)));
    CHECK(spec.handler != nullptr);
    CHECK(spec.arity != 0);
    if (spec.fanout == Fanout::kCustom) CHECK(spec.merge != nullptr);
    // An all-shard command must say how its shards' parts become one reply.
    if (spec.flags & kAllShards) CHECK(spec.fanout != Fanout::kNone);
    // A blocking command needs every key's shard at once to register its client.
    if (spec.flags & kBlocking) CHECK((spec.flags & kMultiShard));
    if (spec.first_key > 0) CHECK(spec.key_step > 0);
    // A command that reads several keys at once must say how it handles keys
    // on different shards: split into parts (fan-out), or run whole under a
    // cross-shard transaction (kMultiShard). Otherwise its handler would touch
    // shards it does not hold.
    bool several_keys = spec.key_finder || (spec.first_key > 0 && spec.last_key != spec.first_key);
    if (several_keys) CHECK((spec.fanout != Fanout::kNone || (spec.flags & kMultiShard)));
  }
}

TEST_CASE("lookup is case-insensitive and key positions follow the spec") {
  const auto& table = CommandTable::instance();
  REQUIRE(table.find("GeT") == table.find("get"));
  CHECK(table.find("nosuchcommand") == nullptr);
  std::vector<std::string_view> mset = {"MSET", "a", "1", "b", "2"};
  std::vector<std::uint32_t> pos;
  CommandTable::key_positions(*table.find("mset"), mset, pos);
  CHECK(pos == std::vector<std::uint32_t>{1, 3});
  std::vector<std::string_view> lmpop = {"LMPOP", "2", "x", "y", "LEFT"};
  CommandTable::key_positions(*table.find("lmpop"), lmpop, pos);
  CHECK(pos == std::vector<std::uint32_t>{2, 3});
}

TEST_CASE("SORT's BY/GET patterns add the shards they reach to the plan") {
  kora::core::EngineOptions options;
  options.shard_count = 4;
  kora::core::ShardEngine engine(options);
  const auto& table = CommandTable::instance();
  const CommandSpec& sort = *table.find("sort");
  // A key on some shard, and an untagged pattern: every shard is lent.
  std::vector<std::string_view> argv = {"SORT", "{t}l", "BY", "w_*", "GET", "#"};
  Plan plan;
  plan_command(sort, argv, engine, 0, plan);
  CHECK(plan.single);
  CHECK(plan.cross_shard);
  CHECK(plan.shard == engine.shard_for("{t}l"));
  CHECK(transaction_shards(plan, argv, engine) == std::vector<kora::core::ShardId>{0, 1, 2, 3});
  // Patterns whose hash tag is the key's: no transaction at all.
  argv = {"SORT", "{t}l", "BY", "{t}w_*", "GET", "{t}o_*->f", "GET", "#", "BY", "nosort", "GET", "x"};
  plan_command(sort, argv, engine, 0, plan);
  CHECK_FALSE(plan.cross_shard);
  // A tag on another shard: just that shard more.
  std::string other = "{a}";
  for (char c = 'a'; engine.shard_for(other) == engine.shard_for("{t}l"); ++c) other = std::string("{") + c + "}";
  std::string pattern = other + "w_*";
  argv = {"SORT", "{t}l", "GET", pattern};
  plan_command(sort, argv, engine, 0, plan);
  CHECK(plan.cross_shard);
  auto shards = transaction_shards(plan, argv, engine);
  CHECK(shards.size() == 2);
  // The keys SORT reports (COMMAND GETKEYS): the key and the last STORE's.
  std::vector<std::uint32_t> pos;
  argv = {"SORT", "l", "BY", "store", "STORE", "a", "LIMIT", "0", "1", "STORE", "b"};
  CommandTable::key_positions(sort, argv, pos);
  CHECK(pos == std::vector<std::uint32_t>{1, 10});
  engine.stop();
}
