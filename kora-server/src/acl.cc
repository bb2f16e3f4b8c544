// ACL users and selectors: the rule parser, the descriptions, the checks.
// Behaviour follows Redis 7.0's acl.c (facts, not code): see acl.h.
#include "acl.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <climits>

#include "args.h"
#include "kora/core/glob.h"

namespace kora::server {
namespace {

// One row of Redis 7.0's command facts (acl_facts.inc, generated).
struct KeySpecFact {
  int begin;    // argv index where the search begins; -1: keyword / unknown
  int lastkey;  // 0 just that key, -1 the last argument, n > 0 begin + n
  int step;
  int access;   // kAclKey* bits
};
struct CommandFact {
  const char* fullname;
  std::uint32_t categories;
  bool no_auth;
  int nspecs;
  KeySpecFact specs[4];
};
const CommandFact kFacts[] = {
#include "acl_facts.inc"
};

const CommandFact* find_fact(std::string_view fullname) {
  auto it = std::lower_bound(std::begin(kFacts), std::end(kFacts), fullname,
                             [](const CommandFact& f, std::string_view n) { return std::string_view(f.fullname) < n; });
  return it != std::end(kFacts) && it->fullname == fullname ? &*it : nullptr;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::uint32_t parse_categories(std::string_view text) {
  std::uint32_t mask = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view word = text.substr(i, j - i);
    if (!word.empty() && word[0] == '@') word.remove_prefix(1);
    if (!word.empty()) mask |= acl_category_flag(word);
    i = j;
  }
  return mask;
}

constexpr std::uint32_t cat(std::string_view name) {
  for (std::size_t i = 0; i < kAclCategoryNames.size(); ++i) {
    if (kAclCategoryNames[i] == name) return 1u << i;
  }
  return 0;
}

// Redis's setImplicitACLCategories, from Kora's flags.
std::uint32_t implied_categories(std::uint32_t flags, std::uint32_t cats) {
  if (flags & kWrite) cats |= cat("write");
  if ((flags & kReadOnly) && !(cats & cat("scripting"))) cats |= cat("read");
  if (flags & kAdmin) cats |= cat("admin") | cat("dangerous");
  if (flags & kFast) cats |= cat("fast");
  if (flags & kBlocking) cats |= cat("blocking");
  if (!(cats & cat("fast"))) cats |= cat("slow");
  return cats;
}

constexpr std::size_t kFutureBit = AclCommands::kMaxIds - 1;

bool has_spaces(std::string_view s) {
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '\0') return true;
  }
  return false;
}

bool valid_hash(std::string_view h) {
  if (h.size() != 64) return false;
  for (char c : h) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The stored hash a password rule names: `>pass` / `<pass` hash the
// password, `#hash` / `!hash` give it (checked); the reason it is refused else.
std::optional<std::string> password_hash(std::string_view op, std::string& hash) {
  if (op[0] == '>' || op[0] == '<') {
    hash = acl_hash_password(op.substr(1));
    return std::nullopt;
  }
  if (!valid_hash(op.substr(1))) {
    return std::string(
        "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters");
  }
  hash = std::string(op.substr(1));
  return std::nullopt;
}

}  // namespace

std::uint32_t acl_category_flag(std::string_view name) {
  for (std::size_t i = 0; i < kAclCategoryNames.size(); ++i) {
    if (iequals(kAclCategoryNames[i], name)) return 1u << i;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// The command index

const AclCommands& AclCommands::instance() {
  static const AclCommands commands;
  return commands;
}

AclCommands::AclCommands() {
  const auto& specs = CommandTable::instance().all();
  entries_.reserve(specs.size() + 128);
  for (const CommandSpec& spec : specs) {
    Entry e;
    e.fullname = std::string(spec.name);
    const CommandFact* fact = find_fact(e.fullname);
    std::uint32_t cats = parse_categories(spec.acl_categories);
    if (cats == 0 && fact) cats = fact->categories;
    e.categories = implied_categories(spec.flags, cats);
    e.no_auth = fact && fact->no_auth;
    e.spec = &spec;
    by_name_.emplace(e.fullname, static_cast<int>(entries_.size()));
    entries_.push_back(std::move(e));
  }
  // Subcommands of the containers Kora serves, from Redis's facts.
  for (const CommandFact& f : kFacts) {
    std::string_view full = f.fullname;
    const std::size_t bar = full.find('|');
    if (bar == std::string_view::npos) continue;
    auto parent = by_name_.find(full.substr(0, bar));
    if (parent == by_name_.end() || entries_.size() >= kFutureBit) continue;
    Entry e;
    e.fullname = std::string(full);
    e.categories = f.categories;
    e.parent = parent->second;
    const int id = static_cast<int>(entries_.size());
    entries_[static_cast<std::size_t>(parent->second)].children.push_back(id);
    by_name_.emplace(e.fullname, id);
    entries_.push_back(std::move(e));
  }
  // A container's own categories are Redis's (its subcommands carry theirs).
  for (Entry& e : entries_) {
    if (e.children.empty()) continue;
    if (const CommandFact* fact = find_fact(e.fullname)) e.categories = fact->categories;
  }
}

int AclCommands::find(std::string_view fullname) const {
  const std::size_t bar = fullname.find('|');
  if (bar != std::string_view::npos && fullname.find('|', bar + 1) != std::string_view::npos) return -1;
  auto it = by_name_.find(lower(fullname));
  return it == by_name_.end() ? -1 : it->second;
}

int AclCommands::resolve(const CommandSpec& spec, std::span<const std::string_view> argv) const {
  const Entry& e = entries_[spec.id];
  if (e.children.empty() || argv.size() < 2) return static_cast<int>(spec.id);
  std::string full = e.fullname + "|" + lower(argv[1]);
  auto it = by_name_.find(full);
  return it == by_name_.end() ? static_cast<int>(spec.id) : it->second;
}

unsigned AclCommands::key_access(const CommandSpec& spec, std::span<const std::string_view> argv,
                                 std::uint32_t pos) const {
  // The two commands whose key access depends on their options (Redis's
  // VARIABLE_FLAGS key specs): SET reads only with GET; BITFIELD writes only
  // with SET / INCRBY (or a malformed list, assumed to write).
  if (spec.name == "set") {
    for (std::size_t i = 3; i < argv.size(); ++i) {
      if (iequals(argv[i], "get")) return kAclKeyRead | kAclKeyWrite;
    }
    return kAclKeyWrite;
  }
  if (spec.name == "bitfield") {
    for (std::size_t i = 2; i < argv.size(); ++i) {
      const std::size_t rem = argv.size() - i - 1;
      if (iequals(argv[i], "get") && rem >= 2) {
        i += 2;
      } else if (iequals(argv[i], "overflow") && rem >= 1) {
        i += 1;
      } else {
        return kAclKeyRead | kAclKeyWrite;  // SET / INCRBY, or a syntax error
      }
    }
    return kAclKeyRead;
  }
  // A subcommand's own key specs (MEMORY USAGE key), else the command's.
  const CommandFact* fact = find_fact(entries_[static_cast<std::size_t>(resolve(spec, argv))].fullname);
  if (fact && fact->nspecs > 0) {
    const int argc = static_cast<int>(argv.size());
    const int p = static_cast<int>(pos);
    for (int i = 0; i < fact->nspecs; ++i) {
      const KeySpecFact& k = fact->specs[i];
      if (k.begin < 0) continue;
      const int last = k.lastkey >= 0 ? k.begin + k.lastkey : argc + k.lastkey;
      if (p >= k.begin && p <= last && (p - k.begin) % std::max(1, k.step) == 0) {
        return static_cast<unsigned>(k.access);
      }
    }
    // A key found by keyword (SORT's STORE, GEORADIUS's STORE/STOREDIST,
    // XREAD's STREAMS): the last keyword spec, which is the destination's when
    // a command has several (SORT: BY/GET patterns, then STORE).
    for (int i = fact->nspecs - 1; i >= 0; --i) {
      if (fact->specs[i].begin < 0) return static_cast<unsigned>(fact->specs[i].access);
    }
  }
  // A command Redis does not have: its flags say how it touches its keys.
  if (spec.flags & kWrite) return kAclKeyWrite;
  if (spec.flags & kReadOnly) return kAclKeyRead;
  return kAclKeyRead | kAclKeyWrite;
}

// ---------------------------------------------------------------------------
// Selectors

namespace {

// Redis's ACLChangeSelectorPerm: a command's bit, its subcommands' bits, and no
// first-args for it any more.
void change_perm(AclSelector& s, int id, bool allow) {
  const auto& cmds = AclCommands::instance();
  s.allowed.set(static_cast<std::size_t>(id), allow);
  if (!allow) s.allcommands = false;
  s.firstargs.erase(id);
  for (int child : cmds.at(id).children) {
    s.allowed.set(static_cast<std::size_t>(child), allow);
  }
}

void change_category(AclSelector& s, std::uint32_t flag, bool allow) {
  const auto& cmds = AclCommands::instance();
  for (std::size_t id = 0; id < cmds.size(); ++id) {
    if (cmds.at(static_cast<int>(id)).categories & flag) change_perm(s, static_cast<int>(id), allow);
  }
}

void count_category(const AclSelector& s, std::uint32_t flag, unsigned long& on, unsigned long& off) {
  const auto& cmds = AclCommands::instance();
  on = off = 0;
  for (std::size_t id = 0; id < cmds.size(); ++id) {
    if (!(cmds.at(static_cast<int>(id)).categories & flag)) continue;
    if (s.allowed.test(id)) {
      ++on;
    } else {
      ++off;
    }
  }
}

std::string pattern_text(const AclKeyPattern& p) {
  if (p.flags == (kAclKeyRead | kAclKeyWrite)) return "~" + p.pattern;
  if (p.flags == kAclKeyRead) return "%R~" + p.pattern;
  return "%W~" + p.pattern;
}

// Single-command differences, in table order with each container's
// subcommands after it (Redis's ACLDescribeSelectorCommandRulesSingleCommands).
void describe_single(const AclSelector& s, AclSelector& fake, std::string& rules, int id) {
  const auto& cmds = AclCommands::instance();
  const auto& e = cmds.at(id);
  const bool userbit = s.allowed.test(static_cast<std::size_t>(id));
  const bool fakebit = fake.allowed.test(static_cast<std::size_t>(id));
  if (userbit != fakebit) {
    rules += userbit ? '+' : '-';
    rules += e.fullname;
    rules += ' ';
    change_perm(fake, id, userbit);
  }
  for (int child : e.children) describe_single(s, fake, rules, child);
  if (!userbit) {
    auto it = s.firstargs.find(id);
    if (it != s.firstargs.end()) {
      for (const std::string& arg : it->second) rules += "+" + e.fullname + "|" + arg + " ";
    }
  }
}

}  // namespace

std::optional<std::string> AclSelector::apply(std::string_view op) {
  const auto& cmds = AclCommands::instance();
  static const std::string kSyntax = "Syntax error";
  static const std::string kUnknown = "Unknown command or category name in ACL";
  if (iequals(op, "allkeys") || op == "~*") {
    allkeys = true;
    keys.clear();
  } else if (iequals(op, "resetkeys")) {
    allkeys = false;
    keys.clear();
  } else if (iequals(op, "allchannels") || op == "&*") {
    allchannels = true;
    channels.clear();
  } else if (iequals(op, "resetchannels")) {
    allchannels = false;
    channels.clear();
  } else if (iequals(op, "allcommands") || iequals(op, "+@all")) {
    allowed.set();
    allcommands = true;
    firstargs.clear();
  } else if (iequals(op, "nocommands") || iequals(op, "-@all")) {
    allowed.reset();
    allcommands = false;
    firstargs.clear();
  } else if (op[0] == '~' || op[0] == '%') {
    if (allkeys) {
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
             "have any effect. Try 'resetkeys' to start with an empty list of patterns";
    }
    unsigned flags = 0;
    std::size_t offset = 1;
    if (op[0] == '%') {
      for (; offset < op.size(); ++offset) {
        const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(op[offset])));
        if (c == 'R' && !(flags & kAclKeyRead)) {
          flags |= kAclKeyRead;
        } else if (c == 'W' && !(flags & kAclKeyWrite)) {
          flags |= kAclKeyWrite;
        } else if (op[offset] == '~') {
          ++offset;
          break;
        } else {
          return kSyntax;
        }
      }
    } else {
      flags = kAclKeyRead | kAclKeyWrite;
    }
    std::string_view pattern = op.substr(std::min(offset, op.size()));
    if (has_spaces(pattern)) return kSyntax;
    auto same = std::find_if(keys.begin(), keys.end(), [&](const AclKeyPattern& k) { return k.pattern == pattern; });
    if (same == keys.end()) {
      keys.push_back(AclKeyPattern{std::string(pattern), flags});
    } else {
      same->flags |= flags;
    }
    allkeys = false;
  } else if (op[0] == '&') {
    if (allchannels) {
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
             "not have any effect. Try 'resetchannels' to start with an empty list of channels";
    }
    std::string_view pattern = op.substr(1);
    if (has_spaces(pattern)) return kSyntax;
    if (std::find(channels.begin(), channels.end(), pattern) == channels.end()) {
      channels.emplace_back(pattern);
    }
    allchannels = false;
  } else if (op[0] == '+' && (op.size() < 2 || op[1] != '@')) {
    std::string_view name = op.substr(1);
    const std::size_t bar = name.rfind('|');
    if (bar == std::string_view::npos) {
      const int id = cmds.find(name);
      if (id < 0) return kUnknown;
      change_perm(*this, id, true);
    } else {
      const int id = cmds.find(name.substr(0, bar));
      if (id < 0) return kUnknown;
      if (cmds.at(id).parent >= 0) return "Allowing first-arg of a subcommand is not supported";
      std::string_view sub = name.substr(bar + 1);
      if (sub.empty()) return kSyntax;
      if (!cmds.at(id).children.empty()) {
        const int sub_id = cmds.find(name);
        if (sub_id < 0) return kUnknown;
        change_perm(*this, sub_id, true);
      } else {
        auto& list = firstargs[id];
        bool present = false;
        for (const std::string& a : list) present = present || iequals(a, sub);
        if (!present) list.emplace_back(sub);
      }
    }
  } else if (op[0] == '-' && (op.size() < 2 || op[1] != '@')) {
    const int id = cmds.find(op.substr(1));
    if (id < 0) return kUnknown;
    change_perm(*this, id, false);
  } else if ((op[0] == '+' || op[0] == '-') && op[1] == '@') {
    const std::uint32_t flag = acl_category_flag(op.substr(2));
    if (!flag) return kUnknown;
    change_category(*this, flag, op[0] == '+');
  } else {
    return kSyntax;
  }
  return std::nullopt;
}

std::string AclSelector::describe_commands() const {
  std::string rules;
  AclSelector fake;
  const bool additive = !allowed.test(kFutureBit);
  rules = additive ? "-@all " : "+@all ";
  (void)fake.apply(additive ? "-@all" : "+@all");
  // Fit categories first: each round applies the category with the fewest
  // differences (ties: the most in common) that has more in common than not.
  AclSelector temp;
  temp.allowed = allowed;
  std::array<bool, kAclCategoryNames.size()> applied{};
  for (;;) {
    int best = -1;
    unsigned long mindiff = INT_MAX, maxsame = 0;
    for (std::size_t j = 0; j < kAclCategoryNames.size(); ++j) {
      if (applied[j]) continue;
      unsigned long on, off;
      count_category(temp, 1u << j, on, off);
      const unsigned long diff = additive ? off : on;
      const unsigned long same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = static_cast<int>(j);
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best < 0) break;
    const std::string name(kAclCategoryNames[static_cast<std::size_t>(best)]);
    (void)fake.apply((additive ? "+@" : "-@") + name);
    (void)temp.apply((additive ? "-@" : "+@") + name);
    rules += (additive ? "+@" : "-@") + name + " ";
    applied[static_cast<std::size_t>(best)] = true;
  }
  const auto& cmds = AclCommands::instance();
  for (std::size_t id = 0; id < cmds.size(); ++id) {
    if (cmds.at(static_cast<int>(id)).parent < 0) describe_single(*this, fake, rules, static_cast<int>(id));
  }
  rules.pop_back();  // the last space
  return rules;
}

std::string AclSelector::describe_keys() const {
  if (allkeys) return "~*";
  std::string out;
  for (const AclKeyPattern& k : keys) {
    if (!out.empty()) out += ' ';
    out += pattern_text(k);
  }
  return out;
}

std::string AclSelector::describe_channels() const {
  if (allchannels) return "&*";
  std::string out;
  for (const std::string& c : channels) {
    if (!out.empty()) out += ' ';
    out += "&" + c;
  }
  return out;
}

std::string AclSelector::describe() const {
  std::string out;
  if (allkeys) {
    out += "~* ";
  } else {
    for (const AclKeyPattern& k : keys) out += pattern_text(k) + " ";
  }
  if (allchannels) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    for (const std::string& c : channels) out += "&" + c + " ";
  }
  out += describe_commands();
  return out;
}

// ---------------------------------------------------------------------------
// Users

std::string acl_hash_password(std::string_view password) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

AclUser::AclUser() {
  selectors.emplace_back();
  selectors[0].root = true;
}

bool AclUser::unrestricted() const {
  const AclSelector& r = selectors[0];
  return r.allcommands && r.allkeys && r.allchannels;
}

bool AclUser::password_matches(std::string_view password) const {
  const std::string hashed = acl_hash_password(password);
  bool match = false;
  for (const std::string& p : passwords) {
    // Every stored hash is compared in full, whatever matched before.
    match |= p.size() == hashed.size() && CRYPTO_memcmp(p.data(), hashed.data(), hashed.size()) == 0;
  }
  return match;
}

std::optional<std::string> AclUser::apply(std::string_view op) {
  if (op.empty()) return std::nullopt;
  if (iequals(op, "on")) {
    enabled = true;
  } else if (iequals(op, "off")) {
    enabled = false;
  } else if (iequals(op, "skip-sanitize-payload")) {
    skip_sanitize = true;
    sanitize = false;
  } else if (iequals(op, "sanitize-payload")) {
    skip_sanitize = false;
    sanitize = true;
  } else if (iequals(op, "nopass")) {
    nopass = true;
    passwords.clear();
  } else if (iequals(op, "resetpass")) {
    nopass = false;
    passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (auto why = password_hash(op, hash)) return why;
    if (std::find(passwords.begin(), passwords.end(), hash) == passwords.end()) passwords.push_back(hash);
    nopass = false;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (auto why = password_hash(op, hash)) return why;
    auto it = std::find(passwords.begin(), passwords.end(), hash);
    if (it == passwords.end()) return "The password you are trying to remove from the user does not exist";
    passwords.erase(it);
  } else if (op[0] == '(' && op.back() == ')') {
    AclSelector s;
    s.allchannels = AclRegistry::instance().pubsub_default_all.load();
    std::string_view inner = op.substr(1, op.size() - 2);
    std::size_t i = 0;
    while (i < inner.size()) {
      while (i < inner.size() && std::isspace(static_cast<unsigned char>(inner[i]))) ++i;
      std::size_t j = i;
      while (j < inner.size() && !std::isspace(static_cast<unsigned char>(inner[j]))) ++j;
      if (j > i) {
        if (auto err = s.apply(inner.substr(i, j - i))) return err;
      }
      i = j;
    }
    selectors.push_back(std::move(s));
  } else if (iequals(op, "clearselectors")) {
    selectors.resize(1);
  } else if (iequals(op, "reset")) {
    (void)apply("resetpass");
    (void)apply("resetkeys");
    (void)apply("resetchannels");
    if (AclRegistry::instance().pubsub_default_all.load()) (void)apply("allchannels");
    (void)apply("off");
    (void)apply("sanitize-payload");
    (void)apply("clearselectors");
    (void)apply("-@all");
  } else {
    return selectors[0].apply(op);
  }
  return std::nullopt;
}

std::string AclUser::describe() const {
  std::string out;
  if (enabled) {
    out += "on ";
  } else {
    out += "off ";
  }
  if (nopass) out += "nopass ";
  if (skip_sanitize) out += "skip-sanitize-payload ";
  if (sanitize) out += "sanitize-payload ";
  for (const std::string& p : passwords) out += "#" + p + " ";
  for (const AclSelector& s : selectors) {
    if (s.root) {
      out += s.describe();
    } else {
      out += " (" + s.describe() + ")";
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Checks

namespace {

AclResult check_channels_in(const AclSelector& s, std::string_view name,
                            std::span<const std::string_view> argv, std::size_t& argpos) {
  if (s.allchannels) return AclResult::kOk;
  std::size_t first = 1, last = 0;
  bool pattern = false;
  if (name == "publish" || name == "spublish") {
    last = argv.size() > 1 ? 1 : 0;
  } else if (name == "subscribe" || name == "ssubscribe") {
    last = argv.size() - 1;
  } else if (name == "psubscribe") {
    last = argv.size() - 1;
    pattern = true;
  } else {
    return AclResult::kOk;
  }
  for (std::size_t i = first; i <= last && i < argv.size(); ++i) {
    bool ok = false;
    for (const std::string& p : s.channels) {
      if (pattern ? p == argv[i] : core::glob_match(p, argv[i])) {
        ok = true;
        break;
      }
    }
    if (!ok) {
      argpos = i;
      return AclResult::kDeniedChannel;
    }
  }
  return AclResult::kOk;
}

AclResult check_selector(const AclSelector& s, const CommandSpec& spec, int id,
                         std::span<const std::string_view> argv, std::size_t& argpos,
                         std::vector<std::uint32_t>& keys, bool& keys_found) {
  const auto& cmds = AclCommands::instance();
  const auto& entry = cmds.at(id);
  const bool no_auth = cmds.at(static_cast<int>(spec.id)).no_auth;
  if (!s.allcommands && !no_auth && !s.allowed.test(static_cast<std::size_t>(id))) {
    auto it = s.firstargs.find(id);
    const std::size_t idx = entry.parent >= 0 ? 2 : 1;
    if (it == s.firstargs.end() || argv.size() <= idx) return AclResult::kDeniedCmd;
    bool ok = false;
    for (const std::string& a : it->second) ok = ok || iequals(a, argv[idx]);
    if (!ok) return AclResult::kDeniedCmd;
  }
  if (!s.allkeys) {
    if (!keys_found) {
      CommandTable::key_positions(spec, argv, keys);
      keys_found = true;
    }
    for (std::uint32_t pos : keys) {
      if (pos >= argv.size()) continue;
      const unsigned need = cmds.key_access(spec, argv, pos);
      bool ok = false;
      for (const AclKeyPattern& k : s.keys) {
        if ((k.flags & need) != need) continue;
        if (core::glob_match(k.pattern, argv[pos])) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        argpos = pos;
        return AclResult::kDeniedKey;
      }
    }
  }
  return check_channels_in(s, spec.name, argv, argpos);
}

}  // namespace

AclVerdict acl_check_command(const AclUser& user, const CommandSpec& spec,
                             std::span<const std::string_view> argv) {
  AclVerdict v;
  v.command = AclCommands::instance().resolve(spec, argv);
  AclResult relevant = AclResult::kDeniedCmd;
  std::size_t last_idx = 0;
  std::vector<std::uint32_t> keys;
  bool keys_found = false;
  for (const AclSelector& s : user.selectors) {
    std::size_t idx = 0;
    const AclResult r = check_selector(s, spec, v.command, argv, idx, keys, keys_found);
    if (r == AclResult::kOk) return v;
    if (r > relevant || (r == relevant && idx > last_idx)) {
      relevant = r;
      last_idx = idx;
    }
  }
  v.result = relevant;
  v.argpos = last_idx;
  return v;
}

bool acl_full_read_access(const AclUser& user, const CommandSpec& spec,
                          std::span<const std::string_view> argv) {
  const int id = AclCommands::instance().resolve(spec, argv);
  std::vector<std::uint32_t> keys;
  bool keys_found = false;
  for (const AclSelector& s : user.selectors) {
    std::size_t idx = 0;
    if (check_selector(s, spec, id, argv, idx, keys, keys_found) != AclResult::kOk) continue;
    if (s.allkeys) return true;
    for (const AclKeyPattern& k : s.keys) {
      if ((k.flags & kAclKeyRead) && k.pattern == "*") return true;
    }
  }
  return false;
}

AclVerdict acl_check_channels(const AclUser& user, std::string_view spec_name,
                              std::span<const std::string_view> argv) {
  AclVerdict v;
  std::size_t last_idx = 0;
  for (const AclSelector& s : user.selectors) {
    std::size_t idx = 0;
    if (check_channels_in(s, spec_name, argv, idx) == AclResult::kOk) return v;
    last_idx = std::max(last_idx, idx);
  }
  v.result = AclResult::kDeniedChannel;
  v.argpos = last_idx;
  return v;
}

}  // namespace kora::server
