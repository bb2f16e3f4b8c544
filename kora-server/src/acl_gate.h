#pragma once
// The dispatch gate: authentication and ACL checks every front end runs on a
// looked-up command before it is planned, queued (MULTI) or sent to any shard.
// Runs on the connection's worker; reads the user snapshot without a lock.

#include <span>
#include <string>
#include <string_view>

#include "kora/server/command.h"

namespace kora::server {

enum class GateVerdict : unsigned char {
  kRun,     // the command may run
  kReject,  // `error` holds the reply (NOAUTH, NOPERM); logged in ACL LOG
  kClose,   // the client's user was deleted (ACL DELUSER / LOAD): close now
};

// Whether `client` may run argv now. A client without ACL state (in-process)
// always may. Refreshes the client's user when the registry changed, so new
// rules apply to connected clients. NOAUTH before authentication, except for
// the commands Redis runs unauthenticated (AUTH, HELLO, QUIT, RESET); then the
// command, key and channel permissions (acl_check_command). `in_multi` picks the
// log context ("multi" / "toplevel"). O(keys × patterns); O(1) for a user with
// every permission.
GateVerdict acl_gate(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> argv,
                     bool in_multi, std::string& error);

// EXEC's second check of each queued command (the rules may have changed since
// it was queued): false with Redis's "-NOPERM ACLs rules changed..." in `error`.
bool acl_exec_recheck(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> argv,
                      std::string& error);

// redis.call's ACL check in a script (Redis's scriptVerifyACL): `who`'s user
// (the script's caller) against argv. A denial is logged with context "lua"
// (client info: the caller, `db`, `resp`, `caller_cmd`) and `error` gets
// Redis's "ERR The user executing the script ..." text. A null `who` or a
// user with every permission always may.
bool acl_script_check(const ClientIdentity* who, const CommandSpec& spec, std::span<const std::string_view> argv,
                      int db, int resp, std::string_view caller_cmd, std::string& error);

// redis.acl_check_cmd: whether `who`'s user may run argv (nothing logged).
bool acl_script_allows(const ClientIdentity* who, const CommandSpec& spec, std::span<const std::string_view> argv);

// Whether `client` must still authenticate (frames are then size-limited).
bool acl_auth_required(const ClientState& client);

}  // namespace kora::server
