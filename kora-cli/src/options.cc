#include "options.h"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "kora/core/log.h"
#include "kora/server/config_settings.h"

namespace kora::cli {
namespace {

// A setting in the file and on the command line: its TOML key, its flag, and
// how a value (text from a flag, a TOML node from the file) is applied. Errors
// are returned as text; the caller adds where the value came from.
struct Setting {
  std::string key;   // TOML key
  std::string flag;  // "--port"
  std::string help;
  enum class Type { kString, kInteger, kStrings } type;
  long long min = 0, max = 0;  // kInteger
  std::function<std::optional<std::string>(const std::string&, Options&)> apply;
};

std::optional<std::string> one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return std::nullopt;
    if (!list.empty()) list += ", ";
    list += a;
  }
  return "must be one of " + list;
}

std::vector<Setting> settings() {
  using T = Setting::Type;
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  return {
      {"bind", "--bind", "address to bind (default 127.0.0.1)", T::kString, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.bind = v;
         return std::nullopt;
       }},
      {"port", "--port", "TCP port (default 6379; 0 = any free port)", T::kInteger, 0, 65535,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.port = static_cast<std::uint16_t>(std::stoi(v));
         return std::nullopt;
       }},
      {"workers", "--workers", "worker threads, one shard each (default: hardware threads, " + std::to_string(hw) + " here)",
       T::kInteger, 1, 1024,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.engine.shard_count = static_cast<std::size_t>(std::stoi(v));
         return std::nullopt;
       }},
      {"log_level", "--log-level", "debug, verbose, notice (default), warning or nothing", T::kString, 0, 0,
       [](const std::string& v, Options&) -> std::optional<std::string> {
         core::LogLevel level;
         if (!core::parse_log_level(v, level)) return "must be one of debug, verbose, notice, warning, nothing";
         core::set_log_level(level);
         return std::nullopt;
       }},
      {"logfile", "--logfile", "append the log to this file (default: standard output)", T::kString, 0, 0,
       [](const std::string& v, Options&) -> std::optional<std::string> {
         if (!core::set_log_file(v)) return "can't open '" + v + "': " + std::strerror(errno);
         return std::nullopt;
       }},
      {"password", "--password", "require AUTH with this password (requirepass)", T::kString, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.password = v;
         return std::nullopt;
       }},
      {"aclfile", "--aclfile", "ACL users file, loaded at start (ACL LOAD / ACL SAVE use it)", T::kString, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.aclfile = v;
         return std::nullopt;
       }},
      {"users", "--user", "an ACL user, \"name rule...\" as Redis's `user` directive (repeatable)", T::kStrings, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.users.push_back(v);
         return std::nullopt;
       }},
      {"unix_socket", "--unix-socket", "also listen on this Unix stream socket", T::kString, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.unix_socket = v;
         return std::nullopt;
       }},
      {"unixsocketperm", "--unixsocketperm", "the Unix socket's permissions, octal (e.g. 700)", T::kString, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         char* end = nullptr;
         const unsigned long mode = std::strtoul(v.c_str(), &end, 8);
         if (v.empty() || *end != '\0' || mode > 0777) return "must be an octal mode such as 700";
         o.server.unix_socket_perm = static_cast<unsigned>(mode);
         return std::nullopt;
       }},
      {"tls_port", "--tls-port", "also serve TLS on this port", T::kInteger, 1, 65535,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.tls_port = static_cast<std::uint16_t>(std::stoi(v));
         return std::nullopt;
       }},
      {"tls_cert_file", "--tls-cert-file", "the server certificate (PEM)", T::kString, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.tls_cert_file = v;
         return std::nullopt;
       }},
      {"tls_key_file", "--tls-key-file", "its private key (PEM)", T::kString, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.tls_key_file = v;
         return std::nullopt;
       }},
      {"tls_ca_cert_file", "--tls-ca-cert-file", "CA certificates that sign client certificates", T::kString, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         o.server.tls_ca_cert_file = v;
         return std::nullopt;
       }},
      {"tls_auth_clients", "--tls-auth-clients", "yes (default), optional or no: client certificates", T::kString, 0, 0,
       [](const std::string& v, Options& o) -> std::optional<std::string> {
         if (auto why = one_of(v, {"yes", "no", "optional"})) return why;
         o.server.tls_auth_clients = v;
         return std::nullopt;
       }},
      {"data_dir", "--data-dir", "where snapshots live: CONFIG dir (dump.rdb there is loaded at start)", T::kString,
       0, 0, [](const std::string& v, Options&) { return server::set_config_parameter("dir", v); }},
      {"notify_keyspace_events", "--notify-keyspace-events", "keyspace notifications, Redis's letters (e.g. KEA)",
       T::kString, 0, 0,
       [](const std::string& v, Options&) { return server::set_config_parameter("notify-keyspace-events", v); }},
      {"client_output_buffer_limit", "--client-output-buffer-limit",
       "output-buffer limits, \"CLASS HARD SOFT SECONDS ...\" (default \"pubsub 32mb 8mb 60\")", T::kString, 0, 0,
       [](const std::string& v, Options&) { return server::set_config_parameter("client-output-buffer-limit", v); }},
  };
}

std::optional<std::string> check_integer(const Setting& s, const std::string& v) {
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    if (n < s.min || n > s.max) {
      return "must be between " + std::to_string(s.min) + " and " + std::to_string(s.max);
    }
  } catch (const std::exception&) {
    return "must be an integer";
  }
  return std::nullopt;
}

// A TOML value as the text a flag would carry ("" for a non-scalar).
std::optional<std::string> scalar_text(const toml::node& n) {
  if (auto s = n.value<std::string>()) return *s;
  if (n.is_integer()) return std::to_string(*n.value<long long>());
  if (n.is_boolean()) return *n.value<bool>() ? std::string("yes") : std::string("no");
  if (n.is_floating_point()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", *n.value<double>());
    return std::string(buf);
  }
  return std::nullopt;
}

std::string where(const std::string& file, const toml::node& n) {
  return file + ":" + std::to_string(n.source().begin.line);
}

// Reads the TOML file into `out`; an error names the file, line and key.
std::optional<std::string> read_file(const std::string& path, const std::vector<Setting>& all, Options& out) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
  }
  for (auto&& [key, node] : root) {
    const std::string name(key.str());
    if (name == "config") {
      const toml::table* table = node.as_table();
      if (!table) return where(path, node) + ": 'config' must be a table of CONFIG parameters";
      for (auto&& [pkey, pnode] : *table) {
        const std::string pname(pkey.str());
        auto text = scalar_text(pnode);
        if (!text) return where(path, pnode) + ": config '" + pname + "' must be a string, number or boolean";
        if (!server::is_config_parameter(pname)) {
          return where(path, pnode) + ": unknown CONFIG parameter '" + pname + "'";
        }
        if (auto why = server::set_config_parameter(pname, *text)) {
          return where(path, pnode) + ": config '" + pname + "' " + *why;
        }
      }
      continue;
    }
    auto it = std::find_if(all.begin(), all.end(), [&](const Setting& s) { return s.key == name; });
    if (it == all.end()) return where(path, node) + ": unknown key '" + name + "'";
    const Setting& s = *it;
    auto apply_one = [&](const toml::node& n) -> std::optional<std::string> {
      std::optional<std::string> text;
      if (s.type == Setting::Type::kInteger) {
        if (!n.is_integer()) return where(path, n) + ": '" + name + "' must be an integer";
        text = std::to_string(*n.value<long long>());
        if (auto why = check_integer(s, *text)) return where(path, n) + ": '" + name + "' " + *why;
      } else {
        if (!n.is_string() && !(name == "unixsocketperm" && n.is_integer())) {
          return where(path, n) + ": '" + name + "' must be a string";
        }
        text = scalar_text(n);
      }
      if (auto why = s.apply(*text, out)) return where(path, n) + ": '" + name + "' " + *why;
      return std::nullopt;
    };
    if (s.type == Setting::Type::kStrings) {
      const toml::array* arr = node.as_array();
      if (!arr) return where(path, node) + ": '" + name + "' must be an array of strings";
      for (auto&& item : *arr) {
        if (!item.is_string()) return where(path, item) + ": '" + name + "' must be an array of strings";
        if (auto why = s.apply(*item.value<std::string>(), out)) return where(path, item) + ": " + *why;
      }
      continue;
    }
    if (auto why = apply_one(node)) return why;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> parse_options(int argc, char** argv, Options& out) {
  const std::vector<Setting> all = settings();
  CLI::App app{"Serve the Redis protocol (RESP2, RESP3 via HELLO 3) from a sharded, multi-threaded engine.",
               "kora-cli"};
  app.allow_extras();  // --<CONFIG parameter> value, as redis-server takes them
  std::string config_path;
  app.add_option("--config", config_path, "read settings from this TOML file (default: ./kora.toml if present)");
  std::vector<std::vector<std::string>> values(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::string names = all[i].flag;
    if (all[i].flag == "--password") names += ",--requirepass";
    if (all[i].flag == "--unix-socket") names += ",--unixsocket";
    if (all[i].flag == "--log-level") names += ",--loglevel";
    auto* opt = app.add_option(names, values[i], all[i].help);
    if (all[i].type != Setting::Type::kStrings) opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::fputs(app.help().c_str(), stdout);
    std::fputs("\nAny other --<parameter> <value> sets a CONFIG parameter (e.g. --hz 100).\n", stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kora-cli: %s\n", e.what());
    return 2;
  }
  // The file first: flags override it.
  if (config_path.empty() && std::filesystem::exists("kora.toml")) config_path = "kora.toml";
  if (!config_path.empty()) {
    if (!std::filesystem::exists(config_path)) {
      std::fprintf(stderr, "kora-cli: config file '%s' not found\n", config_path.c_str());
      return 2;
    }
    if (auto why = read_file(config_path, all, out)) {
      std::fprintf(stderr, "kora-cli: %s\n", why->c_str());
      return 2;
    }
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(config_path, ec);
    out.config_file = ec ? config_path : absolute.string();
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].type == Setting::Type::kStrings && !values[i].empty()) {
      // Flags replace the file's list rather than adding to it.
      if (all[i].key == "users") out.server.users.clear();
    }
    for (const std::string& v : values[i]) {
      if (all[i].type == Setting::Type::kInteger) {
        if (auto why = check_integer(all[i], v)) {
          std::fprintf(stderr, "kora-cli: invalid %s '%s': %s\n", all[i].flag.c_str(), v.c_str(), why->c_str());
          return 2;
        }
      }
      if (auto why = all[i].apply(v, out)) {
        std::fprintf(stderr, "kora-cli: invalid %s '%s': %s\n", all[i].flag.c_str(), v.c_str(), why->c_str());
        return 2;
      }
    }
  }
  // Remaining "--name value" pairs: CONFIG parameters.
  const std::vector<std::string> extras = app.remaining();
  for (std::size_t i = 0; i < extras.size(); ++i) {
    const std::string& flag = extras[i];
    if (flag.rfind("--", 0) != 0 || flag.size() < 3) {
      std::fprintf(stderr, "kora-cli: unexpected argument '%s'\n", flag.c_str());
      return 2;
    }
    const std::string name = flag.substr(2);
    if (!server::is_config_parameter(name)) {
      std::fprintf(stderr, "kora-cli: unknown option '%s'\n", flag.c_str());
      return 2;
    }
    if (i + 1 >= extras.size()) {
      std::fprintf(stderr, "kora-cli: %s needs a value\n", flag.c_str());
      return 2;
    }
    out.config.emplace_back(name, extras[++i]);
  }
  return std::nullopt;
}

}  // namespace kora::cli
