// The settings of pub/sub: notify-keyspace-events (Redis's flag letters) and
// client-output-buffer-limit (<class> <hard> <soft> <soft seconds>, repeated),
// as CONFIG GET/SET custom parameters (config.h) with Redis 7.0's texts.
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <climits>
#include <cstdint>
#include <variant>
#include <vector>

#include "args.h"
#include "config.h"
#include "pubsub_service.h"

namespace kora::server {
namespace {

std::string notify_get() { return keyspace_events_text(keyspace_event_flags().load(std::memory_order_relaxed)); }

std::optional<std::string> notify_check(std::string_view text) {
  if (!parse_keyspace_events(text)) return std::string("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  return std::nullopt;
}

void notify_apply(std::string_view text) {
  keyspace_event_flags().store(*parse_keyspace_events(text), std::memory_order_relaxed);
}

// Redis's memtoull: digits with an optional b/k/kb/m/mb/g/gb suffix (any case).
std::optional<std::uint64_t> parse_memory(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0) return std::nullopt;
  std::string unit;
  for (char c : s.substr(i)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::uint64_t mul;
  if (unit.empty() || unit == "b") mul = 1;
  else if (unit == "k") mul = 1000;
  else if (unit == "kb") mul = 1024;
  else if (unit == "m") mul = 1000 * 1000;
  else if (unit == "mb") mul = 1024 * 1024;
  else if (unit == "g") mul = 1000ull * 1000 * 1000;
  else if (unit == "gb") mul = 1024ull * 1024 * 1024;
  else return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s.substr(0, i)) {
    if (v > (UINT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v * mul;
}

std::optional<ClientClass> class_of(std::string_view name) {
  if (iequals(name, "normal")) return ClientClass::kNormal;
  if (iequals(name, "slave") || iequals(name, "replica")) return ClientClass::kSlave;
  if (iequals(name, "pubsub")) return ClientClass::kPubSub;
  return std::nullopt;  // "master" is refused too, as Redis does
}

struct LimitUpdate {
  ClientClass cls = ClientClass::kNormal;
  std::uint64_t hard = 0, soft = 0;
  std::int64_t seconds = 0;
};

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

// The updates `text` asks for, or Redis's reason for refusing it.
std::variant<std::vector<LimitUpdate>, std::string> parse_limits(std::string_view text) {
  std::vector<std::string_view> args = split_spaces(text);
  if (args.size() % 4 != 0) return std::string("Wrong number of arguments in buffer limit configuration.");
  std::vector<LimitUpdate> out;
  for (std::size_t j = 0; j < args.size(); j += 4) {
    auto cls = class_of(args[j]);
    if (!cls) return std::string("Invalid client class specified in buffer limit configuration.");
    auto hard = parse_memory(args[j + 1]);
    auto soft = parse_memory(args[j + 2]);
    // As Redis: strtoll (saturating) stored into an int, then checked for < 0.
    std::string digits(args[j + 3]);
    char* end = nullptr;
    errno = 0;
    const long long parsed = std::strtoll(digits.c_str(), &end, 10);
    const auto secs = static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<unsigned long long>(parsed)));
    if (!hard || !soft || secs < 0 || *end != '\0') {
      return std::string("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    }
    out.push_back(LimitUpdate{*cls, *hard, *soft, secs});
  }
  return out;
}

std::string limits_get() {
  std::string out;
  constexpr std::pair<ClientClass, std::string_view> kClasses[] = {
      {ClientClass::kNormal, "normal"}, {ClientClass::kSlave, "slave"}, {ClientClass::kPubSub, "pubsub"}};
  for (auto [cls, name] : kClasses) {
    const OutputBufferLimit& l = output_buffer_limit(cls);
    if (!out.empty()) out += ' ';
    out.append(name);
    out += ' ' + std::to_string(l.hard.load(std::memory_order_relaxed));
    out += ' ' + std::to_string(l.soft.load(std::memory_order_relaxed));
    out += ' ' + std::to_string(l.soft_seconds.load(std::memory_order_relaxed));
  }
  return out;
}

std::optional<std::string> limits_check(std::string_view text) {
  auto parsed = parse_limits(text);
  if (auto* why = std::get_if<std::string>(&parsed)) return *why;
  return std::nullopt;
}

void limits_apply(std::string_view text) {
  auto parsed = parse_limits(text);
  for (const LimitUpdate& u : std::get<std::vector<LimitUpdate>>(parsed)) {
    OutputBufferLimit& l = output_buffer_limit(u.cls);
    l.hard.store(u.hard, std::memory_order_relaxed);
    l.soft.store(u.soft, std::memory_order_relaxed);
    l.soft_seconds.store(u.seconds, std::memory_order_relaxed);
  }
}

}  // namespace

const CustomConfig kNotifyKeyspaceEventsConfig{notify_get, notify_check, notify_apply};
const CustomConfig kClientOutputBufferLimitConfig{limits_get, limits_check, limits_apply};

}  // namespace kora::server

#include "kora/server/pubsub_settings.h"

namespace kora::server {

std::optional<std::string> set_notify_keyspace_events(std::string_view letters) {
  if (auto why = kNotifyKeyspaceEventsConfig.check(letters)) return why;
  kNotifyKeyspaceEventsConfig.apply(letters);
  return std::nullopt;
}

std::optional<std::string> set_client_output_buffer_limit(std::string_view text) {
  if (auto why = kClientOutputBufferLimitConfig.check(text)) return why;
  kClientOutputBufferLimitConfig.apply(text);
  return std::nullopt;
}

}  // namespace kora::server
