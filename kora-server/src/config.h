#pragma once
// Configuration parameters whose value is not a plain integer (strings, flag
// sets, lists: requirepass, notify-keyspace-events, client-output-buffer-limit…).
// Each is a row of CONFIG's table (config_commands.cc) with Kind::kCustom and a
// CustomConfig from the file that owns the setting. CONFIG SET checks every
// parameter of the call first and applies them only when all are valid, so
// `check` must not change anything and `apply` must not fail.
//
// Thread-safety: get/check/apply run on whichever worker runs CONFIG, while
// other workers read the setting: the owner keeps it thread-safe (an atomic, or
// a mutex around a string).

#include <optional>
#include <string>
#include <string_view>

namespace kora::server {

struct CustomConfig {
  std::string (*get)();  // the value as CONFIG GET prints it
  // nullopt when `text` is a valid value, else the reason in Redis's words
  // (CONFIG SET replies "ERR CONFIG SET failed (possibly related to argument
  // '<name>') - <reason>").
  std::optional<std::string> (*check)(std::string_view text);
  void (*apply)(std::string_view text);  // precondition: check(text) succeeded
};

}  // namespace kora::server

namespace kora::server {
// The custom parameters, each defined by the file that owns the setting (one
// line per parameter, referenced by its row in config_commands.cc).
extern const CustomConfig kRequirepassConfig;       // acl_config.cc
extern const CustomConfig kAclfileConfig;           // acl_config.cc (immutable)
extern const CustomConfig kAclPubsubDefaultConfig;  // acl_config.cc
}  // namespace kora::server

namespace kora::server {
// notify-keyspace-events and client-output-buffer-limit (pubsub_config.cc).
extern const CustomConfig kNotifyKeyspaceEventsConfig;
extern const CustomConfig kClientOutputBufferLimitConfig;
}  // namespace kora::server

namespace kora::server {
// Transports (listen_config.cc): immutable facts of how the server listens,
// and tls-auth-clients, which applies to connections accepted afterwards.
extern const CustomConfig kUnixSocketConfig;
extern const CustomConfig kUnixSocketPermConfig;
extern const CustomConfig kTlsPortConfig;
extern const CustomConfig kTlsCertFileConfig;
extern const CustomConfig kTlsKeyFileConfig;
extern const CustomConfig kTlsCaCertFileConfig;
extern const CustomConfig kTlsAuthClientsConfig;
extern const CustomConfig kTlsProtocolsConfig;
extern const CustomConfig kTlsCiphersConfig;
extern const CustomConfig kTlsCiphersuitesConfig;
extern const CustomConfig kTlsPreferServerCiphersConfig;
}  // namespace kora::server

namespace kora::server {
// Process settings (process_config.cc): hz, loglevel, logfile.
extern const CustomConfig kHzConfig;
extern const CustomConfig kLogLevelConfig;
extern const CustomConfig kLogFileConfig;
}  // namespace kora::server

namespace kora::server {
// Snapshots (persistence_commands.cc): dir, dbfilename, save.
extern const CustomConfig kDirConfig;
extern const CustomConfig kDbfilenameConfig;
extern const CustomConfig kSaveConfig;
// maxmemory-policy (maxmemory_config.cc).
extern const CustomConfig kMaxmemoryPolicyConfig;
}  // namespace kora::server
