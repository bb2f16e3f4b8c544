// Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FCALL,
// FCALL_RO and FUNCTION. The interpreter lives in scripting.cc; these
// handlers parse, call it, and reply.
//
// EVAL's declared keys (numkeys, then the keys) are found by the command
// table's key finder before the handler runs, so a script whose keys span
// shards runs under the cross-shard transaction mechanism holding each of
// them (kMultiShard); with allow-undeclared-keys it holds every shard
// (extra_shards).
#include <algorithm>
#include <set>

#include "args.h"
#include "kora/core/clock.h"
#include "kora/core/glob.h"
#include "scripting.h"

namespace kora::server {

using core::Errc;

namespace {

// argv[2] is numkeys (0 allowed), then the keys.
void script_keys(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out) {
  if (argv.size() < 3) return;
  auto numkeys = to_int(argv[2]);
  if (!numkeys || *numkeys < 0 || *numkeys > static_cast<std::int64_t>(argv.size()) - 3) return;
  for (std::int64_t i = 0; i < *numkeys; ++i) out.push_back(static_cast<std::uint32_t>(3 + i));
}

// allow-undeclared-keys: the script may reach any key, so it holds every shard.
void script_shards(std::span<const std::string_view>, const core::ShardEngine& engine,
                   std::vector<core::ShardId>& out) {
  if (!ScriptConfig::instance().allow_undeclared_keys.load(std::memory_order_relaxed)) return;
  for (core::ShardId s = 0; s < engine.shard_count(); ++s) out.push_back(s);
}

// numkeys and the key/argument split; replies the error and returns false.
bool split_keys(CommandContext& ctx, ScriptCall& call, bool function) {
  auto numkeys = to_int(ctx.argv[2]);
  if (!numkeys) {
    ctx.error(function ? Errc::kFunctionBadKeys : Errc::kNotInteger);
    return false;
  }
  const auto argc = static_cast<std::int64_t>(ctx.argv.size());
  if (*numkeys > argc - 3) {
    ctx.error(Errc::kScriptKeysTooMany);
    return false;
  }
  if (*numkeys < 0) {
    ctx.error(Errc::kScriptKeysNegative);
    return false;
  }
  const auto n = static_cast<std::size_t>(*numkeys);
  call.keys = ctx.argv.subspan(3, n);
  call.args = ctx.argv.subspan(3 + n);
  return true;
}

void eval_generic(CommandContext& ctx, bool evalsha, bool ro) {
  ScriptCall call;
  call.eval = true;
  call.read_only = ro;
  if (!split_keys(ctx, call, false)) return;
  if (evalsha) {
    call.sha.assign(ctx.argv[1]);
    for (char& c : call.sha) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (call.sha.size() != 40) return ctx.error(Errc::kNoScript);
  } else {
    call.sha = sha1_hex(ctx.argv[1]);
    call.body = ctx.argv[1];
    call.with_body = true;
  }
  run_script(ctx, call);
}

void eval_command(CommandContext& ctx) { eval_generic(ctx, false, false); }
void eval_ro_command(CommandContext& ctx) { eval_generic(ctx, false, true); }
void evalsha_command(CommandContext& ctx) { eval_generic(ctx, true, false); }
void evalsha_ro_command(CommandContext& ctx) { eval_generic(ctx, true, true); }

void fcall_generic(CommandContext& ctx, bool ro) {
  if (!FunctionRegistry::instance().find(ctx.argv[1])) return ctx.error(Errc::kFunctionNotFound);
  ScriptCall call;
  call.eval = false;
  call.read_only = ro;
  call.function = ctx.argv[1];
  if (!split_keys(ctx, call, true)) return;
  run_script(ctx, call);
}

void fcall_command(CommandContext& ctx) { fcall_generic(ctx, false); }
void fcall_ro_command(CommandContext& ctx) { fcall_generic(ctx, true); }

// ------------------------------------------------------------------ SCRIPT

void script_load(CommandContext& ctx) {
  auto r = load_script(ctx.argv[2]);
  if (r.index() == 1) return ctx.reply.error(std::get<1>(r));
  ctx.reply.bulk(std::get<0>(r));
}

void script_exists(CommandContext& ctx) {
  ctx.reply.array(ctx.argv.size() - 2);
  for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
    std::string sha(ctx.argv[i]);
    for (char& c : sha) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ctx.reply.integer(ScriptCache::instance().exists(sha) ? 1 : 0);
  }
}

void script_flush(CommandContext& ctx) {
  if (ctx.argv.size() > 3 || (ctx.argv.size() == 3 && !iequals(ctx.argv[2], "sync") && !iequals(ctx.argv[2], "async"))) {
    return ctx.error(Errc::kScriptFlushOption);
  }
  ScriptCache::instance().flush();
  reset_thread_interpreter();
  ctx.reply.ok();
}

void reply_kill(CommandContext& ctx, bool eval) {
  if (auto err = ScriptMonitor::instance().kill(eval)) return ctx.error(*err);
  ctx.reply.ok();
}

void script_kill(CommandContext& ctx) { reply_kill(ctx, true); }

void script_help(CommandContext& ctx) {
  reply_help(ctx, "script",
             {"DEBUG (YES|SYNC|NO)", "    Set the debug mode for subsequent scripts executed.",
              "EXISTS <sha1> [<sha1> ...]",
              "    Return information about the existence of the scripts in the script cache.",
              "FLUSH [ASYNC|SYNC]", "    Flush the Lua scripts cache. Very dangerous on replicas.",
              "    When called without the optional mode argument, the behavior is determined by the",
              "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
              "    * ASYNC: Asynchronously flush the scripts cache.",
              "    * SYNC: Synchronously flush the scripts cache.", "KILL",
              "    Kill the currently executing Lua script.", "LOAD <script>",
              "    Load a script into the scripts cache without executing it.", "HELP",
              "    Prints this help."});
}

constexpr Subcommand kScriptSubcommands[] = {
    {"load", 3, script_load},   {"exists", -3, script_exists}, {"flush", -2, script_flush},
    {"kill", 2, script_kill},   {"help", 2, script_help},
};

void script_command(CommandContext& ctx) { dispatch_subcommand(ctx, "script", kScriptSubcommands); }

// ---------------------------------------------------------------- FUNCTION

// A function set with `lib` added; the error message when a name collides.
std::optional<std::string> add_library(std::map<std::string, FunctionRegistry::Library>& set,
                                       FunctionRegistry::Library lib, bool replace) {
  const std::string key = lower_name(lib.name);
  if (set.count(key)) {
    if (!replace) return "Library '" + lib.name + "' already exists";
    set.erase(key);
  }
  for (const auto& [name, other] : set) {
    for (const auto& f : other.functions) {
      for (const auto& g : lib.functions) {
        if (lower_name(f.name) == lower_name(g.name)) return "Function " + g.name + " already exists";
      }
    }
  }
  set.emplace(key, std::move(lib));
  return std::nullopt;
}

void function_load(CommandContext& ctx) {
  bool replace = false;
  std::size_t at = 2;
  while (at < ctx.argv.size() - 1) {
    const std::string_view a = ctx.argv[at++];
    if (iequals(a, "replace")) {
      replace = true;
      continue;
    }
    return ctx.reply.error(core::error_message(Errc::kFunctionUnknownOption, a));
  }
  if (at >= ctx.argv.size()) return ctx.error(Errc::kFunctionCodeMissing);
  auto set = FunctionRegistry::instance().snapshot();
  std::set<std::string> taken;
  if (!replace) {
    for (const auto& [name, lib] : set) taken.insert(name);  // lowercase keys
  }
  auto compiled = compile_library(ctx.argv[at], taken);
  if (compiled.index() == 1) return ctx.reply.error(core::error_message(Errc::kFunctionLoad, std::get<1>(compiled)));
  auto lib = std::move(std::get<0>(compiled));
  const std::string name = lib.name;
  if (auto err = add_library(set, std::move(lib), replace)) {
    return ctx.reply.error(core::error_message(Errc::kFunctionLoad, *err));
  }
  FunctionRegistry::instance().replace(std::move(set));
  ctx.reply.bulk(name);
}

void function_delete(CommandContext& ctx) {
  auto set = FunctionRegistry::instance().snapshot();
  if (!set.erase(lower_name(ctx.argv[2]))) return ctx.error(Errc::kLibraryNotFound);
  FunctionRegistry::instance().replace(std::move(set));
  ctx.reply.ok();
}

void function_flush(CommandContext& ctx) {
  if (ctx.argv.size() > 3 || (ctx.argv.size() == 3 && !iequals(ctx.argv[2], "sync") && !iequals(ctx.argv[2], "async"))) {
    return ctx.error(Errc::kFunctionFlushOption);
  }
  FunctionRegistry::instance().replace({});
  ctx.reply.ok();
}

void function_list(CommandContext& ctx) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
    const std::string_view a = ctx.argv[i];
    if (!with_code && iequals(a, "withcode")) {
      with_code = true;
      continue;
    }
    if (!pattern && iequals(a, "libraryname")) {
      if (i >= ctx.argv.size() - 1) return ctx.error(Errc::kFunctionListNoName);
      pattern = ctx.argv[++i];
      continue;
    }
    return ctx.reply.error(core::error_message(Errc::kFunctionListArgument, a));
  }
  auto set = FunctionRegistry::instance().snapshot();
  std::vector<const FunctionRegistry::Library*> libs;
  for (const auto& [name, lib] : set) {
    if (pattern && !core::glob_match(*pattern, name, /*nocase=*/true)) continue;
    libs.push_back(&lib);
  }
  ctx.reply.array(libs.size());
  for (const auto* lib : libs) {
    ctx.reply.map(with_code ? 4 : 3);
    ctx.reply.bulk("library_name");
    ctx.reply.bulk(lib->name);
    ctx.reply.bulk("engine");
    ctx.reply.bulk("LUA");
    ctx.reply.bulk("functions");
    ctx.reply.array(lib->functions.size());
    for (const auto& f : lib->functions) {
      ctx.reply.map(3);
      ctx.reply.bulk("name");
      ctx.reply.bulk(f.name);
      ctx.reply.bulk("description");
      if (f.has_description) {
        ctx.reply.bulk(f.description);
      } else {
        ctx.reply.null();
      }
      ctx.reply.bulk("flags");
      auto names = script_flag_names(f.flags);
      ctx.reply.set(names.size());
      for (auto n : names) ctx.reply.simple(n);
    }
    if (with_code) {
      ctx.reply.bulk("library_code");
      ctx.reply.bulk(lib->code);
    }
  }
}

// FUNCTION DUMP's payload (Kora's own format): "KORAFN1", then each library's
// code as <8 hex digits of length><code>, then the SHA-1 (40 hex digits) of
// everything before it.
constexpr std::string_view kDumpMagic = "KORAFN1";

void function_dump(CommandContext& ctx) {
  auto set = FunctionRegistry::instance().snapshot();
  std::string out(kDumpMagic);
  for (const auto& [name, lib] : set) {
    char len[9];
    std::snprintf(len, sizeof len, "%08zx", lib.code.size());
    out.append(len, 8);
    out += lib.code;
  }
  out += sha1_hex(out);
  ctx.reply.bulk(out);
}

void function_restore(CommandContext& ctx) {
  enum class Policy { kAppend, kReplace, kFlush } policy = Policy::kAppend;
  if (ctx.argv.size() > 4) return reply_subcommand_syntax(ctx, "function");
  if (ctx.argv.size() == 4) {
    if (iequals(ctx.argv[3], "append")) {
      policy = Policy::kAppend;
    } else if (iequals(ctx.argv[3], "replace")) {
      policy = Policy::kReplace;
    } else if (iequals(ctx.argv[3], "flush")) {
      policy = Policy::kFlush;
    } else {
      return ctx.error(Errc::kFunctionRestorePolicy);
    }
  }
  const std::string_view payload = ctx.argv[2];
  if (payload.size() < kDumpMagic.size() + 40 || payload.substr(0, kDumpMagic.size()) != kDumpMagic ||
      sha1_hex(payload.substr(0, payload.size() - 40)) != payload.substr(payload.size() - 40)) {
    return ctx.error(Errc::kFunctionDumpPayload);
  }
  std::string_view body = payload.substr(kDumpMagic.size(), payload.size() - 40 - kDumpMagic.size());
  std::vector<FunctionRegistry::Library> restored;
  while (!body.empty()) {
    std::size_t len = 0;
    if (body.size() < 8 || std::sscanf(std::string(body.substr(0, 8)).c_str(), "%8zx", &len) != 1 ||
        body.size() - 8 < len) {
      return ctx.error(Errc::kFunctionDumpPayload);
    }
    auto compiled = compile_library(body.substr(8, len));
    if (compiled.index() == 1) return ctx.reply.error(core::error_message(Errc::kFunctionLoad, std::get<1>(compiled)));
    restored.push_back(std::move(std::get<0>(compiled)));
    body.remove_prefix(8 + len);
  }
  auto set = policy == Policy::kFlush ? std::map<std::string, FunctionRegistry::Library>{}
                                      : FunctionRegistry::instance().snapshot();
  for (auto& lib : restored) {
    if (policy == Policy::kAppend && set.count(lower_name(lib.name))) {
      return ctx.reply.error(core::error_message(Errc::kFunctionLoad, "Library " + lib.name + " already exists"));
    }
    if (auto err = add_library(set, std::move(lib), policy == Policy::kReplace)) {
      return ctx.reply.error(core::error_message(Errc::kFunctionLoad, *err));
    }
  }
  FunctionRegistry::instance().replace(std::move(set));
  ctx.reply.ok();
}

void function_stats(CommandContext& ctx) {
  bool eval_running = false;
  ScriptMonitor::instance().with_running([&](const ScriptMonitor::Running* r) { eval_running = r && r->eval; });
  if (eval_running) return ctx.error(Errc::kBusyEval);
  auto set = FunctionRegistry::instance().snapshot();
  std::size_t functions = 0;
  for (const auto& [name, lib] : set) functions += lib.functions.size();
  ctx.reply.map(2);
  ctx.reply.bulk("running_script");
  ScriptMonitor::instance().with_running([&](const ScriptMonitor::Running* r) {
    if (!r) return ctx.reply.null();
    ctx.reply.map(3);
    ctx.reply.bulk("name");
    ctx.reply.bulk(r->name);
    ctx.reply.bulk("command");
    ctx.reply.array(r->argv.size());
    for (auto a : r->argv) ctx.reply.bulk(a);
    ctx.reply.bulk("duration_ms");
    ctx.reply.integer(core::now_ms() - r->start_ms);
  });
  ctx.reply.bulk("engines");
  ctx.reply.map(1);
  ctx.reply.bulk("LUA");
  ctx.reply.map(2);
  ctx.reply.bulk("libraries_count");
  ctx.reply.integer(static_cast<std::int64_t>(set.size()));
  ctx.reply.bulk("functions_count");
  ctx.reply.integer(static_cast<std::int64_t>(functions));
}

void function_kill(CommandContext& ctx) { reply_kill(ctx, false); }

void function_help(CommandContext& ctx) {
  reply_help(
      ctx, "function",
      {"LOAD [REPLACE] <FUNCTION CODE>", "    Create a new library with the given library name and code.",
       "DELETE <LIBRARY NAME>", "    Delete the given library.", "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
       "    Return general information on all the libraries:", "    * Library name",
       "    * The engine used to run the Library", "    * Library description", "    * Functions list",
       "    * Library code (if WITHCODE is given)",
       "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.", "STATS",
       "    Return information about the current function running:", "    * Function name",
       "    * Command used to run the function", "    * Duration in MS that the function is running",
       "    If no function is running, return nil", "    In addition, returns a list of available engines.",
       "KILL", "    Kill the current running function.", "FLUSH [ASYNC|SYNC]", "    Delete all the libraries.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the libraries.", "    * SYNC: Synchronously flush the libraries.", "DUMP",
       "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
       "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
       "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
       "    control how to handle existing libraries (default APPEND):", "    * FLUSH: delete all existing libraries.",
       "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
       "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
       "      libraries with the new libraries (notice that even on this option there is a chance of failure",
       "      in case of functions name collision with another library).",
       "HELP", "    Prints this help."});
}

constexpr Subcommand kFunctionSubcommands[] = {
    {"load", -3, function_load},    {"delete", 3, function_delete}, {"flush", -2, function_flush},
    {"list", -2, function_list},    {"dump", 2, function_dump},     {"restore", -3, function_restore},
    {"stats", 2, function_stats},   {"kill", 2, function_kill},     {"help", 2, function_help},
};

void function_command(CommandContext& ctx) { dispatch_subcommand(ctx, "function", kFunctionSubcommands); }

constexpr std::uint32_t kScriptRun = kMultiShard | kNoScript | kScript | kStale;

const CommandSpec kScriptCommands[] = {
    CommandSpec{"eval", -3, kScriptRun, 0, 0, 0, eval_command, Fanout::kNone, nullptr, "@slow @scripting", script_keys, nullptr, script_shards},
    CommandSpec{"evalsha", -3, kScriptRun, 0, 0, 0, evalsha_command, Fanout::kNone, nullptr, "@slow @scripting", script_keys, nullptr, script_shards},
    CommandSpec{"eval_ro", -3, kScriptRun, 0, 0, 0, eval_ro_command, Fanout::kNone, nullptr, "@slow @scripting", script_keys, nullptr, script_shards},
    CommandSpec{"evalsha_ro", -3, kScriptRun, 0, 0, 0, evalsha_ro_command, Fanout::kNone, nullptr, "@slow @scripting", script_keys, nullptr, script_shards},
    CommandSpec{"fcall", -3, kScriptRun, 0, 0, 0, fcall_command, Fanout::kNone, nullptr, "@slow @scripting", script_keys, nullptr, script_shards},
    CommandSpec{"fcall_ro", -3, kScriptRun, 0, 0, 0, fcall_ro_command, Fanout::kNone, nullptr, "@slow @scripting", script_keys, nullptr, script_shards},
    CommandSpec{"script", -2, kNoScript, 0, 0, 0, script_command, Fanout::kNone, nullptr, "@slow @scripting"},
    CommandSpec{"function", -2, kNoScript, 0, 0, 0, function_command, Fanout::kNone, nullptr, "@slow @scripting"},
};

}  // namespace

std::span<const CommandSpec> script_commands() { return kScriptCommands; }

}  // namespace kora::server
