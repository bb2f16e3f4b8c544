#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_map>

#include "kora/core/ascii.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {
// Name -> row index; built once, read-only afterwards.
std::unordered_map<std::string, std::size_t>& index() {
  static std::unordered_map<std::string, std::size_t> map;
  return map;
}
}  // namespace

const CommandTable& CommandTable::instance() {
  static const CommandTable table;
  return table;
}

CommandTable::CommandTable() {
  add(string_commands());
  add(key_commands());
  add(server_commands());
  add(list_commands());
  add(hash_commands());
  add(set_commands());
  add(script_commands());
  add(persistence_commands());
  add(config_commands());
  add(transaction_commands());
  add(blocking_commands());
  add(stats_commands());
  add(zset_commands());
  add(zset_range_commands());
  add(zset_blocking_commands());
  add(hll_commands());
  add(memory_commands());
  add(admin_commands());
  add(bitmap_commands());
  add(geo_commands());
  add(sort_commands());
  add(stream_commands());
  add(stream_group_commands());
  add(stream_info_commands());
  add(debug_commands());
  add(info_commands());
  add(pubsub_commands());
  add(acl_commands());
  add(client_commands());
  std::sort(specs_.begin(), specs_.end(),
            [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    specs_[i].id = i;
    if (redis_denyoom(specs_[i].name)) specs_[i].flags |= kDenyOom;
    index().emplace(std::string(specs_[i].name), i);
  }
}

void CommandTable::add(std::span<const CommandSpec> specs) {
  specs_.insert(specs_.end(), specs.begin(), specs.end());
}

const CommandSpec* CommandTable::find(std::string_view name) const {
  char lower[32];
  if (name.size() >= sizeof lower) return nullptr;
  for (std::size_t i = 0; i < name.size(); ++i) {
    lower[i] = core::ascii_lower(name[i]);  // no locale call per command
  }
  auto& map = index();
  auto it = map.find(std::string(lower, name.size()));
  return it == map.end() ? nullptr : &specs_[it->second];
}

}  // namespace kora::server
