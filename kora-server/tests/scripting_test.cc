// Scripting: Redis's RESP <-> Lua conversions (RESP2 and RESP3), the sandbox,
// shebang parsing, the bundled libraries, and the change feed seeing the
// commands a script ran rather than the script.
#include <catch2/catch.hpp>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kora/core/engine.h"
#include "kora/server/dispatch.h"
#include "kora/server/server_state.h"
#include "scripting.h"

using namespace kora;

namespace {

struct Node {
  explicit Node(std::size_t shards) : engine(core::EngineOptions{.shard_count = shards}) {
    state.shard_count = shards;
  }
  std::string run(std::vector<std::string> args) {
    std::vector<std::string_view> argv(args.begin(), args.end());
    return server::execute_blocking(engine, state, argv, client);
  }
  std::string eval(const std::string& script, std::vector<std::string> keys = {}) {
    std::vector<std::string> args{"EVAL", script, std::to_string(keys.size())};
    args.insert(args.end(), keys.begin(), keys.end());
    return run(args);
  }
  core::ShardEngine engine;
  server::ServerState state;
  server::ClientState client;
};

struct Recorder final : core::ChangeConsumer {
  std::mutex mu;
  std::vector<std::vector<std::string>> changes;
  void on_change(core::ShardId, const core::Change& c) override {
    std::lock_guard lock(mu);
    changes.push_back(c.argv);
  }
};

}  // namespace

TEST_CASE("Lua values become RESP2 replies as Redis converts them", "[scripting]") {
  Node n(1);
  CHECK(n.eval("return 'x'") == "$1\r\nx\r\n");
  CHECK(n.eval("return 3.99") == ":3\r\n");  // numbers are truncated to integers
  CHECK(n.eval("return -3.99") == ":-3\r\n");
  CHECK(n.eval("return true") == ":1\r\n");
  CHECK(n.eval("return false") == "$-1\r\n");
  CHECK(n.eval("return nil") == "$-1\r\n");
  CHECK(n.eval("return {1, 2, nil, 4}") == "*2\r\n:1\r\n:2\r\n");  // up to the first nil
  CHECK(n.eval("return {a=1}") == "*0\r\n");
  CHECK(n.eval("return {ok='FINE'}") == "+FINE\r\n");
  CHECK(n.eval("return {err='My Error'}") == "-My Error\r\n");
  CHECK(n.eval("return redis.error_reply('oops')") == "-ERR oops\r\n");
  CHECK(n.eval("return redis.error_reply('-CODE detail')") == "-CODE detail\r\n");
  CHECK(n.eval("return {double=3.5}") == "$3\r\n3.5\r\n");
  CHECK(n.eval("return {map={k='v'}}") == "*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
  CHECK(n.eval("return {set={m=true}}") == "*1\r\n$1\r\nm\r\n");
}

TEST_CASE("Lua values in RESP3, and redis.setresp", "[scripting]") {
  Node n(1);
  n.client.resp = 3;
  CHECK(n.eval("redis.setresp(3); return true") == "#t\r\n");
  CHECK(n.eval("return true") == ":1\r\n");  // the script's protocol decides booleans
  CHECK(n.eval("return {double=3.5}") == ",3.5\r\n");
  CHECK(n.eval("return {map={k='v'}}") == "%1\r\n$1\r\nk\r\n$1\r\nv\r\n");
  CHECK(n.eval("return {big_number='123'}") == "(123\r\n");
  CHECK(n.eval("return {verbatim_string={format='txt', string='hi'}}") == "=6\r\ntxt:hi\r\n");
  CHECK(n.eval("redis.setresp(3); return redis.call('get', 'nokey') == nil") == "#t\r\n");
  CHECK(n.eval("redis.setresp(3); redis.call('zadd', KEYS[1], 3.5, 'm'); return redis.call('zscore', KEYS[1], 'm')['double'] > 3", {"z"}) == "#t\r\n");
}

TEST_CASE("RESP replies become Lua values as Redis converts them", "[scripting]") {
  Node n(1);
  CHECK(n.eval("return type(redis.call('get', KEYS[1]))", {"k"}) == "$7\r\nboolean\r\n");
  CHECK(n.eval("return redis.call('set', KEYS[1], 'v')['ok']", {"k"}) == "$2\r\nOK\r\n");
  CHECK(n.eval("return redis.call('incr', KEYS[1])", {"n"}) == ":1\r\n");
  CHECK(n.eval("return redis.pcall('incr', KEYS[1])['err']", {"k"}) ==
        "$43\r\nERR value is not an integer or out of range\r\n");
  // A number argument is sent as %.17g.
  CHECK(n.eval("redis.call('set', KEYS[1], 0.1); return redis.call('get', KEYS[1])", {"f"}) ==
        "$19\r\n0.10000000000000001\r\n");
}

TEST_CASE("the sandbox: no globals, no os/io/loadfile, read-only libraries", "[scripting]") {
  Node n(1);
  for (const char* name : {"os", "io", "loadfile", "dofile", "print"}) {
    CHECK(n.eval(std::string("return ") + name).find(std::string("nonexistent global variable '") + name + "'") !=
          std::string::npos);
  }
  CHECK(n.eval("return loadstring(string.dump(function() return 1 end))") == "$-1\r\n");
  CHECK(n.eval("setmetatable(_G, {})").find("Attempt to modify a readonly table") != std::string::npos);
  CHECK(n.eval("local g = getmetatable(_G); g.__index = {}").find("Attempt to modify a readonly table") !=
        std::string::npos);
  const std::string set_global = n.eval("x = 1");
  CHECK(set_global.find("Attempt to modify a readonly table") != std::string::npos);
  const std::string read_global = n.eval("return undefined_thing");
  CHECK(read_global.find("Script attempted to access nonexistent global variable 'undefined_thing'") !=
        std::string::npos);
  CHECK(n.eval("redis.call = nil").find("readonly table") != std::string::npos);
  CHECK(n.eval("string.len = nil").find("readonly table") != std::string::npos);
  // An error inside the script names the script and its line.
  CHECK(n.eval("\n\nerror('boom')").find("script: ") != std::string::npos);
  CHECK(n.eval("\n\nerror('boom')").find("@user_script:3.") != std::string::npos);
}

TEST_CASE("shebang flags", "[scripting]") {
  std::uint32_t flags = 0;
  std::size_t len = 0;
  CHECK_FALSE(server::parse_shebang("return 1", flags, len));
  CHECK(flags == server::kScriptEvalCompat);
  CHECK_FALSE(server::parse_shebang("#!lua flags=no-writes,allow-oom\nreturn 1", flags, len));
  CHECK(flags == (server::kScriptNoWrites | server::kScriptAllowOom));
  CHECK(len == 31);
  CHECK(*server::parse_shebang("#!lua flags=bad\n", flags, len) == "Unexpected flag in script shebang: bad");
  CHECK(*server::parse_shebang("#!perl\n", flags, len) == "Unexpected engine in script shebang: #!perl");
  CHECK(*server::parse_shebang("#!lua", flags, len) == "Invalid script shebang");
  CHECK(server::sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST_CASE("struct, cmsgpack, cjson and bit", "[scripting]") {
  Node n(1);
  CHECK(n.eval("return struct.pack('>I2', 258)") == "$2\r\n\x01\x02\r\n");
  CHECK(n.eval("return {struct.unpack('<i4', struct.pack('<i4', -7))}") == "*2\r\n:-7\r\n:5\r\n");
  CHECK(n.eval("return struct.size('i4i8')") == ":12\r\n");
  CHECK(n.eval("return cmsgpack.pack({1, 2})") == "$3\r\n\x92\x01\x02\r\n");
  CHECK(n.eval("return cmsgpack.pack(300)") == "$3\r\n\xcd\x01\x2c\r\n");
  CHECK(n.eval("return cmsgpack.unpack(cmsgpack.pack({1, 'two', {3}}))") ==
        "*3\r\n:1\r\n$3\r\ntwo\r\n*1\r\n:3\r\n");
  CHECK(n.eval("return cjson.encode({1, 'a'})") == "$7\r\n[1,\"a\"]\r\n");
  CHECK(n.eval("return bit.band(12, 10)") == ":8\r\n");
}

TEST_CASE("a script's writes reach the change feed as the commands it ran", "[scripting]") {
  Node n(2);
  Recorder r;
  for (core::ShardId s = 0; s < n.engine.shard_count(); ++s) {
    n.engine.call(s, [&] { n.engine.shard(s).feed().subscribe(&r); });
  }
  n.eval("redis.call('set', KEYS[1], 'a'); redis.call('incr', KEYS[2]); return 1", {"k1", "k2"});
  for (core::ShardId s = 0; s < n.engine.shard_count(); ++s) {
    n.engine.call(s, [&] { n.engine.shard(s).feed().unsubscribe(&r); });
  }
  std::lock_guard lock(r.mu);
  bool saw_set = false, saw_incr = false;
  for (const auto& c : r.changes) {
    CHECK(c[0] != "EVAL");
    saw_set = saw_set || (c[0] == "set" && c[1] == "k1");
    saw_incr = saw_incr || (c[0] == "incr" && c[1] == "k2");
  }
  CHECK(saw_set);
  CHECK(saw_incr);
}

TEST_CASE("functions: load, call, list, delete", "[scripting]") {
  Node n(2);
  n.run({"FUNCTION", "FLUSH"});
  CHECK(n.run({"FUNCTION", "LOAD", "#!lua name=t\nredis.register_function('f', function(k, a) return #k + #a end)"}) ==
        "$1\r\nt\r\n");
  CHECK(n.run({"FCALL", "f", "1", "k", "a", "b"}) == ":3\r\n");
  CHECK(n.run({"FCALL", "nosuch", "0"}) == "-ERR Function not found\r\n");
  CHECK(n.run({"FUNCTION", "DELETE", "t"}) == "+OK\r\n");
  CHECK(n.run({"FCALL", "f", "0"}) == "-ERR Function not found\r\n");
}
