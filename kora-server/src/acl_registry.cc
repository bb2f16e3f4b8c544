// The user registry (snapshots, ACL SETUSER/DELUSER/LOAD/SAVE, requirepass),
// the connections' authentication state, and the ACL log. See acl.h.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "acl.h"

#include "kora/server/call.h"
#include "args.h"
#include "kora/core/clock.h"

namespace kora::server {
namespace {

std::shared_ptr<AclUser> make_default_user(std::uint64_t incarnation) {
  auto u = std::make_shared<AclUser>();
  u->name = "default";
  u->incarnation = incarnation;
  (void)u->apply("+@all");
  (void)u->apply("~*");
  (void)u->apply("&*");
  (void)u->apply("on");
  (void)u->apply("nopass");
  return u;
}

bool open_user(const AclUser* u) { return u && u->enabled && u->nopass; }

// Redis's ACLMergeSelectorArguments: a selector given over several arguments
// ("(~a" "+get)") becomes one. nullopt: unmatched parenthesis; `bad` names the
// argument that opened it.
std::optional<std::vector<std::string>> merge_selectors(std::span<const std::string_view> args,
                                                        std::string& bad) {
  std::vector<std::string> out;
  std::string selector;
  bool open = false;
  for (std::string_view op : args) {
    if (!open && !op.empty() && op[0] == '(' && op.back() != ')') {
      selector = std::string(op);
      bad = selector;
      open = true;
      continue;
    }
    if (open) {
      selector += " ";
      selector += op;
      if (!op.empty() && op.back() == ')') {
        out.push_back(std::move(selector));
        open = false;
      }
      continue;
    }
    out.emplace_back(op);
  }
  if (open) return std::nullopt;
  return out;
}

bool valid_username(std::string_view name) {
  for (char c : name) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '\0') return false;
  }
  return true;
}

}  // namespace

AclRegistry& AclRegistry::instance() {
  static AclRegistry registry;
  return registry;
}

AclRegistry::AclRegistry() {
  auto users = std::make_shared<Users>();
  (*users)["default"] = make_default_user(next_incarnation_++);
  users_ = std::move(users);
}

std::shared_ptr<const AclUser> AclRegistry::find(std::string_view name) const {
  auto snapshot = users();
  auto it = snapshot->find(name);
  return it == snapshot->end() ? nullptr : it->second;
}

void AclRegistry::publish(std::shared_ptr<Users> users) {
  auto def = users->find("default");
  default_open_.store(def != users->end() && open_user(def->second.get()), std::memory_order_release);
  std::atomic_store(&users_, std::shared_ptr<const Users>(std::move(users)));
  version_.fetch_add(1, std::memory_order_acq_rel);
}

std::optional<std::string> AclRegistry::set_user(std::string_view name,
                                                 std::span<const std::string_view> rules) {
  std::string bad;
  auto merged = merge_selectors(rules, bad);
  if (!merged) return "Unmatched parenthesis in acl selector starting at '" + bad + "'.";
  std::lock_guard lock(mu_);
  auto current = users();
  auto it = current->find(name);
  auto user = std::make_shared<AclUser>();
  if (it != current->end()) {
    *user = *it->second;
  } else {
    user->name = std::string(name);
    user->selectors[0].allchannels = pubsub_default_all.load();
  }
  for (const std::string& op : *merged) {
    if (auto why = user->apply(op)) return "Error in ACL SETUSER modifier '" + op + "': " + *why;
  }
  if (it == current->end()) user->incarnation = next_incarnation_++;
  auto next = std::make_shared<Users>(*current);
  (*next)[std::string(name)] = std::move(user);
  publish(std::move(next));
  return std::nullopt;
}

int AclRegistry::del_users(std::span<const std::string_view> names) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<Users>(*users());
  int deleted = 0;
  for (std::string_view n : names) {
    auto it = next->find(n);
    if (it == next->end()) continue;
    next->erase(it);
    ++deleted;
  }
  if (deleted == 0) return 0;
  publish(next);
  close_revoked(*next);
  return deleted;
}

void AclRegistry::set_requirepass(std::string_view password) {
  std::lock_guard lock(mu_);
  requirepass_ = std::string(password);
  auto next = std::make_shared<Users>(*users());
  auto def = std::make_shared<AclUser>(*next->at("default"));
  (void)def->apply("resetpass");
  if (password.empty()) {
    (void)def->apply("nopass");
  } else {
    (void)def->apply(">" + std::string(password));
  }
  (*next)["default"] = std::move(def);
  publish(std::move(next));
}

std::string AclRegistry::requirepass() const {
  std::lock_guard lock(mu_);
  return requirepass_;
}

std::string AclRegistry::aclfile() const {
  std::lock_guard lock(mu_);
  return aclfile_;
}

void AclRegistry::set_aclfile(std::string path) {
  std::lock_guard lock(mu_);
  aclfile_ = std::move(path);
}

std::optional<std::string> AclRegistry::add_config_user(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    if (j > i) words.push_back(line.substr(i, j - i));
    i = j;
  }
  if (words.empty()) return "empty user definition";
  if (!valid_username(words[0])) return "Usernames can't contain spaces or null characters";
  if (find(words[0]) && words[0] != "default") return "Duplicate user '" + std::string(words[0]) + "' found";
  std::vector<std::string_view> rules(words.begin() + 1, words.end());
  if (words[0] == "default") {
    std::vector<std::string_view> reset{"reset"};
    (void)set_user("default", reset);
  }
  return set_user(words[0], rules);
}

std::optional<std::string> AclRegistry::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "Error loading ACLs, opening file '" + path + "': " + std::strerror(errno);
  std::string errors;
  auto fresh = std::make_shared<Users>();
  std::string line;
  int linenum = 0;
  std::lock_guard lock(mu_);
  while (std::getline(in, line)) {
    ++linenum;
    while (!line.empty() && std::strchr(" \t\r\n", line.back())) line.pop_back();
    std::size_t start = line.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) continue;
    std::vector<std::string_view> argv;
    std::string_view rest(line);
    rest.remove_prefix(start);
    std::size_t i = 0;
    while (i < rest.size()) {
      std::size_t j = rest.find(' ', i);
      if (j == std::string_view::npos) j = rest.size();
      if (j > i) argv.push_back(rest.substr(i, j - i));
      i = j + 1;
    }
    if (argv.empty()) continue;
    const std::string where = path + ":" + std::to_string(linenum);
    if (argv[0] != "user" || argv.size() < 2) {
      errors += where + " should start with user keyword followed by the username. ";
      continue;
    }
    if (fresh->count(argv[1])) {
      errors += "WARNING: Duplicate user '" + std::string(argv[1]) + "' found on line " + std::to_string(linenum) + ". ";
      continue;
    }
    auto user = std::make_shared<AclUser>();
    user->name = std::string(argv[1]);
    user->selectors[0].allchannels = pubsub_default_all.load();
    std::string bad;
    auto merged = merge_selectors(std::span(argv).subspan(2), bad);
    if (!merged) {
      errors += where + ": Unmatched parenthesis in selector definition.";
      continue;
    }
    bool syntax_error = false;
    for (const std::string& op : *merged) {
      if (auto why = user->apply(op)) {
        if (*why == "Unknown command or category name in ACL") {
          errors += where + ": Error in applying operation '" + op + "': " + *why + ". ";
        } else if (!syntax_error) {
          errors += where + ": " + *why + ". ";
          syntax_error = true;
        }
      }
    }
    (*fresh)[user->name] = std::move(user);
  }
  if (!errors.empty()) {
    return errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
  }
  // Every user but the default one is new: their connections are closed.
  auto old = users();
  for (auto& [name, user] : *fresh) {
    auto u = std::const_pointer_cast<AclUser>(user);
    u->incarnation = name == "default" ? old->at("default")->incarnation : next_incarnation_++;
  }
  if (!fresh->count("default")) (*fresh)["default"] = make_default_user(old->at("default")->incarnation);
  publish(fresh);
  close_revoked(*fresh);
  return std::nullopt;
}

bool AclRegistry::save_file(const std::string& path) const {
  std::string text;
  for (const auto& [name, user] : *users()) text += "user " + name + " " + user->describe() + "\n";
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(core::now_ms());
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << text;
    if (!out.flush()) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

void AclRegistry::track(const std::shared_ptr<AclClient>& client) {
  std::lock_guard lock(mu_);
  if (clients_.size() >= 64 && clients_.size() == clients_.capacity()) {
    std::erase_if(clients_, [](const std::weak_ptr<AclClient>& w) { return w.expired(); });
  }
  clients_.push_back(client);
}

void AclRegistry::close_revoked(const Users& users) {
  std::erase_if(clients_, [](const std::weak_ptr<AclClient>& w) { return w.expired(); });
  for (const auto& weak : clients_) {
    auto c = weak.lock();
    if (!c) continue;
    std::string name;
    std::uint64_t incarnation;
    {
      std::lock_guard client_lock(c->mu);
      name = c->username;
      incarnation = c->incarnation;
    }
    auto it = users.find(name);
    if (it != users.end() && it->second->incarnation == incarnation) continue;
    c->revoked.store(true, std::memory_order_release);
    if (c->disconnect) c->disconnect();
  }
}

// ---------------------------------------------------------------------------
// Connections

std::shared_ptr<AclClient> acl_new_client(std::function<void()> disconnect) {
  AclRegistry& registry = AclRegistry::instance();
  auto c = std::make_shared<AclClient>();
  c->version = registry.version();
  c->user = registry.find("default");
  c->incarnation = c->user->incarnation;
  c->authenticated = open_user(c->user.get());
  c->disconnect = std::move(disconnect);
  registry.track(c);
  return c;
}

void acl_reset_client(ClientState& client) {
  if (!client.acl) return;
  AclClient& acl = *client.acl;
  AclRegistry& registry = AclRegistry::instance();
  acl.user = registry.find("default");
  {
    std::lock_guard lock(acl.mu);
    acl.username = "default";
    acl.incarnation = acl.user->incarnation;
  }
  acl.version = registry.version();
  acl.authenticated = open_user(acl.user.get());
}

bool acl_authenticate(ClientState& client, std::string_view username, std::string_view password,
                      bool in_multi) {
  AclClient& acl = *client.acl;
  auto user = AclRegistry::instance().find(username);
  if (user && user->enabled && (user->nopass || user->password_matches(password))) {
    acl.user = user;
    {
      std::lock_guard lock(acl.mu);
      acl.username = user->name;
      acl.incarnation = user->incarnation;
    }
    acl.version = AclRegistry::instance().version();
    acl.authenticated = true;
    return true;
  }
  AclLogEntry e;
  e.reason = AclResult::kDeniedAuth;
  e.context = in_multi ? "multi" : "toplevel";
  e.object = "AUTH";
  e.username = std::string(username);
  e.client_info = acl_client_info(client, "auth");
  AclLog::instance().add(std::move(e));
  return false;
}

namespace {

std::string client_info_line(const ClientState& c, std::string_view user, std::string_view cmd) {
  const std::int64_t age = c.created_ms ? (core::now_ms() - c.created_ms) / 1000 : 0;
  return "id=" + std::to_string(c.id) + " addr=" + c.addr + " laddr=" + c.laddr + " fd=" + std::to_string(c.fd) +
         " name=" + c.name + " age=" + std::to_string(age) + " idle=0 flags=N db=" + std::to_string(c.db) +
         " sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0"
         " omem=0 tot-mem=0 events=r cmd=" +
         std::string(cmd) + " user=" + std::string(user) + " redir=-1 resp=" + std::to_string(c.resp);
}

}  // namespace

std::string acl_client_info(const ClientState& c, std::string_view cmd) {
  return client_info_line(c, c.acl ? std::string_view(c.acl->username) : "default", cmd);
}

std::string acl_client_info(const ClientIdentity& who, int db, int resp, std::string_view cmd) {
  ClientState c;
  c.id = who.id;
  c.addr = who.addr;
  c.name = who.name;
  c.db = db;
  c.resp = resp;
  return client_info_line(c, who.username, cmd);
}

// ---------------------------------------------------------------------------
// The log

AclLog& AclLog::instance() {
  static AclLog log;
  return log;
}

void AclLog::add(AclLogEntry entry) {
  entry.ctime_ms = core::now_ms();
  std::lock_guard lock(mu_);
  // Similar to one of the 10 newest (same reason, context, object and user,
  // within a minute): that one is counted again and moves to the front.
  const std::size_t scan = std::min<std::size_t>(10, entries_.size());
  for (std::size_t i = 0; i < scan; ++i) {
    AclLogEntry& e = entries_[i];
    const std::int64_t delta = e.ctime_ms > entry.ctime_ms ? e.ctime_ms - entry.ctime_ms : entry.ctime_ms - e.ctime_ms;
    if (e.reason == entry.reason && e.context == entry.context && delta <= 60000 && e.object == entry.object &&
        e.username == entry.username) {
      AclLogEntry match = std::move(e);
      entries_.erase(entries_.begin() + static_cast<long>(i));
      match.count++;
      match.ctime_ms = entry.ctime_ms;
      match.client_info = std::move(entry.client_info);
      entries_.push_front(std::move(match));
      return;
    }
  }
  entries_.push_front(std::move(entry));
  const auto max = static_cast<std::size_t>(std::max<std::int64_t>(0, AclRegistry::instance().acllog_max_len.load()));
  while (entries_.size() > max) entries_.pop_back();
}

std::vector<AclLogEntry> AclLog::entries(std::size_t count) const {
  std::lock_guard lock(mu_);
  count = std::min(count, entries_.size());
  return std::vector<AclLogEntry>(entries_.begin(), entries_.begin() + static_cast<long>(count));
}

void AclLog::reset() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace kora::server
