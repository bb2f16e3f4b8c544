// The dispatch gate (acl_gate.h).
#include "acl_gate.h"

#include "acl.h"
#include "args.h"
#include "client_commands.h"
#include "kora/server/call.h"
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

// Keeps the user in the client's shared identity (redis.call in a script checks
// against it, possibly on another worker) in step with its ACL user.
void sync_identity(ClientState& client) {
  const AclUser* want = client.acl->user->unrestricted() ? nullptr : client.acl->user.get();
  if (client.identity && client.identity->acl_user.get() == want &&
      client.identity->username == client.acl->username) {
    return;
  }
  refresh_identity(client);
}

// The ACL LOG entry of a denial: reason, context, object (the command's full
// name, or the refused key or channel). The caller adds who.
AclLogEntry denial_entry(const CommandSpec& spec, std::span<const std::string_view> argv, const AclVerdict& v,
                         std::string_view context, std::string& fullname) {
  AclLogEntry e;
  e.reason = v.result;
  e.context = context;
  fullname = v.command >= 0 ? AclCommands::instance().at(v.command).fullname : std::string(spec.name);
  e.object = v.result == AclResult::kDeniedCmd ? fullname : std::string(argv[v.argpos]);
  return e;
}

void log_denial(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> argv,
                const AclVerdict& v, bool multi) {
  std::string fullname;
  AclLogEntry e = denial_entry(spec, argv, v, multi ? "multi" : "toplevel", fullname);
  e.username = client.acl->username;
  e.client_info = acl_client_info(client, fullname);
  AclLog::instance().add(std::move(e));
}

// SORT's BY (with a '*') and GET patterns read keys argv does not name: they
// need a user that may read every key. Scans the options as SORT parses them
// and stops where SORT would report a syntax error (its handler does).
bool sort_patterns_denied(const AclUser& user, const CommandSpec& spec,
                          std::span<const std::string_view> argv, std::string& error) {
  const bool readonly = spec.name == "sort_ro";
  for (std::size_t j = 2; j < argv.size(); ++j) {
    const std::size_t left = argv.size() - j - 1;
    std::string_view a = argv[j];
    if (iequals(a, "asc") || iequals(a, "desc") || iequals(a, "alpha")) continue;
    if (iequals(a, "limit") && left >= 2) {
      if (!to_int(argv[j + 1]) || !to_int(argv[j + 2])) return false;
      j += 2;
    } else if (!readonly && iequals(a, "store") && left >= 1) {
      ++j;
    } else if (iequals(a, "by") && left >= 1) {
      if (argv[j + 1].find('*') != std::string_view::npos && !acl_full_read_access(user, spec, argv)) {
        error = core::error_message(core::Errc::kSortByAcl);
        return true;
      }
      ++j;
    } else if (iequals(a, "get") && left >= 1) {
      if (!acl_full_read_access(user, spec, argv)) {
        error = core::error_message(core::Errc::kSortGetAcl);
        return true;
      }
      ++j;
    } else {
      return false;
    }
  }
  return false;
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
  sync_identity(client);
  if (acl.user->unrestricted()) return GateVerdict::kRun;
  const AclVerdict v = acl_check_command(*acl.user, spec, argv);
  if (v.result == AclResult::kOk) {
    if ((spec.name == "sort" || spec.name == "sort_ro") && sort_patterns_denied(*acl.user, spec, argv, error)) {
      return GateVerdict::kReject;
    }
    return GateVerdict::kRun;
  }
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

bool acl_script_allows(const ClientIdentity* who, const CommandSpec& spec, std::span<const std::string_view> argv) {
  if (!who || !who->acl_user) return true;
  return acl_check_command(*who->acl_user, spec, argv).result == AclResult::kOk;
}

bool acl_script_check(const ClientIdentity* who, const CommandSpec& spec, std::span<const std::string_view> argv,
                      int db, int resp, std::string_view caller_cmd, std::string& error) {
  if (!who || !who->acl_user) return true;
  const AclVerdict v = acl_check_command(*who->acl_user, spec, argv);
  if (v.result == AclResult::kOk) return true;
  std::string fullname;
  AclLogEntry e = denial_entry(spec, argv, v, "lua", fullname);
  e.username = who->username;
  std::string cmd(caller_cmd);
  for (char& c : cmd) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  e.client_info = acl_client_info(*who, db, resp, cmd);
  AclLog::instance().add(std::move(e));
  // Redis's getAclErrorMessage.
  const char* reason = v.result == AclResult::kDeniedKey
                           ? "can't access at least one of the keys mentioned in the command arguments"
                       : v.result == AclResult::kDeniedChannel ? "can't publish to the channel mentioned in the command"
                                                                : "can't run this command or subcommand";
  error = core::error_message(core::Errc::kScriptAclDenied, reason);
  return false;
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
