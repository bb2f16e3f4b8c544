// The redis.* API seen by scripts, math.random, and the sandbox (lua_internal.h).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>

#include "acl_gate.h"
#include "args.h"
#include "kora/core/log.h"
#include "kora/server/dispatch.h"
#include "lua_internal.h"
#include "maxmemory.h"
#include "version.h"

namespace kora::server::lua {

thread_local ScriptRun* t_run = nullptr;
thread_local LoadCtx* t_load = nullptr;

namespace {

// ----------------------------------------------------------- redis.call

// Redis 7.0's commands flagged NOSCRIPT (commands/*.json), subcommands as
// "container|sub"; sorted.
constexpr std::string_view kNoScriptCommands[] = {
    "acl|cat", "acl|deluser", "acl|dryrun", "acl|genpass", "acl|getuser", "acl|list",
    "acl|load", "acl|log", "acl|save", "acl|setuser", "acl|users", "acl|whoami",
    "auth", "bgrewriteaof", "bgsave", "blmove", "blpop", "brpop",
    "brpoplpush", "bzpopmax", "bzpopmin", "client|caching", "client|getname", "client|getredir",
    "client|id", "client|info", "client|kill", "client|list", "client|no-evict", "client|pause",
    "client|reply", "client|setname", "client|tracking", "client|trackinginfo", "client|unblock", "client|unpause",
    "cluster|reset", "config|get", "config|resetstat", "config|rewrite", "config|set", "debug",
    "discard", "eval", "eval_ro", "evalsha", "evalsha_ro", "exec",
    "failover", "fcall", "fcall_ro", "function|delete", "function|dump", "function|flush",
    "function|kill", "function|list", "function|load", "function|restore", "function|stats", "hello",
    "latency|doctor", "latency|graph", "latency|histogram", "latency|history", "latency|latest", "latency|reset",
    "module|list", "module|load", "module|loadex", "module|unload", "monitor", "multi",
    "psubscribe", "psync", "punsubscribe", "quit", "replconf", "replicaof",
    "reset", "role", "save", "script|debug", "script|exists", "script|flush",
    "script|kill", "script|load", "shutdown", "slaveof", "ssubscribe", "subscribe",
    "sunsubscribe", "sync", "unsubscribe", "unwatch", "wait", "watch",
};

bool denied_in_script(const CommandSpec& spec, std::span<const std::string_view> argv) {
  if (spec.flags & kNoScript) return true;
  std::string name(spec.name);
  if (std::binary_search(std::begin(kNoScriptCommands), std::end(kNoScriptCommands), std::string_view(name))) return true;
  if (argv.size() < 2) return false;
  name += '|';
  // Only a container with a denied subcommand needs argv[1] (the list is sorted).
  const auto* first = std::lower_bound(std::begin(kNoScriptCommands), std::end(kNoScriptCommands), std::string_view(name));
  if (first == std::end(kNoScriptCommands) || !first->starts_with(name)) return false;
  for (char c : argv[1]) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::binary_search(std::begin(kNoScriptCommands), std::end(kNoScriptCommands), std::string_view(name));
}

// Runs run.argv as a command from the script; leaves the reply (RESP) or an
// error message in run.buf. Returns true when run.buf is a command reply.
bool execute_command(ScriptRun& run) {
  CommandContext& ctx = *run.ctx;
  std::vector<std::string_view> argv(run.argv.begin(), run.argv.end());
  run.buf.clear();
  const CommandSpec* spec = CommandTable::instance().find(argv[0]);
  if (!spec) {
    run.buf = core::error_message(core::Errc::kScriptUnknownCommand);
    return false;
  }
  const int argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    run.buf = core::error_message(core::Errc::kScriptWrongArity);
    return false;
  }
  if (denied_in_script(*spec, argv)) {
    run.buf = core::error_message(core::Errc::kScriptNoScriptCommand);
    return false;
  }
  const ClientIdentity* who = ctx.env ? ctx.env->who : nullptr;
  if (!acl_script_check(who, *spec, argv, run.db, run.resp, ctx.argv.empty() ? "eval" : ctx.argv[0], run.buf)) {
    return false;
  }
  if (run.read_only && (spec->flags & kWrite)) {
    run.buf = core::error_message(core::Errc::kScriptWriteInRo);
    return false;
  }
  Plan plan;
  plan_command(*spec, argv, ctx.engine, ctx.shard.id(), plan);
  std::vector<core::ShardId> need;
  if (plan.single && !plan.cross_shard) {
    need.push_back(plan.shard);
  } else {
    need = transaction_shards(plan, argv, ctx.engine);
  }
  for (core::ShardId s : need) {
    if (!std::binary_search(run.held.begin(), run.held.end(), s)) {
      run.buf = core::error_message(core::Errc::kScriptUndeclaredKey);
      return false;
    }
  }
  // maxmemory, as Redis's scriptVerifyOOM: a command that may use memory is
  // refused until the script has written (a script that wrote runs to its end).
  if ((spec->flags & kDenyOom) && !run.monitor->wrote.load(std::memory_order_relaxed) &&
      !make_room(ctx.engine, ctx.shard)) {
    run.buf = core::error_message(core::Errc::kOutOfMemory);
    return false;
  }
  if (spec->flags & kWrite) run.monitor->wrote.store(true, std::memory_order_relaxed);
  CallEnv env(ctx.engine, ctx.server, run.db, run.resp, &run.client, ctx.env ? ctx.env->who : nullptr);
  env.no_block = true;
  env.serve_blocked = false;
  run.client.db = run.db;
  run.client.resp = run.resp;
  run_planned(plan, argv, env, run.buf);
  run.db = run.client.db;  // SELECT inside the script
  return true;
}

// Reads redis.call's arguments into run.argv and pops them. Returns an error
// message, or nullptr.
const char* read_call_args(lua_State* L, ScriptRun& run) {
  const int argc = lua_gettop(L);
  if (argc == 0) return errc_text(core::Errc::kScriptNoArgs);
  run.argv.resize(static_cast<std::size_t>(argc));
  bool bad = false;
  for (int j = 1; j <= argc; ++j) {
    std::string& a = run.argv[static_cast<std::size_t>(j - 1)];
    if (lua_type(L, j) == LUA_TNUMBER) {
      char buf[64];
      const int n = std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(lua_tonumber(L, j)));
      a.assign(buf, static_cast<std::size_t>(n));
    } else if (lua_type(L, j) == LUA_TSTRING) {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, j, &len);
      a.assign(s, len);
    } else {
      bad = true;
      break;
    }
  }
  lua_pop(L, argc);
  if (bad) return errc_text(core::Errc::kScriptArgType);
  return nullptr;
}

// Runs the command; 0: run.buf is the reply, 1: run.buf an error message.
int call_from_lua(lua_State* L, ScriptRun& run, const char** err) {
  *err = read_call_args(L, run);
  if (*err) return 1;
  bool ok = false;
  try {
    ok = execute_command(run);
  } catch (const std::bad_alloc&) {
    run.buf = core::error_message(core::Errc::kOutOfMemory);
    ok = false;
  }
  if (!ok) run.buf.insert(0, "-");  // "-CODE message": its code is kept
  return ok ? 0 : 1;
}

int redis_generic(lua_State* L, bool raise) {
  ScriptRun* run = t_run;
  if (!run) raise_table(L, errc_text(core::Errc::kScriptOutsideRun) + 4);
  const char* err = nullptr;
  if (call_from_lua(L, *run, &err) != 0) {
    if (err) {
      push_error_table(L, err + 4);  // without "ERR ": push_error_table adds it
    } else {
      push_error_table(L, run->buf.data(), run->buf.size());
      lua_pushstring(L, "ignore_error_stats_update");
      lua_pushboolean(L, 1);
      lua_settable(L, -3);
    }
    if (raise) return lua_error(L);
    return 1;
  }
  const char* p = run->buf.data();
  const bool is_error = !run->buf.empty() && p[0] == '-';
  push_resp(L, p, p + run->buf.size(), true);
  if (raise && is_error) return lua_error(L);
  return 1;
}

int l_redis_call(lua_State* L) { return redis_generic(L, true); }
int l_redis_pcall(lua_State* L) { return redis_generic(L, false); }

// Redis 7's pcall: an error table with an `err` field is caught as its message.
int l_pcall(lua_State* L) {
  const int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

int l_sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) raise_table(L, "wrong number of arguments");
  std::size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  char digest[41];
  {
    const std::string hex = sha1_hex(std::string_view(s ? s : "", s ? len : 0));
    std::memcpy(digest, hex.data(), 40);
    digest[40] = 0;
  }
  lua_pushstring(L, digest);
  return 1;
}

int l_error_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error_table(L, "wrong number or type of arguments");
    return 1;
  }
  std::size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  if (len > 0 && s[0] == '-') {
    push_error_table(L, s, len);
  } else {
    lua_pushstring(L, "-");
    lua_pushvalue(L, 1);
    lua_concat(L, 2);
    s = lua_tolstring(L, -1, &len);
    push_error_table(L, s, len);
  }
  return 1;
}

int l_status_reply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    push_error_table(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

void log_message(int level, lua_State* L, int argc) {
  std::string text;
  for (int j = 2; j <= argc; ++j) {
    std::size_t len = 0;
    const char* s = lua_tolstring(L, j, &len);
    if (!s) continue;
    if (j != 2) text += ' ';
    text.append(s, len);
  }
  core::log_raw(static_cast<core::LogLevel>(level), text);
}

int l_log(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) raise_table(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) raise_table(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) raise_table(L, "Invalid debug level.");
  log_message(level, L, argc);
  return 0;
}

int l_setresp(lua_State* L) {
  ScriptRun* run = t_run;
  if (!run) raise_table(L, "redis.setresp can only be called inside a script invocation");
  if (lua_gettop(L) != 1) raise_table(L, "redis.setresp() requires one argument.");
  const int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) raise_table(L, "RESP version must be 2 or 3.");
  run->resp = resp;
  return 0;
}

int l_set_repl(lua_State* L) {
  if (!t_run) raise_table(L, "redis.set_repl can only be called inside a script invocation");
  if (lua_gettop(L) != 1) raise_table(L, "redis.set_repl() requires two arguments.");
  const int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~3) != 0) raise_table(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  // Kora's change feed carries every write a script makes; a script cannot
  // hide writes from it (documented difference).
  return 0;
}

int l_replicate_commands(lua_State* L) {
  lua_pushboolean(L, 1);  // always effects replication, as Redis 7
  return 1;
}

int l_breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);  // the debugger is not active
  return 1;
}

int l_debug(lua_State*) { return 0; }

// redis.acl_check_cmd's C++ part: 1 when the caller's user may run run.argv,
// 0 when not, -1 for an unknown command or subcommand.
int acl_check_args(ScriptRun& run) {
  std::vector<std::string_view> argv(run.argv.begin(), run.argv.end());
  std::string error;
  const CommandSpec* spec = lookup(argv, error);
  if (!spec) return -1;
  return acl_script_allows(run.ctx->env ? run.ctx->env->who : nullptr, *spec, argv) ? 1 : 0;
}

int l_acl_check_cmd(lua_State* L) {
  ScriptRun* run = t_run;
  if (!run) raise_table(L, "redis.acl_check_cmd can only be called inside a script invocation");
  const char* err = read_call_args(L, *run);
  if (err) raise_table(L, err + 4);
  const int allowed = acl_check_args(*run);
  if (allowed < 0) raise_table(L, "Invalid command passed to redis.acl_check_cmd()");
  lua_pushboolean(L, allowed);
  return 1;
}

// ------------------------------------------------------------- math.random

// Redis's redisLrand48: the 48-bit linear congruential generator of rand48,
// one state per interpreter, never reseeded between scripts (Redis 7).
thread_local std::uint64_t t_rand_state = 0x1234ABCD330EULL;

std::int32_t lrand48_next() {
  t_rand_state = (t_rand_state * 0x5DEECE66DULL + 0xB) & ((1ULL << 48) - 1);
  return static_cast<std::int32_t>(t_rand_state >> 17);
}

int l_math_random(lua_State* L) {
  if (!t_run) return luaL_error(L, "math.random can only be called inside a script invocation");
  const lua_Number r = static_cast<lua_Number>(lrand48_next() % 2147483647) / 2147483647.0;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int l_math_randomseed(lua_State* L) {
  if (!t_run) return luaL_error(L, "math.randomseed can only be called inside a script invocation");
  const auto seed = static_cast<std::uint32_t>(luaL_checkint(L, 1));
  t_rand_state = (static_cast<std::uint64_t>(seed) << 16) | 0x330E;
  return 0;
}

// ---------------------------------------------------------------- sandbox

int l_global_missing(lua_State* L) {
  // (table, key): reading a global that does not exist.
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1)) return 1;
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name ? name : "?");
}

int l_readonly(lua_State* L) {
  luaL_where(L, 1);
  lua_pushstring(L, "Attempt to modify a readonly table");
  lua_concat(L, 2);
  return lua_error(L);
}

// setmetatable that refuses a protected table (one whose metatable has a
// __metatable field: the sandbox's proxies) with the read-only error.
int l_setmetatable(lua_State* L) {
  if (lua_istable(L, 1) && lua_getmetatable(L, 1)) {
    lua_pushstring(L, "__metatable");
    lua_rawget(L, -2);
    const bool protected_table = !lua_isnil(L, -1);
    lua_pop(L, 2);
    if (protected_table) return l_readonly(L);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// loadstring that refuses precompiled (binary) chunks, as Redis 7's Lua does.
int l_loadstring(lua_State* L) {
  std::size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  if (s && len > 0 && s[0] == '\x1b') {
    lua_pushnil(L);
    lua_pushstring(L, "binary chunks are not allowed");
    return 2;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// Replaces the table on top of the stack by a read-only proxy of it: reads
// reach it (`strict`: a missing name is an error), writes raise.
void make_readonly_proxy(lua_State* L, bool strict) {
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  if (strict) {
    lua_pushvalue(L, -3);
    lua_pushcclosure(L, l_global_missing, 1);
  } else {
    lua_pushvalue(L, -3);
  }
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, l_readonly);
  lua_setfield(L, -2, "__newindex");
  // getmetatable() answers a read-only copy of the metatable, so that its
  // fields cannot be changed either.
  lua_newtable(L);
  lua_pushvalue(L, -2);
  lua_setmetatable(L, -2);  // (the copy reads through: same __index/__newindex)
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_remove(L, -2);
}

void set_cfunction(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, -2, name);
}

void set_number(lua_State* L, const char* name, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

void register_log(lua_State* L) {
  set_cfunction(L, "log", l_log);
  set_number(L, "LOG_DEBUG", 0);
  set_number(L, "LOG_VERBOSE", 1);
  set_number(L, "LOG_NOTICE", 2);
  set_number(L, "LOG_WARNING", 3);
}

void register_version(lua_State* L) {
  lua_pushlstring(L, kRedisVersion.data(), kRedisVersion.size());
  lua_setfield(L, -2, "REDIS_VERSION");
  set_number(L, "REDIS_VERSION_NUM", 0x07000f);  // 7.0.15 as Redis encodes it
}


constexpr const char* kErrHandlerCode =
    "local dbg = debug\n"
    "return function(err)\n"
    "  local i = dbg.getinfo(2, 'nSl')\n"
    "  if i and i.what == 'C' then i = dbg.getinfo(3, 'nSl') end\n"
    "  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end\n"
    "  if i then err['source'] = i.source; err['line'] = i.currentline end\n"
    "  return err\n"
    "end\n";


}  // namespace

void install_api(lua_State* L) {
  // Redis's deny list: never reachable from a script.
  for (const char* name : {"dofile", "loadfile", "print"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushcfunction(L, l_pcall);
  lua_setglobal(L, "pcall");
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, l_setmetatable, 1);
  lua_setglobal(L, "setmetatable");
  lua_getglobal(L, "loadstring");
  lua_pushcclosure(L, l_loadstring, 1);
  lua_setglobal(L, "loadstring");
  lua_getglobal(L, "math");
  set_cfunction(L, "random", l_math_random);
  set_cfunction(L, "randomseed", l_math_randomseed);
  lua_pop(L, 1);

  lua_newtable(L);  // redis
  set_cfunction(L, "call", l_redis_call);
  set_cfunction(L, "pcall", l_redis_pcall);
  set_cfunction(L, "error_reply", l_error_reply);
  set_cfunction(L, "status_reply", l_status_reply);
  set_cfunction(L, "sha1hex", l_sha1hex);
  set_cfunction(L, "setresp", l_setresp);
  set_cfunction(L, "set_repl", l_set_repl);
  set_number(L, "REPL_NONE", 0);
  set_number(L, "REPL_AOF", 1);
  set_number(L, "REPL_SLAVE", 2);
  set_number(L, "REPL_REPLICA", 2);
  set_number(L, "REPL_ALL", 3);
  set_cfunction(L, "replicate_commands", l_replicate_commands);
  set_cfunction(L, "breakpoint", l_breakpoint);
  set_cfunction(L, "debug", l_debug);
  set_cfunction(L, "acl_check_cmd", l_acl_check_cmd);
  register_log(L);
  register_version(L);
  lua_setglobal(L, "redis");

  // The error handler, kept in the registry; then `debug` goes away.
  luaL_loadbuffer(L, kErrHandlerCode, std::strlen(kErrHandlerCode), "@err_handler_def");
  lua_call(L, 0, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, kErrHandler);
  lua_pushnil(L);
  lua_setglobal(L, "debug");

  // The library API seen while FUNCTION LOAD runs a library's code.
  lua_newtable(L);
  lua_newtable(L);
  lua_pushcfunction(L, l_register_function);
  lua_setfield(L, -2, "register_function");
  register_log(L);
  register_version(L);
  make_readonly_proxy(L, true);
  lua_setfield(L, -2, "redis");
  make_readonly_proxy(L, true);
  lua_setfield(L, LUA_REGISTRYINDEX, kLibraryApi);

  // Read-only proxies of the libraries, then of the globals themselves.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  for (const char* lib : {"redis", "string", "math", "table", "cjson", "bit", "struct", "cmsgpack", "coroutine"}) {
    lua_getfield(L, -1, lib);
    if (lua_istable(L, -1)) {
      make_readonly_proxy(L, false);
      lua_setfield(L, -2, lib);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  lua_pushvalue(L, -1);
  make_readonly_proxy(L, true);  // stack: globals, its proxy
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "_G");
  lua_remove(L, -2);
  lua_replace(L, LUA_GLOBALSINDEX);

  // The environment of function libraries: the library API while loading,
  // the globals afterwards (its metatable's __index is switched).
  lua_newtable(L);
  lua_newtable(L);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, l_readonly);
  lua_setfield(L, -2, "__newindex");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kFunctionEnv);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kFunctions);
}

}  // namespace kora::server::lua
