#pragma once
// Internals shared by the Lua scripting files (not a public header):
//   lua_convert.cc  RESP <-> Lua values, error tables
//   lua_api.cc      the redis.* API, math.random, the sandbox
//   scripting.cc    the interpreter of a thread, FUNCTION libraries, running scripts
// Everything here runs on the thread that owns the interpreter.
//
// Lua 5.1 reports errors with longjmp: a C function called by Lua never holds a
// C++ object with a destructor across a call that may raise (lua_error and the
// push functions); the C++ work is done in helpers that return before.

#include <lua.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kora/core/errors.h"
#include "kora/protocol/reply_writer.h"
#include "scripting.h"

namespace kora::server::lua {

inline constexpr const char* kRealGlobals = "__kora_G";
inline constexpr const char* kErrHandler = "__kora_err_handler";
inline constexpr const char* kFunctions = "__kora_functions";
inline constexpr const char* kFunctionEnv = "__kora_fenv";
inline constexpr const char* kLibraryApi = "__kora_libapi";

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

extern thread_local ScriptRun* t_run;
extern thread_local LoadCtx* t_load;

// ------------------------------------------------------------ lua_convert.cc

// Pushes Redis's error table {err="CODE message"} for `msg`: "-CODE message"
// keeps its code, anything else gets "ERR "; trailing CR/LF are trimmed.
void push_error_table(lua_State* L, const char* msg, std::size_t len);
void push_error_table(lua_State* L, const char* msg);
// The text of an error code, kept in a static buffer per thread (no C++ object
// alive when Lua raises).
const char* errc_text(core::Errc code);
// Pushes the error table of `msg` and raises it.
[[noreturn]] void raise_table(lua_State* L, const char* msg);
// Parses one RESP reply at `p` (< end) and pushes it when `push` (Redis's
// RESP -> Lua conversion rules); returns the end of the reply.
const char* push_resp(lua_State* L, const char* p, const char* end, bool push);
// Writes the value on top of the stack as the script's reply (Redis's Lua ->
// RESP rules for `script_resp`) and pops it.
void reply_lua_value(lua_State* L, protocol::ReplyWriter& w, int script_resp);

// ---------------------------------------------------------------- lua_api.cc

// Installs the sandbox and the redis.* API into a fresh state whose standard
// libraries are open: deny list, pcall/setmetatable/loadstring wrappers,
// math.random, the `redis` table, the error handler, the library API used by
// FUNCTION LOAD, read-only globals and the function environment.
void install_api(lua_State* L);

// ------------------------------------------------------------- scripting.cc

// redis.register_function (FUNCTION LOAD's library API).
int l_register_function(lua_State* L);

}  // namespace kora::server::lua
