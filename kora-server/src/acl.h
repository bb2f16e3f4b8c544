#pragma once
// ACL users, as Redis 7.0 has them: users with flags, hashed passwords and
// selectors (command bitmaps with allowed first-args, key patterns with
// read/write flags, channel patterns); the rule parser of ACL SETUSER and the
// ACL file; their description (ACL LIST / GETUSER); and the permission checks
// the dispatch gate runs before a command reaches any shard (acl_gate.h).
//
// Thread-safety: an AclUser is immutable once published. AclRegistry holds a
// snapshot (name -> user) swapped atomically by its writers (ACL SETUSER,
// DELUSER, LOAD, requirepass), which a mutex serializes; readers on every
// worker load the snapshot (or a connection's cached shared_ptr) without a lock.

#include <array>
#include <atomic>
#include <bitset>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/server/command.h"

namespace kora::server {

// Redis 7.0's categories, in its order (ACL CAT, GETUSER's category fitting).
inline constexpr std::array<std::string_view, 21> kAclCategoryNames = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
    "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
    "transaction", "scripting"};
// The bit of category `name` (without '@', case-insensitive), 0 when unknown.
std::uint32_t acl_category_flag(std::string_view name);

// Key access a command needs on one key: Redis's key-spec flags folded to
// read (ACCESS) and write (INSERT / DELETE / UPDATE).
inline constexpr unsigned kAclKeyRead = 1, kAclKeyWrite = 2;

// The ACL view of the command table: every command Kora serves plus the
// subcommands of its container commands (CONFIG GET, CLIENT KILL...), each with
// an id (its bit in a selector), its categories and, for top-level commands,
// its spec. Built once; immutable and shared by every thread.
class AclCommands {
 public:
  static constexpr std::size_t kMaxIds = 1024;  // the last bit means "future commands"
  struct Entry {
    std::string fullname;          // "get", "config|get"
    std::uint32_t categories = 0;  // bits of kAclCategoryNames
    int parent = -1;               // a subcommand's container
    std::vector<int> children;     // a container's subcommands
    bool no_auth = false;          // runs before authentication (AUTH, HELLO, QUIT, RESET)
    const CommandSpec* spec = nullptr;  // top-level entries
  };
  static const AclCommands& instance();

  // The entry named `fullname` ("get", "CONFIG|get"), -1 when unknown.
  int find(std::string_view fullname) const;
  const Entry& at(int id) const { return entries_[static_cast<std::size_t>(id)]; }
  std::size_t size() const { return entries_.size(); }
  // The entry argv runs: a container's subcommand when argv[1] names one, else
  // the command itself.
  int resolve(const CommandSpec& spec, std::span<const std::string_view> argv) const;
  // The access `spec` needs on the key at argv[pos] (kAclKey* bits; 0 = none,
  // as Redis's key specs without ACCESS/INSERT/DELETE/UPDATE such as EXISTS).
  unsigned key_access(const CommandSpec& spec, std::span<const std::string_view> argv,
                      std::uint32_t pos) const;

 private:
  AclCommands();
  std::vector<Entry> entries_;
  std::map<std::string, int, std::less<>> by_name_;
};

using AclCommandBits = std::bitset<AclCommands::kMaxIds>;

struct AclKeyPattern {
  std::string pattern;
  unsigned flags = 0;  // kAclKeyRead | kAclKeyWrite
};

// A set of permissions: the user's root selector, or one of its "(...)" selectors.
struct AclSelector {
  bool root = false;
  bool allkeys = false;
  bool allchannels = false;
  bool allcommands = false;
  AclCommandBits allowed{};
  std::map<int, std::vector<std::string>> firstargs{};  // id -> allowed argv[1] (lowercase compare)
  std::vector<AclKeyPattern> keys{};
  std::vector<std::string> channels{};

  // Applies one rule (Redis's ACLSetSelector). nullopt, or the reason in
  // Redis's words ("Syntax error", "Unknown command or category name in ACL"...).
  std::optional<std::string> apply(std::string_view op);
  // "+@all -@string +incr": the command rules that rebuild `allowed` (Redis's
  // category fitting, then single commands in command-table order).
  std::string describe_commands() const;
  std::string describe_keys() const;      // "~a* %R~b*" (GETUSER's keys)
  std::string describe_channels() const;  // "&a &b*" (GETUSER's channels)
  std::string describe() const;           // the ACL LIST form of this selector
};

struct AclUser {
  std::string name;
  std::uint64_t incarnation = 0;  // new on creation / ACL LOAD; kept by SETUSER edits
  bool enabled = false;
  bool nopass = false;
  bool skip_sanitize = false;   // skip-sanitize-payload (accepted and reported)
  bool sanitize = false;        // sanitize-payload
  std::vector<std::string> passwords{};  // SHA-256, lowercase hex
  std::vector<AclSelector> selectors{};  // [0] is the root selector

  AclUser();
  // Applies one rule (Redis's ACLSetUser); nullopt or the reason, as above.
  std::optional<std::string> apply(std::string_view op);
  std::string describe() const;  // "on #... ~* &* +@all (...)" (ACL LIST, ACL file)
  // Every command, key and channel allowed by the root selector (the default user).
  bool unrestricted() const;
  // Whether `password` is one of this user's (constant-time compare of hashes).
  bool password_matches(std::string_view password) const;
};

// SHA-256 of `password`, 64 lowercase hex characters.
std::string acl_hash_password(std::string_view password);

enum class AclResult : unsigned char { kOk, kDeniedCmd, kDeniedKey, kDeniedChannel, kDeniedAuth };

struct AclVerdict {
  AclResult result = AclResult::kOk;
  std::size_t argpos = 0;  // kDeniedKey / kDeniedChannel: the argv index refused
  int command = -1;        // the AclCommands entry checked
};

// Whether `user` may run argv (spec = its row): the command (or subcommand, or
// first-arg) permission, then each key against the key patterns with the access
// the command needs, then each channel. With several selectors, any one that
// allows everything allows the command; otherwise the most specific denial is
// reported (Redis's ACLCheckAllUserCommandPerm). O(keys × patterns).
AclVerdict acl_check_command(const AclUser& user, const CommandSpec& spec,
                             std::span<const std::string_view> argv);

// Whether one selector of `user` allows argv and reads every key (allkeys,
// `~*` or `%R~*`): what SORT's BY and GET patterns need, since they read keys
// argv does not name (Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess).
bool acl_full_read_access(const AclUser& user, const CommandSpec& spec,
                          std::span<const std::string_view> argv);

// The channel check alone, for the pub/sub commands: PUBLISH / SPUBLISH
// (argv[1]), SUBSCRIBE / SSUBSCRIBE (every argument, matched against the
// user's channel patterns) and PSUBSCRIBE (every argument, compared literally
// with the patterns, as Redis). Other names: kOk. `spec_name` is lowercase.
AclVerdict acl_check_channels(const AclUser& user, std::string_view spec_name,
                              std::span<const std::string_view> argv);

// The users, as one immutable snapshot swapped on every change.
class AclRegistry {
 public:
  using Users = std::map<std::string, std::shared_ptr<const AclUser>, std::less<>>;
  static AclRegistry& instance();

  std::shared_ptr<const Users> users() const { return std::atomic_load(&users_); }
  std::shared_ptr<const AclUser> find(std::string_view name) const;
  // Bumped on every change: a connection re-reads its user when it differs.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // The default user is "on nopass": new connections start authenticated.
  bool default_open() const { return default_open_.load(std::memory_order_acquire); }

  // ACL SETUSER: applies every rule to a copy of the user (a new one when
  // absent), then publishes it; nothing changes on error. Returns Redis's error
  // text (without "ERR ").
  std::optional<std::string> set_user(std::string_view name, std::span<const std::string_view> rules);
  // ACL DELUSER: removes the named users (never "default"); returns how many.
  // Their connections are closed (see AclClient).
  int del_users(std::span<const std::string_view> names);
  // requirepass: the default user's only password (empty: nopass).
  void set_requirepass(std::string_view password);
  std::string requirepass() const;
  // ACL LOAD / startup: replaces every user by the file's (the default user is
  // reset when the file does not name it); nothing changes on error. Returns
  // Redis's error text.
  std::optional<std::string> load_file(const std::string& path);
  // ACL SAVE: writes every user as "user <name> <rules>" (temp file + rename).
  bool save_file(const std::string& path) const;
  // `user` lines of a configuration file (users in the config file).
  std::optional<std::string> add_config_user(std::string_view line);

  // acl-pubsub-default: whether a new or reset user gets allchannels.
  std::atomic<bool> pubsub_default_all{false};
  std::atomic<std::int64_t> acllog_max_len{128};
  std::string aclfile() const;
  void set_aclfile(std::string path);

  // Connections, so that DELUSER and LOAD can close those of a removed user.
  void track(const std::shared_ptr<struct AclClient>& client);

 private:
  AclRegistry();
  void publish(std::shared_ptr<Users> users);  // under mu_
  void close_revoked(const Users& users);       // under mu_

  mutable std::mutex mu_;
  std::shared_ptr<const Users> users_;
  std::atomic<std::uint64_t> version_{1};
  std::atomic<bool> default_open_{true};
  std::uint64_t next_incarnation_ = 1;
  std::string aclfile_;
  std::string requirepass_;
  std::vector<std::weak_ptr<struct AclClient>> clients_;
};

// A connection's authentication state. Owned by its ClientState; touched by the
// connection's worker, except `disconnect` and `revoked`, which any thread may
// use, and `username`/`incarnation`, which the registry reads under `mu` (the
// worker writes them under `mu`, and reads them without it).
struct AclClient {
  std::shared_ptr<const AclUser> user;  // refreshed when the registry changes
  std::mutex mu;
  std::string username = "default";
  std::uint64_t incarnation = 0;
  std::uint64_t version = 0;
  bool authenticated = false;
  std::atomic<bool> revoked{false};  // its user was deleted: close on next sight
  std::function<void()> disconnect;  // closes the connection (posts to its worker)
};

// A new connection's state: the default user, authenticated when it is "on nopass".
std::shared_ptr<AclClient> acl_new_client(std::function<void()> disconnect);
// RESET: back to the default user, authenticated only when it is "on nopass"
// (Redis's clientSetDefaultAuth).
void acl_reset_client(ClientState& client);
// AUTH / HELLO AUTH: switches `client` to `username` when the password matches
// and the user is on; logs an "auth" denial otherwise.
bool acl_authenticate(ClientState& client, std::string_view username, std::string_view password,
                      bool in_multi);

// The ACL log (ACL LOG): denials, grouped as Redis groups them.
struct AclLogEntry {
  std::uint64_t count = 1;
  AclResult reason = AclResult::kDeniedCmd;
  std::string_view context = "toplevel";  // or "multi", "lua"
  std::string object;
  std::string username;
  std::int64_t ctime_ms = 0;
  std::string client_info;
};
class AclLog {
 public:
  static AclLog& instance();
  void add(AclLogEntry entry);
  std::vector<AclLogEntry> entries(std::size_t count) const;  // newest first
  void reset();

 private:
  mutable std::mutex mu_;
  std::deque<AclLogEntry> entries_;
};

// CLIENT INFO's line for the ACL log's client-info field.
std::string acl_client_info(const ClientState& client, std::string_view cmd);
// The same from a client's shared identity (a script running on another worker).
std::string acl_client_info(const ClientIdentity& who, int db, int resp, std::string_view cmd);

}  // namespace kora::server
