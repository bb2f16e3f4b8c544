// The ACL model: the rule parser (every SETUSER rule and its error), the
// descriptions GETUSER / LIST print, the command / key / channel checks, and
// password hashing.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "acl.h"
#include "kora/server/command.h"

using namespace kora::server;

namespace {

AclUser user_with(std::initializer_list<std::string_view> rules) {
  AclUser u;
  u.name = "t";
  for (auto r : rules) {
    auto err = u.apply(r);
    INFO(std::string(r));
    REQUIRE_FALSE(err.has_value());
  }
  return u;
}

AclVerdict check(const AclUser& u, std::vector<std::string_view> argv) {
  const CommandSpec* spec = CommandTable::instance().find(argv[0]);
  REQUIRE(spec != nullptr);
  return acl_check_command(u, *spec, argv);
}

}  // namespace

TEST_CASE("ACL rule parser: flags, passwords, errors", "[acl]") {
  AclUser u;
  CHECK(u.describe() == "off resetchannels -@all");
  CHECK_FALSE(u.apply("on"));
  CHECK(u.enabled);
  CHECK_FALSE(u.apply(">secret"));
  REQUIRE(u.passwords.size() == 1);
  CHECK(u.passwords[0] == acl_hash_password("secret"));
  CHECK(u.passwords[0].size() == 64);
  CHECK(u.password_matches("secret"));
  CHECK_FALSE(u.password_matches("Secret"));
  CHECK_FALSE(u.apply(">secret"));  // not added twice
  CHECK(u.passwords.size() == 1);
  CHECK_FALSE(u.apply("<secret"));
  CHECK(u.passwords.empty());
  CHECK(*u.apply("<secret") == "The password you are trying to remove from the user does not exist");
  CHECK(*u.apply("#abc") ==
        "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters");
  CHECK(u.apply("#" + std::string(64, 'A')).has_value());  // uppercase is refused
  CHECK_FALSE(u.apply("#" + acl_hash_password("x")));
  CHECK(u.password_matches("x"));
  CHECK_FALSE(u.apply("!" + acl_hash_password("x")));
  CHECK_FALSE(u.password_matches("x"));
  CHECK_FALSE(u.apply("nopass"));
  CHECK(u.nopass);
  CHECK_FALSE(u.apply(">p"));
  CHECK_FALSE(u.nopass);  // a password clears nopass
  CHECK_FALSE(u.apply("resetpass"));
  CHECK((!u.nopass && u.passwords.empty()));
  CHECK(*u.apply("foo") == "Syntax error");
  CHECK(*u.apply("+nosuchcommand") == "Unknown command or category name in ACL");
  CHECK(*u.apply("+@nosuchcategory") == "Unknown command or category name in ACL");
  CHECK(*u.apply("+config|get|x") == "Allowing first-arg of a subcommand is not supported");
  CHECK(*u.apply("+config|nosuch") == "Unknown command or category name in ACL");
  CHECK(*u.apply("-select|0") == "Unknown command or category name in ACL");
  CHECK(*u.apply("+get|") == "Syntax error");
  CHECK(*u.apply("%X~a") == "Syntax error");
  CHECK(*u.apply("~a b") == "Syntax error");
  CHECK_FALSE(u.apply("allkeys"));
  CHECK(u.apply("~x")->starts_with("Adding a pattern after the * pattern (or the 'allkeys' flag)"));
  CHECK_FALSE(u.apply("allchannels"));
  CHECK(u.apply("&x")->starts_with("Adding a pattern after the * pattern (or the 'allchannels' flag)"));
  CHECK_FALSE(u.apply(""));  // an empty rule does nothing
}

TEST_CASE("ACL descriptions as Redis prints them", "[acl]") {
  AclUser u = user_with({"on", ">p1", "~app:*", "%R~r*", "%W~w*", "%RW~x", "&ch", "+@read", "-get"});
  CHECK(u.describe() == "on #" + acl_hash_password("p1") +
                            " ~app:* %R~r* %W~w* ~x resetchannels &ch -@all +@read -get");
  CHECK(u.selectors[0].describe_keys() == "~app:* %R~r* %W~w* ~x");
  CHECK(u.selectors[0].describe_channels() == "&ch");
  CHECK(user_with({"+@all", "-@string"}).selectors[0].describe_commands() == "+@all -@string");
  CHECK(user_with({"-@all", "+@hash"}).selectors[0].describe_commands() == "-@all +@hash");
  CHECK(user_with({"+@all", "-client|kill"}).selectors[0].describe_commands() == "+@all -client|kill");
  CHECK(user_with({"+config|get"}).selectors[0].describe_commands() == "-@all +config|get");
  CHECK(user_with({"+select|0"}).selectors[0].describe_commands() == "-@all +select|0");
  // A whole command engulfs its subcommand rules, and +@all engulfs everything.
  CHECK(user_with({"+memory|doctor", "+memory"}).selectors[0].describe_commands() == "-@all +memory");
  CHECK(user_with({"+memory|doctor", "+@all", "+client|id"}).selectors[0].describe_commands() == "+@all");
  // Every category alone round-trips (those with a command Kora serves: an
  // empty category changes no bit, so it cannot be told apart, as in Redis).
  const auto& cmds = AclCommands::instance();
  for (auto c : kAclCategoryNames) {
    const std::string name(c);
    bool used = false;
    for (std::size_t id = 0; id < cmds.size(); ++id) {
      used = used || (cmds.at(static_cast<int>(id)).categories & acl_category_flag(c));
    }
    if (!used) continue;
    CHECK(user_with({"+@all", "-@" + name}).selectors[0].describe_commands() == "+@all -@" + name);
    CHECK(user_with({"-@all", "+@" + name}).selectors[0].describe_commands() == "-@all +@" + name);
  }
  AclUser s = user_with({"(+set ~s*)", "(~k1 +get )"});
  REQUIRE(s.selectors.size() == 3);
  CHECK(s.describe() == "off resetchannels -@all (~s* resetchannels -@all +set) (~k1 resetchannels -@all +get)");
  CHECK(*s.apply("(this-is-invalid)") == "Syntax error");
  CHECK_FALSE(s.apply("clearselectors"));
  CHECK(s.selectors.size() == 1);
  AclUser r = user_with({"on", "nopass", "allkeys", "+@all", "(~a +get)", "reset"});
  CHECK(r.describe() == "off sanitize-payload resetchannels -@all");
}

TEST_CASE("ACL command, subcommand and first-arg checks", "[acl]") {
  AclUser u = user_with({"on", "nopass", "allkeys", "+@read", "-get", "+config|get", "+select|0"});
  CHECK(check(u, {"strlen", "k"}).result == AclResult::kOk);
  AclVerdict v = check(u, {"get", "k"});
  CHECK(v.result == AclResult::kDeniedCmd);
  CHECK(AclCommands::instance().at(v.command).fullname == "get");
  CHECK(check(u, {"config", "get", "maxmemory"}).result == AclResult::kOk);
  v = check(u, {"config", "set", "maxmemory", "1"});
  CHECK(v.result == AclResult::kDeniedCmd);
  CHECK(AclCommands::instance().at(v.command).fullname == "config|set");
  CHECK(check(u, {"select", "0"}).result == AclResult::kOk);
  CHECK(check(u, {"select", "1"}).result == AclResult::kDeniedCmd);
  CHECK(check(u, {"set", "k", "v"}).result == AclResult::kDeniedCmd);
  // AUTH, HELLO and QUIT need no permission.
  AclUser none = user_with({"on", "nopass"});
  CHECK(check(none, {"auth", "a", "b"}).result == AclResult::kOk);
  CHECK(check(none, {"hello", "3"}).result == AclResult::kOk);
  CHECK(check(none, {"ping"}).result == AclResult::kDeniedCmd);
  // Category membership follows Redis: MEMORY DOCTOR is not MEMORY STATS.
  AclUser m = user_with({"+@all", "-memory|doctor"});
  CHECK(check(m, {"memory", "doctor"}).result == AclResult::kDeniedCmd);
  CHECK(check(m, {"memory", "stats"}).result != AclResult::kDeniedCmd);
}

TEST_CASE("ACL key checks with read/write patterns", "[acl]") {
  AclUser app = user_with({"on", "+@read", "~app:*"});
  CHECK(check(app, {"get", "app:1"}).result == AclResult::kOk);
  AclVerdict v = check(app, {"mget", "app:1", "other", "app:2"});
  CHECK(v.result == AclResult::kDeniedKey);
  CHECK(v.argpos == 2);
  AclUser r = user_with({"+@all", "%R~read*"});
  CHECK(check(r, {"get", "readstr"}).result == AclResult::kOk);
  CHECK(check(r, {"set", "readstr", "v"}).result == AclResult::kDeniedKey);
  CHECK(check(r, {"get", "notread"}).result == AclResult::kDeniedKey);
  AclUser w = user_with({"+@all", "%W~write*"});
  CHECK(check(w, {"lpush", "writelist", "1"}).result == AclResult::kOk);  // LPUSH only inserts
  CHECK(check(w, {"get", "writestr"}).result == AclResult::kDeniedKey);
  // SET reads only with GET; BITFIELD writes only with SET / INCRBY.
  CHECK(check(w, {"set", "writestr", "v"}).result == AclResult::kOk);
  CHECK(check(w, {"set", "writestr", "v", "get"}).result == AclResult::kDeniedKey);
  CHECK(check(r, {"bitfield", "readstr", "get", "u4", "0"}).result == AclResult::kOk);
  CHECK(check(r, {"bitfield", "readstr", "get", "u4", "0", "set", "u4", "0", "1"}).result == AclResult::kDeniedKey);
  CHECK(check(w, {"bitfield", "writestr", "incrby", "u4", "0", "1"}).result == AclResult::kDeniedKey);
  AclUser rw = user_with({"+@all", "%R~read*", "%W~write*"});
  CHECK(check(rw, {"copy", "read", "write"}).result == AclResult::kOk);  // source read, destination written
  CHECK(check(rw, {"copy", "write", "read"}).result == AclResult::kDeniedKey);
  CHECK(check(rw, {"sinterstore", "write1", "read1", "read2"}).result == AclResult::kOk);
  CHECK(check(rw, {"sinterstore", "read1", "read2"}).result == AclResult::kDeniedKey);
  // Selectors are not additive: one must allow the whole command.
  AclUser sel = user_with({"on", "(%R~read* +@all)", "(%W~write* +@all)"});
  CHECK(check(sel, {"get", "read1"}).result == AclResult::kOk);
  CHECK(check(sel, {"lpush", "write1", "x"}).result == AclResult::kOk);
  CHECK(check(sel, {"copy", "read1", "write1"}).result == AclResult::kDeniedKey);
  // A subcommand's key specs: MEMORY USAGE needs no particular access.
  CHECK(check(w, {"memory", "usage", "writestr"}).result == AclResult::kOk);
  CHECK(check(r, {"memory", "usage", "readstr"}).result == AclResult::kOk);
  CHECK(check(r, {"memory", "usage", "other"}).result == AclResult::kDeniedKey);
  // SORT reads its key and writes STORE's destination.
  CHECK(check(rw, {"sort", "read", "store", "write"}).result == AclResult::kOk);
  CHECK(check(rw, {"sort", "read", "store", "read"}).result == AclResult::kDeniedKey);
  CHECK(check(rw, {"sort", "write", "store", "write"}).result == AclResult::kDeniedKey);
  // SORT BY/GET patterns need read access to every key.
  const CommandSpec& sort = *CommandTable::instance().find("sort");
  std::vector<std::string_view> by{"sort", "mylist", "by", "v*"};
  CHECK_FALSE(acl_full_read_access(user_with({"(+sort ~mylist ~v*)"}), sort, by));
  CHECK_FALSE(acl_full_read_access(user_with({"(+sort ~mylist %W~*)"}), sort, by));
  CHECK(acl_full_read_access(user_with({"(+sort ~mylist %R~*)"}), sort, by));
  CHECK(acl_full_read_access(user_with({"+sort", "allkeys"}), sort, by));
  // The most relevant denial: a key beats a command.
  AclUser mix = user_with({"on", "(+set ~s*)"});
  CHECK(check(mix, {"set", "x", "1"}).result == AclResult::kDeniedKey);
  CHECK(check(mix, {"set", "s1", "1"}).result == AclResult::kOk);
  CHECK(check(mix, {"get", "s1"}).result == AclResult::kDeniedCmd);
}

TEST_CASE("ACL channel checks for the pub/sub commands", "[acl]") {
  AclUser u = user_with({"+@all", "allkeys", "resetchannels", "&foo:1", "&bar:*"});
  std::vector<std::string_view> pub{"publish", "foo:1", "m"};
  CHECK(acl_check_channels(u, "publish", pub).result == AclResult::kOk);
  std::vector<std::string_view> pub2{"publish", "bar:2", "m"};
  CHECK(acl_check_channels(u, "spublish", pub2).result == AclResult::kOk);
  std::vector<std::string_view> bad{"publish", "zap:3", "m"};
  AclVerdict v = acl_check_channels(u, "publish", bad);
  CHECK(v.result == AclResult::kDeniedChannel);
  CHECK(v.argpos == 1);
  std::vector<std::string_view> sub{"subscribe", "foo:1", "bar:9", "zap"};
  v = acl_check_channels(u, "subscribe", sub);
  CHECK(v.result == AclResult::kDeniedChannel);
  CHECK(v.argpos == 3);
  // PSUBSCRIBE patterns are compared literally with the user's patterns.
  std::vector<std::string_view> psub{"psubscribe", "bar:*"};
  CHECK(acl_check_channels(u, "psubscribe", psub).result == AclResult::kOk);
  std::vector<std::string_view> psub2{"psubscribe", "bar:baz"};
  CHECK(acl_check_channels(u, "psubscribe", psub2).result == AclResult::kDeniedChannel);
  // Unsubscribing is never refused; allchannels allows everything.
  std::vector<std::string_view> unsub{"unsubscribe", "zap"};
  CHECK(acl_check_channels(u, "unsubscribe", unsub).result == AclResult::kOk);
  AclUser all = user_with({"allchannels"});
  CHECK(acl_check_channels(all, "publish", bad).result == AclResult::kOk);
}

TEST_CASE("ACL categories of the command table", "[acl]") {
  const auto& cmds = AclCommands::instance();
  auto cats = [&](std::string_view name) { return cmds.at(cmds.find(name)).categories; };
  CHECK((cats("get") & acl_category_flag("read")));
  CHECK((cats("get") & acl_category_flag("string")));
  CHECK((cats("get") & acl_category_flag("fast")));
  CHECK((cats("set") & acl_category_flag("write")));
  CHECK((cats("config|set") & acl_category_flag("dangerous")));
  CHECK_FALSE((cats("client|id") & acl_category_flag("dangerous")));
  CHECK((cats("select") & acl_category_flag("connection")));
  CHECK(cmds.find("CONFIG|GET") == cmds.find("config|get"));
  CHECK(cmds.find("get|x|y") == -1);
  CHECK(acl_category_flag("READ") == acl_category_flag("read"));
  CHECK(acl_category_flag("nosuch") == 0);
}

TEST_CASE("ACL registry: SETUSER is all-or-nothing, DELUSER, requirepass", "[acl]") {
  AclRegistry& reg = AclRegistry::instance();
  std::vector<std::string_view> ok{"on", ">pw", "~k*", "+get"};
  REQUIRE_FALSE(reg.set_user("unit-u", ok));
  const auto v1 = reg.version();
  std::vector<std::string_view> bad{"+set", "nosuchrule"};
  auto err = reg.set_user("unit-u", bad);
  REQUIRE(err);
  CHECK(*err == "Error in ACL SETUSER modifier 'nosuchrule': Syntax error");
  CHECK(reg.version() == v1);
  CHECK(reg.find("unit-u")->describe() == "on #" + acl_hash_password("pw") + " ~k* resetchannels -@all +get");
  std::vector<std::string_view> open{"(~a", "+get)"};
  CHECK_FALSE(reg.set_user("unit-u", open));  // one selector over two arguments
  std::vector<std::string_view> unmatched{"(~a", "+get"};
  CHECK(*reg.set_user("unit-u", unmatched) == "Unmatched parenthesis in acl selector starting at '(~a'.");
  std::vector<std::string_view> names{"unit-u", "nosuch"};
  CHECK(reg.del_users(names) == 1);
  CHECK_FALSE(reg.find("unit-u"));
  CHECK(reg.default_open());
  reg.set_requirepass("s3cret");
  CHECK_FALSE(reg.default_open());
  CHECK(reg.find("default")->password_matches("s3cret"));
  CHECK(reg.requirepass() == "s3cret");
  reg.set_requirepass("");
  CHECK(reg.default_open());
  CHECK(reg.find("default")->describe() == "on nopass ~* &* +@all");
}
