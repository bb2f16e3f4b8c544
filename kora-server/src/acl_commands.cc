// AUTH and ACL (SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, GENPASS,
// LOG, DRYRUN, LOAD, SAVE, HELP), with Redis 7.0's replies and errors. The
// model and the checks live in acl.h; these handlers parse, call, reply.
#include <openssl/rand.h>

#include <array>
#include <string>
#include <vector>

#include "acl.h"
#include "args.h"
#include "kora/core/clock.h"
#include "kora/server/command.h"
#include "kora/server/dispatch.h"

namespace kora::server {
namespace {

using core::Errc;

// AUTH [username] password
void auth_command(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return ctx.error(Errc::kSyntax);
  if (!ctx.client || !ctx.client->acl) return ctx.reply.ok();  // in-process: no users
  std::string_view user = "default";
  std::string_view pass = ctx.argv[1];
  if (ctx.argv.size() == 2) {
    auto def = AclRegistry::instance().find("default");
    if (def && def->nopass) return ctx.error(Errc::kAuthNoPassword);
  } else {
    user = ctx.argv[1];
    pass = ctx.argv[2];
  }
  if (acl_authenticate(*ctx.client, user, pass, /*in_multi=*/false)) return ctx.reply.ok();
  ctx.error(Errc::kWrongPass);
}

void reply_selector(protocol::ReplyWriter& w, const AclSelector& s) {
  w.bulk("commands");
  w.bulk(s.describe_commands());
  w.bulk("keys");
  w.bulk(s.describe_keys());
  w.bulk("channels");
  w.bulk(s.describe_channels());
}

void acl_setuser(CommandContext& ctx) {
  std::string_view name = ctx.argv[2];
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '\0') return ctx.error(Errc::kAclBadUsername);
  }
  std::vector<std::string_view> rules(ctx.argv.begin() + 3, ctx.argv.end());
  if (auto err = AclRegistry::instance().set_user(name, rules)) {
    return ctx.reply.error(core::error_message(Errc::kAclError, *err));
  }
  ctx.reply.ok();
}

void acl_getuser(CommandContext& ctx) {
  auto u = AclRegistry::instance().find(ctx.argv[2]);
  if (!u) return ctx.reply.null();
  protocol::ReplyWriter& w = ctx.reply;
  w.map(6);
  w.bulk("flags");
  std::vector<std::string_view> flags;
  flags.push_back(u->enabled ? "on" : "off");
  if (u->nopass) flags.push_back("nopass");
  if (u->skip_sanitize) flags.push_back("skip-sanitize-payload");
  if (u->sanitize) flags.push_back("sanitize-payload");
  w.set(flags.size());
  for (auto f : flags) w.bulk(f);
  w.bulk("passwords");
  w.array(u->passwords.size());
  for (const auto& p : u->passwords) w.bulk(p);
  reply_selector(w, u->selectors[0]);
  w.bulk("selectors");
  w.array(u->selectors.size() - 1);
  for (std::size_t i = 1; i < u->selectors.size(); ++i) {
    w.map(3);
    reply_selector(w, u->selectors[i]);
  }
}

void acl_deluser(CommandContext& ctx) {
  std::vector<std::string_view> names(ctx.argv.begin() + 2, ctx.argv.end());
  for (auto n : names) {
    if (n == "default") return ctx.error(Errc::kAclDeleteDefault);
  }
  const int deleted = AclRegistry::instance().del_users(names);
  // This client's own user gone: the reply goes out, then the connection closes.
  if (ctx.client && ctx.client->acl && ctx.client->acl->revoked.load()) ctx.client->close_after_reply = true;
  ctx.reply.integer(deleted);
}

void acl_list(CommandContext& ctx) {
  auto users = AclRegistry::instance().users();
  ctx.reply.array(users->size());
  for (const auto& [name, u] : *users) ctx.reply.bulk("user " + name + " " + u->describe());
}

void acl_users(CommandContext& ctx) {
  auto users = AclRegistry::instance().users();
  ctx.reply.array(users->size());
  for (const auto& [name, u] : *users) ctx.reply.bulk(name);
}

void acl_whoami(CommandContext& ctx) {
  if (ctx.client && ctx.client->acl) return ctx.reply.bulk(ctx.client->acl->username);
  ctx.reply.bulk("default");
}

void acl_cat(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return reply_subcommand_syntax(ctx, "acl");
  if (ctx.argv.size() == 2) {
    ctx.reply.array(kAclCategoryNames.size());
    for (auto c : kAclCategoryNames) ctx.reply.bulk(c);
    return;
  }
  const std::uint32_t flag = acl_category_flag(ctx.argv[2]);
  if (!flag) return ctx.reply.error(core::error_message(Errc::kAclUnknownCategory, ctx.argv[2]));
  const auto& cmds = AclCommands::instance();
  std::vector<const std::string*> names;
  for (std::size_t id = 0; id < cmds.size(); ++id) {
    const auto& e = cmds.at(static_cast<int>(id));
    if (e.categories & flag) names.push_back(&e.fullname);
  }
  ctx.reply.array(names.size());
  for (const std::string* n : names) ctx.reply.bulk(*n);
}

void acl_genpass(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return reply_subcommand_syntax(ctx, "acl");
  std::int64_t bits = 256;
  if (ctx.argv.size() == 3) {
    auto v = to_int(ctx.argv[2]);
    if (!v) return ctx.error(Errc::kNotInteger);
    bits = *v;
  }
  if (bits <= 0 || bits > 4096) return ctx.error(Errc::kAclGenpassBits);
  const auto chars = static_cast<std::size_t>((bits + 3) / 4);
  std::vector<unsigned char> random((chars + 1) / 2);
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return ctx.reply.error(core::error_message(Errc::kAclError, "Failed to generate random bytes"));
  }
  static const char* hex = "0123456789abcdef";
  std::string pass;
  for (unsigned char b : random) {
    pass += hex[b >> 4];
    pass += hex[b & 15];
  }
  pass.resize(chars);
  ctx.reply.bulk(pass);
}

void acl_log(CommandContext& ctx) {
  if (ctx.argv.size() > 3) return reply_subcommand_syntax(ctx, "acl");
  std::int64_t count = 10;
  if (ctx.argv.size() == 3) {
    if (iequals(ctx.argv[2], "reset")) {
      AclLog::instance().reset();
      return ctx.reply.ok();
    }
    auto v = to_int(ctx.argv[2]);
    if (!v) return ctx.error(Errc::kNotInteger);
    count = std::max<std::int64_t>(0, *v);
  }
  const auto entries = AclLog::instance().entries(static_cast<std::size_t>(count));
  const std::int64_t now = core::now_ms();
  ctx.reply.array(entries.size());
  for (const AclLogEntry& e : entries) {
    ctx.reply.map(7);
    ctx.reply.bulk("count");
    ctx.reply.integer(static_cast<std::int64_t>(e.count));
    ctx.reply.bulk("reason");
    ctx.reply.bulk(e.reason == AclResult::kDeniedCmd       ? "command"
                   : e.reason == AclResult::kDeniedKey     ? "key"
                   : e.reason == AclResult::kDeniedChannel ? "channel"
                                                           : "auth");
    ctx.reply.bulk("context");
    ctx.reply.bulk(e.context);
    ctx.reply.bulk("object");
    ctx.reply.bulk(e.object);
    ctx.reply.bulk("username");
    ctx.reply.bulk(e.username);
    ctx.reply.bulk("age-seconds");
    ctx.reply.dbl(static_cast<double>(now - e.ctime_ms) / 1000);
    ctx.reply.bulk("client-info");
    ctx.reply.bulk(e.client_info);
  }
}

// ACL DRYRUN username command [arg ...]
void acl_dryrun(CommandContext& ctx) {
  auto u = AclRegistry::instance().find(ctx.argv[2]);
  if (!u) return ctx.reply.error(core::error_message(Errc::kAclNoSuchUser, ctx.argv[2]));
  std::span<const std::string_view> argv = ctx.argv.subspan(3);
  const CommandSpec* spec = CommandTable::instance().find(argv[0]);
  if (!spec) return ctx.reply.error(core::error_message(Errc::kAclNoSuchCommand, argv[0]));
  const auto argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    return ctx.reply.error(core::error_message(Errc::kWrongArity, spec->name));
  }
  const AclVerdict v = acl_check_command(*u, *spec, argv);
  switch (v.result) {
    case AclResult::kOk:
      return ctx.reply.ok();
    case AclResult::kDeniedKey:
      return ctx.reply.bulk("This user has no permissions to access the '" + std::string(argv[v.argpos]) + "' key");
    case AclResult::kDeniedChannel:
      return ctx.reply.bulk("This user has no permissions to access the '" + std::string(argv[v.argpos]) +
                            "' channel");
    default:
      return ctx.reply.bulk("This user has no permissions to run the '" +
                            AclCommands::instance().at(v.command).fullname + "' command");
  }
}

void acl_load(CommandContext& ctx) {
  const std::string path = AclRegistry::instance().aclfile();
  if (path.empty()) return ctx.error(Errc::kAclNoFile);
  if (auto err = AclRegistry::instance().load_file(path)) {
    return ctx.reply.error(core::error_message(Errc::kAclError, *err));
  }
  if (ctx.client && ctx.client->acl && ctx.client->acl->revoked.load()) ctx.client->close_after_reply = true;
  ctx.reply.ok();
}

void acl_save(CommandContext& ctx) {
  const std::string path = AclRegistry::instance().aclfile();
  if (path.empty()) return ctx.error(Errc::kAclNoFile);
  if (!AclRegistry::instance().save_file(path)) return ctx.error(Errc::kAclSaveFailed);
  ctx.reply.ok();
}

void acl_help(CommandContext& ctx) {
  reply_help(ctx, "acl",
             {"CAT [<category>]",
              "    List all commands that belong to <category>, or all command categories",
              "    when no category is specified.",
              "DELUSER <username> [<username> ...]",
              "    Delete a list of users.",
              "DRYRUN <username> <command> [<arg> ...]",
              "    Returns whether the user can execute the given command without executing the command.",
              "GETUSER <username>",
              "    Get the user's details.",
              "GENPASS [<bits>]",
              "    Generate a secure 256-bit user password. The optional `bits` argument can",
              "    be used to specify a different size.",
              "LIST",
              "    Show users details in config file format.",
              "LOAD",
              "    Reload users from the ACL file.",
              "LOG [<count> | RESET]",
              "    Show the ACL log entries.",
              "SAVE",
              "    Save the current config to the ACL file.",
              "SETUSER <username> <attribute> [<attribute> ...]",
              "    Create or modify a user with the specified attributes.",
              "USERS",
              "    List all the registered usernames.",
              "WHOAMI",
              "    Return the current connection username.",
              "HELP",
              "    Print this help."});
}

const std::array kAclSubcommands = {
    Subcommand{"cat", -2, acl_cat},         Subcommand{"deluser", -3, acl_deluser},
    Subcommand{"dryrun", -4, acl_dryrun},   Subcommand{"genpass", -2, acl_genpass},
    Subcommand{"getuser", 3, acl_getuser},  Subcommand{"help", 2, acl_help},
    Subcommand{"list", 2, acl_list},        Subcommand{"load", 2, acl_load},
    Subcommand{"log", -2, acl_log},         Subcommand{"save", 2, acl_save},
    Subcommand{"setuser", -3, acl_setuser}, Subcommand{"users", 2, acl_users},
    Subcommand{"whoami", 2, acl_whoami},
};

void acl_command(CommandContext& ctx) { dispatch_subcommand(ctx, "acl", kAclSubcommands); }

const std::array kAclCommands = {
    CommandSpec{"auth", -2, kNoScript | kLoading | kStale | kFast | kConnection, 0, 0, 0, auth_command,
                Fanout::kNone, nullptr, "@fast @connection"},
    CommandSpec{"acl", -2, kConnection, 0, 0, 0, acl_command, Fanout::kNone, nullptr, "@slow"},
};

}  // namespace

std::span<const CommandSpec> acl_commands() { return kAclCommands; }

}  // namespace kora::server
