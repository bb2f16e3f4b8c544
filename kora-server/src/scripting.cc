// The Lua interpreter of a thread (scripting.h): sandbox, the redis.* API,
// RESP <-> Lua conversions, running EVAL scripts and FCALL functions.
//
// Lua 5.1 reports errors with longjmp: a C function called by Lua never holds a
// C++ object with a destructor across a call that may raise (lua_error and the
// push functions); the C++ work is done in helpers that return before.
#include "scripting.h"
#include "maxmemory.h"

#include <lua.hpp>

#include <cmath>
#include <cstring>
#include <iterator>

#include "args.h"
#include "kora/core/clock.h"
#include "kora/core/log.h"
#include "kora/server/dispatch.h"
#include "version.h"

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace kora::server {

int luaopen_struct(lua_State* L);    // lua_libs.cc
int luaopen_cmsgpack(lua_State* L);  // lua_libs.cc

namespace {

constexpr const char* kRealGlobals = "__kora_G";
constexpr const char* kErrHandler = "__kora_err_handler";
constexpr const char* kFunctions = "__kora_functions";
constexpr const char* kFunctionEnv = "__kora_fenv";
constexpr const char* kLibraryApi = "__kora_libapi";

// The state of the script running on this thread (redis.call's context).
struct ScriptRun {
  CommandContext* ctx = nullptr;
  std::vector<core::ShardId> held;  // sorted
  bool read_only = false;
  int resp = 2;  // redis.setresp
  int db = 0;
  ClientState client;  // for connection commands called by the script (SELECT)
  std::shared_ptr<ScriptMonitor::Running> monitor;
  std::vector<std::string> argv;  // redis.call's arguments
  std::string buf;                // its reply, or an error message
};

// A library being loaded (redis.register_function's context).
struct LoadCtx {
  std::vector<FunctionRegistry::Function> functions;
  std::int64_t start_ms = 0;
};

thread_local ScriptRun* t_run = nullptr;
thread_local LoadCtx* t_load = nullptr;

// ------------------------------------------------------------------ errors

// Pushes Redis's error table {err="CODE message"} for `msg`: "-CODE message"
// keeps its code, anything else gets "ERR "; trailing CR/LF are trimmed.
void push_error_table(lua_State* L, const char* msg, std::size_t len) {
  const char* code = "ERR";
  std::size_t code_len = 3;
  if (len > 0 && msg[0] == '-') {
    const void* sp = std::memchr(msg, ' ', len);
    if (sp) {
      code = msg + 1;
      code_len = static_cast<std::size_t>(static_cast<const char*>(sp) - msg) - 1;
      len -= code_len + 2;
      msg = static_cast<const char*>(sp) + 1;
    } else {
      ++msg;
      --len;
    }
  }
  while (len > 0 && (msg[len - 1] == '\r' || msg[len - 1] == '\n')) --len;
  while (len > 0 && (msg[0] == '\r' || msg[0] == '\n')) {
    ++msg;
    --len;
  }
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, code, code_len);
  lua_pushstring(L, " ");
  lua_pushlstring(L, msg, len);
  lua_concat(L, 3);
  lua_settable(L, -3);
}

void push_error_table(lua_State* L, const char* msg) { push_error_table(L, msg, std::strlen(msg)); }

// The text of an error code, kept in a static buffer per code (no C++ object
// alive when Lua raises).
const char* errc_text(core::Errc code) {
  thread_local std::string text;
  text = core::error_message(code);
  return text.c_str();
}

[[noreturn]] void raise_table(lua_State* L, const char* msg) {
  push_error_table(L, msg);
  lua_error(L);
  __builtin_unreachable();
}

// ---------------------------------------------------------- RESP -> Lua

// Parses one RESP reply at `p` (< end) and pushes it (Redis's
// redisProtocolToLuaType). Returns the position after it.
const char* push_resp(lua_State* L, const char* p, const char* end, bool push);

const char* line_end(const char* p, const char* end) {
  const void* cr = std::memchr(p, '\r', static_cast<std::size_t>(end - p));
  return cr ? static_cast<const char*>(cr) : end;
}

long long parse_ll(const char* p, const char* e) {
  bool neg = false;
  if (p < e && *p == '-') {
    neg = true;
    ++p;
  }
  long long v = 0;
  for (; p < e; ++p) v = v * 10 + (*p - '0');
  return neg ? -v : v;
}

const char* push_resp(lua_State* L, const char* p, const char* end, bool push) {
  if (push) lua_checkstack(L, 4);
  const char type = *p++;
  const char* le = line_end(p, end);
  const char* next = le + 2 <= end ? le + 2 : end;
  switch (type) {
    case '+':
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, "ok");
        lua_pushlstring(L, p, static_cast<std::size_t>(le - p));
        lua_settable(L, -3);
      }
      return next;
    case '-':
      if (push) {
        lua_pushstring(L, "-");
        lua_pushlstring(L, p, static_cast<std::size_t>(le - p));
        lua_concat(L, 2);
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        push_error_table(L, s, len);
        lua_remove(L, -2);
        lua_pushstring(L, "ignore_error_stats_update");
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      return next;
    case ':':
      if (push) lua_pushnumber(L, static_cast<lua_Number>(parse_ll(p, le)));
      return next;
    case '_':
      if (push) lua_pushnil(L);
      return next;
    case '#':
      if (push) lua_pushboolean(L, *p == 't');
      return next;
    case ',':
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, "double");
        lua_pushnumber(L, std::strtod(std::string(p, le).c_str(), nullptr));
        lua_settable(L, -3);
      }
      return next;
    case '(':
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, "big_number");
        lua_pushlstring(L, p, static_cast<std::size_t>(le - p));
        lua_settable(L, -3);
      }
      return next;
    case '$':
    case '=': {
      const long long n = parse_ll(p, le);
      if (n < 0) {
        if (push) lua_pushboolean(L, 0);
        return next;
      }
      const char* body = next;
      if (push) {
        if (type == '$') {
          lua_pushlstring(L, body, static_cast<std::size_t>(n));
        } else {
          lua_newtable(L);
          lua_pushstring(L, "verbatim_string");
          lua_newtable(L);
          lua_pushstring(L, "string");
          lua_pushlstring(L, body + 4, static_cast<std::size_t>(n) - 4);
          lua_settable(L, -3);
          lua_pushstring(L, "format");
          lua_pushlstring(L, body, 3);
          lua_settable(L, -3);
          lua_settable(L, -3);
        }
      }
      return body + n + 2;
    }
    case '*':
    case '~':
    case '%':
    case '|': {
      const long long n = parse_ll(p, le);
      if (n < 0) {
        if (push) lua_pushboolean(L, 0);
        return next;
      }
      p = next;
      if (type == '|') {  // attributes are skipped; the reply follows
        for (long long i = 0; i < 2 * n; ++i) p = push_resp(L, p, end, false);
        return push_resp(L, p, end, push);
      }
      if (push) {
        if (type == '*') {
          lua_newtable(L);
        } else {
          lua_newtable(L);
          lua_pushstring(L, type == '%' ? "map" : "set");
          lua_newtable(L);
        }
      }
      for (long long i = 0; i < n; ++i) {
        if (type == '*') {
          if (push) lua_pushnumber(L, static_cast<lua_Number>(i + 1));
          p = push_resp(L, p, end, push);
        } else if (type == '%') {
          p = push_resp(L, p, end, push);
          p = push_resp(L, p, end, push);
        } else {
          p = push_resp(L, p, end, push);
          if (push) lua_pushboolean(L, 1);
        }
        if (push) lua_settable(L, -3);
      }
      if (push && type != '*') lua_settable(L, -3);
      return p;
    }
    default:
      if (push) lua_pushnil(L);
      return end;
  }
}

// ---------------------------------------------------------- Lua -> RESP

std::int64_t lua_integer(lua_Number n) {
  if (std::isnan(n) || n >= 9223372036854775808.0 || n < -9223372036854775808.0) return INT64_MIN;
  return static_cast<std::int64_t>(n);
}

// Replies the value on top of the stack and pops it (luaReplyToRedisReply).
// `script_resp`: the protocol the script chose (booleans in RESP2 mode).
void reply_lua_value(lua_State* L, protocol::ReplyWriter& w, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    w.error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      w.bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          w.integer(1);
        } else {
          w.null();
        }
      } else {
        w.boolean(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      w.integer(lua_integer(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      auto field = [&](const char* name, int type) {
        lua_pushstring(L, name);
        lua_rawget(L, -2);
        if (lua_type(L, -1) == type) return true;
        lua_pop(L, 1);
        return false;
      };
      if (field("err", LUA_TSTRING)) {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        // Redis replies "-" + the field as it is (a leading '-' is kept).
        w.error(std::string_view(s, len));
        lua_pop(L, 2);
        return;
      }
      if (field("ok", LUA_TSTRING)) {
        std::string ok = lua_tostring(L, -1);
        for (char& c : ok) {
          if (c == '\r' || c == '\n') c = ' ';
        }
        w.simple(ok);
        lua_pop(L, 2);
        return;
      }
      if (field("double", LUA_TNUMBER)) {
        w.dbl(lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }
      if (field("big_number", LUA_TSTRING)) {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        std::string big(s, len);
        for (char& c : big) {
          if (c == '\r' || c == '\n') c = ' ';
        }
        w.big_number(big);
        lua_pop(L, 2);
        return;
      }
      if (field("verbatim_string", LUA_TTABLE)) {
        if (field("format", LUA_TSTRING)) {
          std::string format = lua_tostring(L, -1);
          lua_pop(L, 1);
          if (field("string", LUA_TSTRING)) {
            std::size_t len = 0;
            const char* s = lua_tolstring(L, -1, &len);
            if (w.resp() >= 3) {
              std::string text = format.substr(0, 3);
              text.resize(3, ' ');
              w.raw("=" + std::to_string(len + 4) + "\r\n" + text + ":");
              w.raw(std::string_view(s, len));
              w.raw("\r\n");
            } else {
              w.bulk(std::string_view(s, len));
            }
            lua_pop(L, 3);
            return;
          }
        }
        lua_pop(L, 1);
      }
      if (field("map", LUA_TTABLE)) {
        std::size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          ++n;
          lua_pop(L, 1);
        }
        w.map(n);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          reply_lua_value(L, w, script_resp);  // the key
          reply_lua_value(L, w, script_resp);  // the value
        }
        lua_pop(L, 2);
        return;
      }
      if (field("set", LUA_TTABLE)) {
        std::size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          ++n;
          lua_pop(L, 1);
        }
        w.set(n);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          reply_lua_value(L, w, script_resp);
        }
        lua_pop(L, 2);
        return;
      }
      // An array: elements 1..n up to the first nil.
      std::size_t n = 0;
      while (true) {
        lua_rawgeti(L, -1, static_cast<int>(n + 1));
        const bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        ++n;
      }
      w.array(n);
      for (std::size_t i = 1; i <= n; ++i) {
        lua_rawgeti(L, -1, static_cast<int>(i));
        reply_lua_value(L, w, script_resp);
      }
      break;
    }
    default:
      w.null();
  }
  lua_pop(L, 1);
}

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

int l_acl_check_cmd(lua_State* L) {
  ScriptRun* run = t_run;
  if (!run) raise_table(L, "redis.acl_check_cmd can only be called inside a script invocation");
  const char* err = read_call_args(L, *run);
  if (err) raise_table(L, err + 4);
  const bool known = CommandTable::instance().find(run->argv[0]) != nullptr;
  if (!known) raise_table(L, "Invalid command passed to redis.acl_check_cmd()");
  lua_pushboolean(L, 1);
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

int l_register_function(lua_State* L);

constexpr const char* kErrHandlerCode =
    "local dbg = debug\n"
    "return function(err)\n"
    "  local i = dbg.getinfo(2, 'nSl')\n"
    "  if i and i.what == 'C' then i = dbg.getinfo(3, 'nSl') end\n"
    "  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end\n"
    "  if i then err['source'] = i.source; err['line'] = i.currentline end\n"
    "  return err\n"
    "end\n";

int count_hook_budget = 100000;

}  // namespace

// The interpreter of one thread.
class ScriptInterpreter {
 public:
  ScriptInterpreter() { init(); }
  ~ScriptInterpreter() { lua_close(L); }
  ScriptInterpreter(const ScriptInterpreter&) = delete;
  ScriptInterpreter& operator=(const ScriptInterpreter&) = delete;

  lua_State* L = nullptr;
  std::uint64_t cache_generation = 0;
  std::uint64_t functions_version = 0;
  std::map<std::string, std::uint32_t> script_flags;  // compiled scripts' flags

  // Drops compiled scripts after SCRIPT FLUSH; reloads libraries after a
  // FUNCTION change.
  void sync();

 private:
  void init();
  void load_libraries();
};

namespace {

// Opens a library; the extra ones (cjson, struct, cmsgpack, bit) are set as
// globals here, whatever their opener does.
void open_lib(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (name[0] != 0 && lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

}  // namespace

void ScriptInterpreter::init() {
  L = luaL_newstate();
  open_lib(L, "", luaopen_base);
  open_lib(L, LUA_TABLIBNAME, luaopen_table);
  open_lib(L, LUA_STRLIBNAME, luaopen_string);
  open_lib(L, LUA_MATHLIBNAME, luaopen_math);
  open_lib(L, LUA_DBLIBNAME, luaopen_debug);
  open_lib(L, "cjson", luaopen_cjson);
  open_lib(L, "struct", luaopen_struct);
  open_lib(L, "cmsgpack", luaopen_cmsgpack);
  open_lib(L, "bit", luaopen_bit);
  lua_settop(L, 0);
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

namespace {

thread_local std::unique_ptr<ScriptInterpreter> t_interp;

ScriptInterpreter& interpreter() {
  if (!t_interp) t_interp = std::make_unique<ScriptInterpreter>();
  t_interp->sync();
  return *t_interp;
}

void set_function_env_index(lua_State* L, const char* registry_name) {
  lua_getfield(L, LUA_REGISTRYINDEX, kFunctionEnv);
  lua_getmetatable(L, -1);
  if (registry_name) {
    lua_getfield(L, LUA_REGISTRYINDEX, registry_name);
  } else {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
  }
  lua_setfield(L, -2, "__index");
  lua_pop(L, 2);
}

void load_hook(lua_State* L, lua_Debug*) {
  LoadCtx* load = t_load;
  if (load && core::now_ms() - load->start_ms > 500) {
    lua_sethook(L, load_hook, LUA_MASKLINE, 0);
    raise_table(L, "FUNCTION LOAD timeout");
  }
}

// Runs a library's code (after its "#!lua" line) with the library API,
// registering its functions in `into` (a table on the stack at `into`).
// Returns an error message or nullopt; fills load.functions.
std::optional<std::string> load_library_code(lua_State* L, std::string_view code, LoadCtx& load,
                                             int into) {
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_function")) {
    std::string err = std::string("Error compiling function: ") + lua_tostring(L, -1);
    lua_pop(L, 1);
    return err;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, kFunctionEnv);
  lua_setfenv(L, -2);
  lua_pushvalue(L, into);
  lua_setfield(L, LUA_REGISTRYINDEX, "__kora_loading");
  set_function_env_index(L, kLibraryApi);
  load.start_ms = core::now_ms();
  t_load = &load;
  lua_sethook(L, load_hook, LUA_MASKCOUNT, 100000);
  const int status = lua_pcall(L, 0, 0, 0);
  lua_sethook(L, nullptr, 0, 0);
  t_load = nullptr;
  set_function_env_index(L, nullptr);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "__kora_loading");
  if (status) {
    std::string msg;
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
      lua_pop(L, 1);
    } else {
      msg = std::string("ERR ") + (lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
    }
    lua_pop(L, 1);
    return "Error registering functions: " + msg;
  }
  return std::nullopt;
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// redis.register_function's C++ part: validates, records the function in the
// loading table and in t_load. Returns an error message or nullptr.
const char* register_function_impl(lua_State* L) {
  LoadCtx& load = *t_load;
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return "wrong number of arguments to redis.register_function";
  std::string name, description;
  bool has_description = false;
  std::uint32_t flags = 0;
  int fn_index = 0;
  if (argc == 2) {
    if (!lua_isstring(L, 1)) return "first argument to redis.register_function must be a string";
    if (!lua_isfunction(L, 2)) return "second argument to redis.register_function must be a function";
    name = lua_tostring(L, 1);
    fn_index = 2;
  } else {
    if (!lua_istable(L, 1)) {
      return "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).";
    }
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      if (!lua_isstring(L, -2) || lua_type(L, -2) != LUA_TSTRING) {
        lua_pop(L, 2);
        return "named argument key given to redis.register_function is not a string";
      }
      const std::string key = lua_tostring(L, -2);
      if (key == "function_name") {
        if (!lua_isstring(L, -1)) {
          lua_pop(L, 2);
          return "function_name argument given to redis.register_function must be a string";
        }
        name = lua_tostring(L, -1);
      } else if (key == "description") {
        if (!lua_isstring(L, -1)) {
          lua_pop(L, 2);
          return "description argument given to redis.register_function must be a string";
        }
        description = lua_tostring(L, -1);
        has_description = true;
      } else if (key == "callback") {
        if (!lua_isfunction(L, -1)) {
          lua_pop(L, 2);
          return "callback argument given to redis.register_function must be a function";
        }
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "__kora_callback");
        fn_index = -1;
      } else if (key == "flags") {
        if (!lua_istable(L, -1)) {
          lua_pop(L, 2);
          return "flags argument to redis.register_function must be a table representing function flags";
        }
        const int n = static_cast<int>(lua_objlen(L, -1));
        for (int i = 1; i <= n; ++i) {
          lua_rawgeti(L, -1, i);
          const std::uint32_t f = lua_isstring(L, -1) ? script_flag_named(lua_tostring(L, -1)) : 0;
          lua_pop(L, 1);
          if (!f) {
            lua_pop(L, 2);
            return "unknown flag given";
          }
          flags |= f;
        }
      } else {
        lua_pop(L, 2);
        return "unknown argument given to redis.register_function";
      }
      lua_pop(L, 1);
    }
    if (name.empty() && !lua_isstring(L, 1)) {
      // checked below
    }
  }
  if (argc == 1) {
    if (name.empty()) {
      lua_pushnil(L);
      lua_setfield(L, LUA_REGISTRYINDEX, "__kora_callback");
      return "redis.register_function must get a function name argument";
    }
    if (fn_index == 0) return "redis.register_function must get a callback argument";
  }
  if (!valid_name(name)) {
    return "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
  }
  for (const auto& f : load.functions) {
    if (lower_name(f.name) == lower_name(name)) return "Function already exists in the library";
  }
  lua_getfield(L, LUA_REGISTRYINDEX, "__kora_loading");
  if (fn_index == 2) {
    lua_pushvalue(L, 2);
  } else {
    lua_getfield(L, LUA_REGISTRYINDEX, "__kora_callback");
  }
  lua_setfield(L, -2, lower_name(name).c_str());
  lua_pop(L, 1);
  FunctionRegistry::Function f;
  f.name = std::move(name);
  f.description = std::move(description);
  f.has_description = has_description;
  f.flags = flags;
  load.functions.push_back(std::move(f));
  return nullptr;
}

}  // namespace

namespace {

int l_register_function(lua_State* L) {
  if (!t_load) raise_table(L, "redis.register_function can only be called on FUNCTION LOAD command");
  const char* err = nullptr;
  try {
    err = register_function_impl(L);
  } catch (const std::bad_alloc&) {
    err = "Out of memory";
  }
  if (err) raise_table(L, err);
  return 0;
}

}  // namespace

void ScriptInterpreter::sync() {
  const std::uint64_t gen = ScriptCache::instance().generation();
  if (gen != cache_generation) {
    for (const auto& [sha, flags] : script_flags) {
      lua_pushnil(L);
      lua_setfield(L, LUA_REGISTRYINDEX, ("f_" + sha).c_str());
    }
    script_flags.clear();
    lua_gc(L, LUA_GCCOLLECT, 0);
    cache_generation = gen;
  }
  if (FunctionRegistry::instance().version() != functions_version) load_libraries();
}

void ScriptInterpreter::load_libraries() {
  std::uint64_t version = 0;
  auto libraries = FunctionRegistry::instance().snapshot(&version);
  lua_newtable(L);
  const int into = lua_gettop(L);
  for (const auto& [name, lib] : libraries) {
    LoadCtx load;
    std::string_view code = lib.code;
    const std::size_t nl = code.find('\n');
    code = nl == std::string_view::npos ? std::string_view() : code.substr(nl);
    if (auto err = load_library_code(L, code, load, into)) {
      core::log(core::LogLevel::kWarning, "Lua library %s failed to load on a worker: %s", name.c_str(), err->c_str());
    }
  }
  lua_setfield(L, LUA_REGISTRYINDEX, kFunctions);
  functions_version = version;
}

std::variant<FunctionRegistry::Library, std::string> compile_library(std::string_view code,
                                                                    const std::set<std::string>& taken) {
  // Metadata: "#!<engine> name=<lib>".
  if (code.substr(0, 2) != "#!") return std::string("Missing library metadata");
  const std::size_t nl = code.find('\n');
  if (nl == std::string_view::npos) return std::string("Invalid library metadata");
  std::vector<std::string_view> parts;
  {
    std::string_view line = code.substr(0, nl);
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      std::size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j > i) parts.push_back(line.substr(i, j - i));
      i = j;
    }
  }
  if (parts.empty()) return std::string("Invalid library metadata");
  std::string engine(parts[0].substr(2));
  std::optional<std::string> name;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() >= 5 && iequals(parts[i].substr(0, 5), "name=")) {
      if (name) return std::string("Invalid metadata value, name argument was given multiple times");
      name = std::string(parts[i].substr(5));
      continue;
    }
    return "Invalid metadata value given: " + std::string(parts[i]);
  }
  if (!name) return std::string("Library name was not given");
  if (!valid_name(*name)) {
    return std::string(
        "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
  }
  if (!iequals(engine, "lua")) return "Engine '" + engine + "' not found";
  if (taken.count(lower_name(*name))) return "Library '" + *name + "' already exists";
  // Run it in a scratch interpreter to learn its functions.
  ScriptInterpreter scratch;
  lua_State* L = scratch.L;
  lua_newtable(L);
  LoadCtx load;
  if (auto err = load_library_code(L, code.substr(nl), load, lua_gettop(L))) return *err;
  if (load.functions.empty()) return std::string("No functions registered");
  FunctionRegistry::Library lib;
  lib.name = *name;
  lib.code.assign(code);
  lib.functions = std::move(load.functions);
  return lib;
}

namespace {

void script_hook(lua_State* L, lua_Debug*) {
  ScriptRun* run = t_run;
  if (!run) return;
  ScriptMonitor::instance().check_busy(*run->monitor, core::now_ms());
  if (run->monitor->kill.load(std::memory_order_relaxed)) {
    core::log(core::LogLevel::kWarning, "Lua script killed by user with SCRIPT KILL.");
    lua_sethook(L, script_hook, LUA_MASKLINE, 0);
    raise_table(L, "Script killed by user with SCRIPT KILL...");
  }
}

void push_array(lua_State* L, std::span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (std::size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

// Replies the error object on top of the stack (a table from the handler,
// or a string when Lua could not run it: out of memory).
void reply_run_error(lua_State* L, protocol::ReplyWriter& w, std::string_view funcname) {
  if (!lua_istable(L, -1)) {
    std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    if (msg.size() > 100) msg.resize(100);
    w.error("ERR Error running script " + std::string(funcname) + ", " + msg + " ");
    return;
  }
  std::string msg, source, line;
  lua_getfield(L, -1, "err");
  if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, -1, "source");
  if (lua_isstring(L, -1)) source = lua_tostring(L, -1);
  const bool has_source = lua_isstring(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, -1, "line");
  const bool has_line = lua_isstring(L, -1);
  if (has_line) line = lua_tostring(L, -1);
  lua_pop(L, 1);
  if (has_source && has_line) msg += " script: " + std::string(funcname) + ", on " + source + ":" + line + ".";
  w.error(msg);
}

}  // namespace

void run_script(CommandContext& ctx, const ScriptCall& call) {
  ScriptInterpreter& in = interpreter();
  lua_State* L = in.L;
  std::uint32_t flags = 0;
  std::string funcname;
  lua_settop(L, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, kErrHandler);
  if (call.eval) {
    funcname = call.sha;
    const std::string key = "f_" + call.sha;
    lua_getfield(L, LUA_REGISTRYINDEX, key.c_str());
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      std::string body;
      if (call.with_body) {
        body.assign(call.body);
      } else if (auto s = ScriptCache::instance().find(call.sha)) {
        body = std::move(s->body);
      } else {
        lua_settop(L, 0);
        return ctx.error(core::Errc::kNoScript);
      }
      std::size_t shebang_len = 0;
      if (auto err = parse_shebang(body, flags, shebang_len)) {
        lua_settop(L, 0);
        return ctx.reply.error(core::error_message(core::Errc::kScriptShebang, *err));
      }
      if (luaL_loadbuffer(L, body.data() + shebang_len, body.size() - shebang_len, "@user_script")) {
        std::string err = lua_tostring(L, -1);
        lua_settop(L, 0);
        return ctx.reply.error(core::error_message(core::Errc::kScriptCompile, err));
      }
      lua_pushvalue(L, -1);
      lua_setfield(L, LUA_REGISTRYINDEX, key.c_str());
      in.script_flags[call.sha] = flags;
      ScriptCache::instance().add(call.sha, body, flags);
    } else {
      flags = in.script_flags[call.sha];
    }
  } else {
    auto found = FunctionRegistry::instance().find(call.function);
    if (!found) {
      lua_settop(L, 0);
      return ctx.error(core::Errc::kFunctionNotFound);
    }
    funcname = found->first.name;
    flags = found->first.flags;
    lua_getfield(L, LUA_REGISTRYINDEX, kFunctions);
    lua_getfield(L, -1, lower_name(funcname).c_str());
    lua_remove(L, -2);
    if (!lua_isfunction(L, -1)) {
      lua_settop(L, 0);
      return ctx.error(core::Errc::kFunctionNotFound);
    }
  }
  const bool compat = flags & kScriptEvalCompat;
  if (!compat && !(flags & kScriptNoWrites) && call.read_only) {
    lua_settop(L, 0);
    return ctx.error(core::Errc::kScriptWriteFlagRo);
  }

  ScriptRun run;
  run.ctx = &ctx;
  run.read_only = call.read_only || (!compat && (flags & kScriptNoWrites));
  run.db = ctx.db_index;
  // The shards this run holds: its own, its declared keys', and every shard
  // when allow-undeclared-keys made the command borrow them all.
  run.held.push_back(ctx.shard.id());
  for (std::string_view k : call.keys) run.held.push_back(ctx.engine.shard_for(k));
  if (ScriptConfig::instance().allow_undeclared_keys.load(std::memory_order_relaxed)) {
    bool all = true;
    for (core::ShardId s = 0; s < ctx.engine.shard_count(); ++s) {
      if (s != ctx.shard.id() && !ctx.engine.is_lent(s)) all = false;
    }
    if (all) {
      for (core::ShardId s = 0; s < ctx.engine.shard_count(); ++s) run.held.push_back(s);
    }
  }
  std::sort(run.held.begin(), run.held.end());
  run.held.erase(std::unique(run.held.begin(), run.held.end()), run.held.end());
  run.monitor = ScriptMonitor::instance().begin(call.eval);
  run.monitor->name = funcname;
  run.monitor->argv = ctx.argv;

  int status = 0;
  {
    const bool hook = true;  // SCRIPT KILL and busy-reply-threshold need it
    if (hook) lua_sethook(L, script_hook, LUA_MASKCOUNT, count_hook_budget);
    if (call.eval) {
      lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobals);
      push_array(L, call.keys);
      lua_setfield(L, -2, "KEYS");
      push_array(L, call.args);
      lua_setfield(L, -2, "ARGV");
      lua_pop(L, 1);
    } else {
      push_array(L, call.keys);
      push_array(L, call.args);
    }
    t_run = &run;
    status = lua_pcall(L, call.eval ? 0 : 2, 1, 1);
    t_run = nullptr;
    lua_sethook(L, nullptr, 0, 0);
    if (call.eval) {
      // KEYS and ARGV are an EVAL's only: functions must not see them.
      lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobals);
      lua_pushnil(L);
      lua_setfield(L, -2, "KEYS");
      lua_pushnil(L);
      lua_setfield(L, -2, "ARGV");
      lua_pop(L, 1);
    }
  }
  ScriptMonitor::instance().end(run.monitor);
  static thread_local int gc_count = 0;
  if (++gc_count == 50) {
    lua_gc(L, LUA_GCSTEP, 50);
    gc_count = 0;
  }
  if (status) {
    reply_run_error(L, ctx.reply, funcname);
  } else {
    reply_lua_value(L, ctx.reply, run.resp);
  }
  lua_settop(L, 0);
}

std::variant<std::string, std::string> load_script(std::string_view body) {
  ScriptInterpreter& in = interpreter();
  lua_State* L = in.L;
  std::string sha = sha1_hex(body);
  const std::string key = "f_" + sha;
  lua_getfield(L, LUA_REGISTRYINDEX, key.c_str());
  const bool known = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (known && ScriptCache::instance().exists(sha)) return std::variant<std::string, std::string>(std::in_place_index<0>, sha);
  std::uint32_t flags = 0;
  std::size_t shebang_len = 0;
  if (auto err = parse_shebang(body, flags, shebang_len)) {
    return std::variant<std::string, std::string>(std::in_place_index<1>, core::error_message(core::Errc::kScriptShebang, *err));
  }
  if (luaL_loadbuffer(L, body.data() + shebang_len, body.size() - shebang_len, "@user_script")) {
    std::string err = lua_tostring(L, -1);
    lua_settop(L, 0);
    return std::variant<std::string, std::string>(std::in_place_index<1>, core::error_message(core::Errc::kScriptCompile, err));
  }
  lua_setfield(L, LUA_REGISTRYINDEX, key.c_str());
  in.script_flags[sha] = flags;
  ScriptCache::instance().add(sha, body, flags);
  return std::variant<std::string, std::string>(std::in_place_index<0>, sha);
}

bool script_running_here() { return t_run != nullptr; }

void reset_thread_interpreter() {
  if (t_interp) t_interp->sync();
}

std::size_t thread_lua_memory() {
  if (!t_interp) return 0;
  return static_cast<std::size_t>(lua_gc(t_interp->L, LUA_GCCOUNT, 0)) * 1024;
}

}  // namespace kora::server
