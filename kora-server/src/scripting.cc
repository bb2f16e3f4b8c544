// The Lua interpreter of a thread (scripting.h): FUNCTION libraries, running
// EVAL scripts and FCALL functions. The sandbox and the redis.* API are in
// lua_api.cc, the RESP <-> Lua conversions in lua_convert.cc (lua_internal.h).
#include "scripting.h"

#include <cstring>

#include "args.h"
#include "connection.h"
#include "kora/core/clock.h"
#include "kora/core/log.h"
#include "kora/server/dispatch.h"
#include "lua_internal.h"

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace kora::server {

int luaopen_struct(lua_State* L);    // lua_libs.cc
int luaopen_cmsgpack(lua_State* L);  // lua_libs.cc

using namespace lua;  // NOLINT: this file is the interpreter lua_internal.h serves

namespace {

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
  install_api(L);
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

int lua::l_register_function(lua_State* L) {
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
  const std::int64_t now = core::now_ms();
  ScriptMonitor::instance().check_busy(*run->monitor, now);
  // Past busy-reply-threshold: answer the worker's other clients (-BUSY,
  // SCRIPT KILL...), at most every few ms.
  static thread_local std::int64_t last_served_ms = 0;
  if (run->monitor->busy.load(std::memory_order_relaxed) && now - last_served_ms >= 5) {
    last_served_ms = now;
    try {
      serve_clients_while_busy();
    } catch (...) {
      // Out of memory while answering: the clients are answered after the script.
    }
  }
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
