// Process-wide scripting state (scripting.h): the script cache, the function
// libraries, the running-script monitor, configuration, shebang flags, SHA-1.
#include <openssl/evp.h>

#include <algorithm>

#include "args.h"
#include "kora/core/clock.h"
#include "scripting.h"

namespace kora::server {

ScriptConfig& ScriptConfig::instance() {
  static ScriptConfig config;
  return config;
}

namespace {

struct FlagName {
  std::string_view name;
  std::uint32_t flag;
};
// Redis's order (scripts_flags_def).
constexpr FlagName kFlagNames[] = {
    {"no-writes", kScriptNoWrites},
    {"allow-oom", kScriptAllowOom},
    {"allow-stale", kScriptAllowStale},
    {"no-cluster", kScriptNoCluster},
    {"allow-cross-slot-keys", kScriptAllowCrossSlot},
};

}  // namespace

std::uint32_t script_flag_named(std::string_view name) {
  for (const auto& f : kFlagNames) {
    if (f.name == name) return f.flag;
  }
  return 0;
}

std::vector<std::string_view> script_flag_names(std::uint32_t flags) {
  std::vector<std::string_view> out;
  for (const auto& f : kFlagNames) {
    if (flags & f.flag) out.push_back(f.name);
  }
  return out;
}

std::optional<std::string> parse_shebang(std::string_view body, std::uint32_t& flags,
                                         std::size_t& shebang_len) {
  flags = kScriptEvalCompat;
  shebang_len = 0;
  if (body.substr(0, 2) != "#!") return std::nullopt;
  const std::size_t end = body.find('\n');
  if (end == std::string_view::npos) return std::string("Invalid script shebang");
  shebang_len = end;
  std::vector<std::string_view> parts = split_spaces(body.substr(0, end));
  if (parts.empty()) return std::string("Invalid engine in script shebang");
  if (parts[0] != "#!lua") return "Unexpected engine in script shebang: " + std::string(parts[0]);
  flags = 0;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].substr(0, 6) != "flags=") return "Unknown lua shebang option: " + std::string(parts[i]);
    std::string_view list = parts[i].substr(6);
    std::size_t at = 0;
    while (true) {
      const std::size_t comma = list.find(',', at);
      std::string_view name = list.substr(at, comma == std::string_view::npos ? list.npos : comma - at);
      // Redis's sdssplitlen yields no element for an empty list.
      if (!(name.empty() && list.empty())) {
        const std::uint32_t f = script_flag_named(name);
        if (!f) return "Unexpected flag in script shebang: " + std::string(name);
        flags |= f;
      }
      if (comma == std::string_view::npos) break;
      at = comma + 1;
    }
  }
  return std::nullopt;
}

std::string sha1_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * len, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

// ---------------------------------------------------------------- ScriptCache

ScriptCache& ScriptCache::instance() {
  static ScriptCache cache;
  return cache;
}

void ScriptCache::add(const std::string& sha, std::string_view body, std::uint32_t flags) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = scripts_.try_emplace(sha);
  if (!inserted) return;
  it->second.body.assign(body);
  it->second.flags = flags;
  memory_ += sha.size() + body.size() + 64;
}

std::optional<ScriptCache::Script> ScriptCache::find(const std::string& sha) const {
  std::lock_guard lock(mu_);
  auto it = scripts_.find(sha);
  if (it == scripts_.end()) return std::nullopt;
  return it->second;
}

bool ScriptCache::exists(const std::string& sha) const {
  std::lock_guard lock(mu_);
  return scripts_.count(sha) != 0;
}

void ScriptCache::flush() {
  std::lock_guard lock(mu_);
  scripts_.clear();
  memory_ = 0;
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::size_t ScriptCache::size() const {
  std::lock_guard lock(mu_);
  return scripts_.size();
}

std::size_t ScriptCache::memory() const {
  std::lock_guard lock(mu_);
  return memory_;
}

// ----------------------------------------------------------- FunctionRegistry

FunctionRegistry& FunctionRegistry::instance() {
  static FunctionRegistry registry;
  return registry;
}

std::map<std::string, FunctionRegistry::Library> FunctionRegistry::snapshot(std::uint64_t* version) const {
  std::lock_guard lock(mu_);
  if (version) *version = version_.load(std::memory_order_relaxed);
  return libraries_;
}

std::string lower_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::pair<FunctionRegistry::Function, std::string>> FunctionRegistry::find(
    std::string_view name) const {
  const std::string key = lower_name(name);
  std::lock_guard lock(mu_);
  auto it = function_library_.find(key);
  if (it == function_library_.end()) return std::nullopt;
  const Library& lib = libraries_.at(it->second);
  for (const Function& f : lib.functions) {
    if (lower_name(f.name) == key) return std::make_pair(f, lib.name);
  }
  return std::nullopt;
}

void FunctionRegistry::replace(std::map<std::string, Library> libraries) {
  std::lock_guard lock(mu_);
  libraries_ = std::move(libraries);
  function_library_.clear();
  for (const auto& [name, lib] : libraries_) {
    for (const Function& f : lib.functions) function_library_[lower_name(f.name)] = name;
  }
  version_.fetch_add(1, std::memory_order_acq_rel);
}

// -------------------------------------------------------------- ScriptMonitor

ScriptMonitor& ScriptMonitor::instance() {
  static ScriptMonitor monitor;
  return monitor;
}

std::shared_ptr<ScriptMonitor::Running> ScriptMonitor::begin(bool eval) {
  auto run = std::make_shared<Running>();
  run->eval = eval;
  run->start_ms = core::now_ms();
  std::lock_guard lock(mu_);
  running_.push_back(run);
  return run;
}

void ScriptMonitor::end(const std::shared_ptr<Running>& run) {
  std::lock_guard lock(mu_);
  running_.erase(std::remove(running_.begin(), running_.end(), run), running_.end());
  if (run->busy.load(std::memory_order_relaxed)) busy_count_.fetch_sub(1, std::memory_order_relaxed);
}

void ScriptMonitor::check_busy(Running& run, std::int64_t now_ms) {
  if (run.busy.load(std::memory_order_relaxed)) return;
  const std::int64_t threshold = ScriptConfig::instance().busy_reply_threshold.load(std::memory_order_relaxed);
  if (threshold <= 0 || now_ms - run.start_ms < threshold) return;
  std::lock_guard lock(mu_);
  run.busy.store(true, std::memory_order_relaxed);
  busy_count_.fetch_add(1, std::memory_order_relaxed);
}

core::Errc ScriptMonitor::busy_error() const {
  std::lock_guard lock(mu_);
  for (const auto& r : running_) {
    if (r->busy.load(std::memory_order_relaxed)) return r->eval ? core::Errc::kBusyEval : core::Errc::kBusyFunction;
  }
  return core::Errc::kBusyEval;
}

std::optional<core::Errc> ScriptMonitor::kill(bool eval) {
  std::lock_guard lock(mu_);
  // The busy script first, else any running one.
  std::shared_ptr<Running> target;
  for (const auto& r : running_) {
    if (!target || (r->busy.load(std::memory_order_relaxed) && !target->busy.load(std::memory_order_relaxed))) target = r;
  }
  if (!target) return core::Errc::kNotBusy;
  if (target->wrote.load(std::memory_order_relaxed)) return core::Errc::kUnkillable;
  if (eval && !target->eval) return core::Errc::kBusyFunction;
  if (!eval && target->eval) return core::Errc::kBusyEval;
  target->kill.store(true, std::memory_order_relaxed);
  return std::nullopt;
}

void ScriptMonitor::kill_all() {
  std::lock_guard lock(mu_);
  for (const auto& r : running_) r->kill.store(true, std::memory_order_relaxed);
}

bool allowed_while_busy(std::span<const std::string_view> argv) {
  if (argv.empty()) return false;
  const std::string_view name = argv[0];
  if (iequals(name, "auth") || iequals(name, "hello")) return true;
  if (argv.size() >= 2 && iequals(name, "script") && iequals(argv[1], "kill")) return true;
  if (argv.size() >= 2 && iequals(name, "function") && (iequals(argv[1], "kill") || iequals(argv[1], "stats"))) {
    return true;
  }
  if (iequals(name, "shutdown")) {
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (iequals(argv[i], "nosave")) return true;
    }
  }
  return false;
}

}  // namespace kora::server
