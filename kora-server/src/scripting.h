#pragma once
// Lua scripting (EVAL, EVALSHA, FCALL): one Lua 5.1 interpreter per thread
// that runs scripts (a worker, or an embedded caller), created lazily on that
// thread; the sandbox Redis 7.0 sets up; Redis's RESP <-> Lua conversions;
// the process-wide script cache, function libraries and the running-script
// monitor (busy-reply-threshold, SCRIPT KILL / FUNCTION KILL).
//
// Thread-safety: a ScriptInterpreter belongs to the thread that created it.
// ScriptCache, FunctionRegistry, ScriptMonitor and ScriptConfig are shared by
// every worker and lock (or use atomics) inside.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kora/server/command.h"

struct lua_State;

namespace kora::server {

// CONFIG parameters of scripting.
struct ScriptConfig {
  static ScriptConfig& instance();
  // busy-reply-threshold (alias lua-time-limit), ms: a script running longer
  // makes other clients' commands answer -BUSY. 0: never.
  std::atomic<std::int64_t> busy_reply_threshold{5000};
  // allow-undeclared-keys (Kora): a script may touch keys it did not declare
  // in KEYS; it then runs holding every shard.
  std::atomic<std::int64_t> allow_undeclared_keys{0};
};

// Script flags: the `#!lua flags=` shebang of EVAL scripts and the flags of
// redis.register_function.
enum ScriptFlag : std::uint32_t {
  kScriptNoWrites = 1u << 0,
  kScriptAllowOom = 1u << 1,
  kScriptAllowStale = 1u << 2,
  kScriptNoCluster = 1u << 3,
  kScriptAllowCrossSlot = 1u << 4,
  kScriptEvalCompat = 1u << 5,  // EVAL body without a shebang: Redis 6 rules
};

// The flag named `name` ("no-writes"...), or 0.
std::uint32_t script_flag_named(std::string_view name);
// The names of `flags`, in Redis's order (FUNCTION LIST).
std::vector<std::string_view> script_flag_names(std::uint32_t flags);

// Parses an EVAL body's shebang ("#!lua flags=no-writes,allow-oom"). Sets
// `flags` (kScriptEvalCompat when there is none) and `shebang_len` (the bytes
// to skip, the line feed kept so that line numbers stay right). On failure
// returns Redis's message ("Invalid script shebang", "Unexpected engine in
// script shebang: x", "Unexpected flag in script shebang: x", "Unknown lua
// shebang option: x").
std::optional<std::string> parse_shebang(std::string_view body, std::uint32_t& flags,
                                         std::size_t& shebang_len);

// 40 lowercase hex digits of SHA-1 of `data`.
std::string sha1_hex(std::string_view data);

// The EVAL / SCRIPT LOAD cache, process-wide: sha -> body. Each interpreter
// compiles a body the first time it runs it; SCRIPT FLUSH bumps generation()
// and every interpreter drops its compiled scripts before its next run.
class ScriptCache {
 public:
  struct Script {
    std::string body;
    std::uint32_t flags = 0;
  };
  static ScriptCache& instance();
  void add(const std::string& sha, std::string_view body, std::uint32_t flags);
  std::optional<Script> find(const std::string& sha) const;
  bool exists(const std::string& sha) const;
  void flush();
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::size_t size() const;
  std::size_t memory() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Script> scripts_;
  std::size_t memory_ = 0;
  std::atomic<std::uint64_t> generation_{1};
};

// Function libraries (FUNCTION LOAD), process-wide and versioned: each
// interpreter reloads every library when version() moved since it last looked.
class FunctionRegistry {
 public:
  struct Function {
    std::string name;
    std::string description;  // empty: none
    bool has_description = false;
    std::uint32_t flags = 0;
  };
  struct Library {
    std::string name;
    std::string code;
    std::vector<Function> functions;  // in registration order
  };
  static FunctionRegistry& instance();

  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // A copy of the libraries (keyed by lower_name(name): library and function
  // names are case-insensitive, as in Redis) and the version they belong to.
  std::map<std::string, Library> snapshot(std::uint64_t* version = nullptr) const;
  // The function `name` and its library's name, if registered.
  std::optional<std::pair<Function, std::string>> find(std::string_view name) const;
  // Replaces the whole set (LOAD, DELETE, FLUSH, RESTORE build the new set and
  // check it first). Bumps the version.
  void replace(std::map<std::string, Library> libraries);

 private:
  mutable std::mutex mu_;
  std::map<std::string, Library> libraries_;
  std::map<std::string, std::string, std::less<>> function_library_;  // function -> library
  std::atomic<std::uint64_t> version_{1};
};

// `name` in lowercase (the key of libraries and functions).
std::string lower_name(std::string_view name);

// Loads `code` (with its "#!lua name=<lib>" header) in a scratch interpreter
// to learn its name and the functions it registers. Returns the library, or
// Redis's error message (without the "ERR " prefix).
// `taken`: library names that already exist (FUNCTION LOAD without REPLACE):
// "Library '<name>' already exists" before the code runs.
std::variant<FunctionRegistry::Library, std::string> compile_library(std::string_view code,
                                                                    const std::set<std::string>& taken = {});

// Scripts running now, for -BUSY, SCRIPT KILL and FUNCTION KILL.
class ScriptMonitor {
 public:
  struct Running {
    bool eval = true;  // EVAL (SCRIPT KILL) or FCALL (FUNCTION KILL)
    std::int64_t start_ms = 0;
    std::atomic<bool> kill{false};
    std::atomic<bool> wrote{false};
    std::atomic<bool> busy{false};  // past busy-reply-threshold
    // FUNCTION STATS: the function's name and the command that runs it
    // (views valid while the run is registered; read under the monitor's lock).
    std::string_view name;
    std::span<const std::string_view> argv;
  };
  static ScriptMonitor& instance();

  std::shared_ptr<Running> begin(bool eval);
  void end(const std::shared_ptr<Running>& run);
  // Called by the script's hook: marks it busy once past the threshold.
  void check_busy(Running& run, std::int64_t now_ms);
  // A script past the threshold is running (one relaxed load when none).
  bool busy() const { return busy_count_.load(std::memory_order_relaxed) != 0; }
  // The -BUSY error for other clients: kBusyEval or kBusyFunction.
  core::Errc busy_error() const;
  // SCRIPT KILL (eval) / FUNCTION KILL: the error code, or nullopt when the
  // kill flag was set.
  std::optional<core::Errc> kill(bool eval);
  // SHUTDOWN: stops every running script, whether it wrote or not (the
  // process is going away; a script's worker must return to its loop to stop).
  void kill_all();
  // Calls fn(const Running*) under the lock with the running script (or nullptr).
  template <typename F>
  void with_running(F&& fn) const {
    std::lock_guard lock(mu_);
    fn(running_.empty() ? nullptr : running_.front().get());
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Running>> running_;
  std::atomic<int> busy_count_{0};
};

// Whether a client command may run while a script is busy (SCRIPT KILL,
// FUNCTION KILL/STATS, SHUTDOWN NOSAVE, AUTH, HELLO).
bool allowed_while_busy(std::span<const std::string_view> argv);

// What an EVAL or FCALL runs.
struct ScriptCall {
  bool eval = true;           // EVAL* (KEYS/ARGV globals) or FCALL* (keys, args parameters)
  bool read_only = false;     // *_RO command
  std::string sha;            // EVAL: the script's sha (lowercase)
  std::string_view body;      // EVAL: the body
  bool with_body = false;     // EVAL (not EVALSHA)
  std::string_view function;  // FCALL: the function name
  std::span<const std::string_view> keys;
  std::span<const std::string_view> args;
};

// Runs a script or function on the calling thread's interpreter and writes its
// reply (or error) to ctx.reply. The command's CommandContext holds the shards
// of every declared key (and every shard under allow-undeclared-keys).
void run_script(CommandContext& ctx, const ScriptCall& call);

// SCRIPT LOAD / EVAL's compile step on this thread: checks the shebang and
// compiles `body`, adding it to the cache. Returns the sha, or the error reply
// (with its code).
std::variant<std::string, std::string> load_script(std::string_view body);

// Whether the calling thread is running a script now (XREAD refuses BLOCK
// inside a script, as Redis).
bool script_running_here();

// Drops the calling thread's compiled scripts (SCRIPT FLUSH on this thread).
void reset_thread_interpreter();

// Lua memory of this thread's interpreter, bytes (INFO used_memory_lua).
std::size_t thread_lua_memory();

}  // namespace kora::server
