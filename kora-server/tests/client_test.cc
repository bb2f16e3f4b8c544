// Client management pieces that need no socket: MONITOR's escaping, CLIENT
// LIST's line, invalidation messages, the pause rules of the client registry,
// which commands MONITOR shows, and when a tracking client's reads are
// remembered.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "client_commands.h"
#include "client_registry.h"
#include "kora/core/clock.h"
#include "kora/core/engine.h"
#include "kora/server/call.h"
#include "tracking.h"

using namespace kora::server;

TEST_CASE("append_repr escapes as Redis's sdscatrepr", "[client]") {
  std::string out;
  append_repr(out, std::string_view("a\"b\\c\n\r\t\a\b\x01\x7f\xff z", 15));
  CHECK(out == "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x01\\x7f\\xff z\"");
  out.clear();
  append_repr(out, "");
  CHECK(out == "\"\"");
}

TEST_CASE("format_client prints Redis 7.0's fields in order", "[client]") {
  ClientSnapshot s;
  s.addr = "127.0.0.1:5000";
  s.laddr = "127.0.0.1:6379";
  s.fd = 9;
  s.name = "n";
  s.created_ms = 1000;
  s.last_ms = 3000;
  s.cmd = "client|list";
  const std::string line = format_client(7, s, 5500);
  CHECK(line ==
        "id=7 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=9 name=n age=4 idle=2 flags=N db=0 sub=0 psub=0 "
        "ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 "
        "events=r cmd=client|list user=default redir=-1 resp=2");
}

TEST_CASE("fill_snapshot orders flags as Redis", "[client]") {
  ClientState c;
  c.monitor = true;
  c.unix_socket = true;
  c.no_evict = true;
  ClientSnapshot s;
  fill_snapshot(s, c, /*multi=*/true, /*blocked=*/true, /*closing=*/true);
  CHECK(s.flags == "Oxbc" + std::string("Ue"));
  fill_snapshot(s, ClientState{}, false, false, false);
  CHECK(s.flags == "N");
  CHECK(s.redir == -1);
}

TEST_CASE("invalidation messages in RESP3 and RESP2", "[client]") {
  CHECK(invalidation_message(3, std::vector<std::string>{"k"}) == ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
  CHECK(invalidation_message(3, std::nullopt) == ">2\r\n$10\r\ninvalidate\r\n_\r\n");
  CHECK(invalidation_message(2, std::vector<std::string>{"a", "bc"}) ==
        "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*2\r\n$1\r\na\r\n$2\r\nbc\r\n");
  CHECK(invalidation_message(2, std::nullopt) == "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n");
}

TEST_CASE("client pause: WRITE holds writes only, ALL everything, the stronger one wins", "[client]") {
  kora::core::EngineOptions options;
  options.shard_count = 1;
  kora::core::ShardEngine engine(options);
  ClientRegistry reg(engine);
  CHECK_FALSE(reg.must_wait(true));
  const std::int64_t now = kora::core::now_ms();
  reg.pause(now + 10000, /*all=*/false);
  CHECK(reg.must_wait(true));
  CHECK_FALSE(reg.must_wait(false));
  reg.pause(now + 5000, /*all=*/true);  // ALL is stronger; the later end stays
  CHECK(reg.must_wait(false));
  CHECK(reg.pause_end_ms() == now + 10000);
  reg.pause(now + 1000, /*all=*/false);  // weaker and shorter: no change while it lasts
  CHECK(reg.must_wait(false));
  reg.unpause();
  CHECK_FALSE(reg.must_wait(true));
  reg.pause(now - 1, /*all=*/true);  // already over
  CHECK_FALSE(reg.must_wait(true));
  engine.stop();
}

TEST_CASE("the registry finds clients and counts monitors", "[client]") {
  kora::core::EngineOptions options;
  options.shard_count = 1;
  kora::core::ShardEngine engine(options);
  ClientRegistry reg(engine);
  reg.add(5, 0, {});
  reg.add(3, 0, {});
  auto all = reg.all();
  REQUIRE(all.size() == 2);
  CHECK(all[0]->id == 3);
  CHECK(all[1]->id == 5);
  CHECK_FALSE(reg.monitoring());
  reg.add_monitor(5);
  reg.add_monitor(5);
  CHECK(reg.monitoring());
  reg.remove(5);  // a monitor that disconnects stops being fed
  CHECK_FALSE(reg.monitoring());
  CHECK(reg.find(5) == nullptr);
  CHECK(reg.post(3, [](ClientHandle&) {}));  // its handle expired: the task does nothing
  CHECK_FALSE(reg.post(5, [](ClientHandle&) {}));
  engine.stop();
}

TEST_CASE("MONITOR hides admin commands and redacts AUTH", "[client]") {
  const CommandTable& t = CommandTable::instance();
  std::vector<std::string_view> set = {"set", "a", "b"};
  CHECK(monitor_shows(*t.find("set"), set));
  std::vector<std::string_view> kill = {"client", "KILL", "1.2.3.4:5"};
  CHECK_FALSE(monitor_shows(*t.find("client"), kill));
  std::vector<std::string_view> setname = {"client", "setname", "x"};
  CHECK(monitor_shows(*t.find("client"), setname));
  std::vector<std::string_view> cfg = {"config", "get", "x"};
  CHECK_FALSE(monitor_shows(*t.find("config"), cfg));
  std::vector<std::string_view> hello = {"hello", "3", "AUTH", "u", "p"};
  CHECK(monitor_redact_from(*t.find("hello"), hello) == 3);
  CHECK(command_full_name(*t.find("client"), setname) == "client|setname");
  CHECK(command_full_name(*t.find("set"), set) == "set");
}

TEST_CASE("tracking remembers reads per mode", "[client]") {
  ClientState c;
  c.id = 9;
  refresh_identity(c);
  CHECK_FALSE(c.identity->tracking);
  c.tracking = true;
  refresh_identity(c);
  CHECK(c.identity->tracking);
  c.tracking_optin = true;
  refresh_identity(c);
  CHECK_FALSE(c.identity->tracking);  // OPTIN: only after CLIENT CACHING yes
  c.tracking_caching = true;
  refresh_identity(c);
  CHECK(c.identity->tracking);
  c.tracking_optin = false;
  c.tracking_optout = true;
  refresh_identity(c);
  CHECK_FALSE(c.identity->tracking);  // OPTOUT: not after CLIENT CACHING no
  c.tracking_optout = false;
  c.tracking_caching = false;
  c.tracking_bcast = true;
  refresh_identity(c);
  CHECK_FALSE(c.identity->tracking);  // BCAST keeps no table
}
