// The dispatch gate (acl_gate.h).
#include "acl_gate.h"

#include "acl.h"
#include "kora/core/errors.h"

namespace kora::server {
namespace {

// The client's user, re-read when the registry changed. False: it was deleted.
bool refresh(AclClient& acl) {
  if (acl.revoked.load(std::memory_order_acquire)) return false;
  AclRegistry& registry = AclRegistry::instance();
  const std::uint64_t version = registry.version();
  if (version == acl.version) return true;
  auto user = registry.find(acl.username);
  if (!user || user->incarnation != acl.incarnation) return false;
  acl.user = std::move(user);
  acl.version = version;
  return true;
}

void log_denial(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> argv,
                const AclVerdict& v, bool multi) {
  AclLogEntry e;
  e.reason = v.result;
  e.multi = multi;
  const auto& cmds = AclCommands::instance();
  const std::string fullname = v.command >= 0 ? cmds.at(v.command).fullname : std::string(spec.name);
  e.object = v.result == AclResult::kDeniedCmd ? fullname : std::string(argv[v.argpos]);
  e.username = client.acl->username;
  e.client_info = acl_client_info(client, fullname);
  AclLog::instance().add(std::move(e));
}

}  // namespace

bool acl_auth_required(const ClientState& client) {
  return client.acl && !client.acl->authenticated && !AclRegistry::instance().default_open();
}

GateVerdict acl_gate(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> argv,
                     bool in_multi, std::string& error) {
  if (!client.acl) return GateVerdict::kRun;
  AclClient& acl = *client.acl;
  if (!refresh(acl)) return GateVerdict::kClose;
  const auto& cmds = AclCommands::instance();
  if (acl_auth_required(client) && !cmds.at(static_cast<int>(spec.id)).no_auth) {
    error = core::error_message(core::Errc::kNoAuth);
    return GateVerdict::kReject;
  }
  if (acl.user->unrestricted()) return GateVerdict::kRun;
  const AclVerdict v = acl_check_command(*acl.user, spec, argv);
  if (v.result == AclResult::kOk) return GateVerdict::kRun;
  log_denial(client, spec, argv, v, in_multi);
  switch (v.result) {
    case AclResult::kDeniedKey:
      error = core::error_message(core::Errc::kNoPermKey);
      break;
    case AclResult::kDeniedChannel:
      error = core::error_message(core::Errc::kNoPermChannel);
      break;
    default:
      error = core::error_message(core::Errc::kNoPermCommand, cmds.at(v.command).fullname);
      break;
  }
  return GateVerdict::kReject;
}

bool acl_exec_recheck(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> argv,
                      std::string& error) {
  if (!client.acl) return true;
  if (!refresh(*client.acl)) {
    error = core::error_message(core::Errc::kNoPermExec, "no permission");
    return false;
  }
  if (client.acl->user->unrestricted()) return true;
  const AclVerdict v = acl_check_command(*client.acl->user, spec, argv);
  if (v.result == AclResult::kOk) return true;
  log_denial(client, spec, argv, v, /*multi=*/true);
  const char* reason = v.result == AclResult::kDeniedKey       ? "no permission to touch the specified keys"
                       : v.result == AclResult::kDeniedChannel ? "no permission to access one of the channels used as arguments"
                                                                : "no permission to execute the command or subcommand";
  error = core::error_message(core::Errc::kNoPermExec, reason);
  return false;
}

}  // namespace kora::server
