#include <catch2/catch.hpp>
#include <cctype>
#include <set>
#include <string>

#include "kora/server/command.h"

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
