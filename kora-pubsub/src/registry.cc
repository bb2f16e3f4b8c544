#include "kora/pubsub/registry.h"

#include <algorithm>
#include <utility>

#include "kora/core/hash.h"

namespace kora::pubsub {
namespace detail {

std::size_t NameHash::operator()(std::string_view s) const {
  return static_cast<std::size_t>(core::hash_bytes(s));
}

std::size_t Audience::find(SubscriberId sub) const {
  if (!position_.empty()) {
    auto it = position_.find(sub);
    return it == position_.end() ? members_.size() : it->second;
  }
  auto it = std::find(members_.begin(), members_.end(), sub);
  return static_cast<std::size_t>(it - members_.begin());
}

bool Audience::add(SubscriberId sub) {
  if (find(sub) != members_.size()) return false;
  members_.push_back(sub);
  if (!position_.empty()) {
    position_.emplace(sub, members_.size() - 1);
  } else if (members_.size() >= kIndexThreshold) {
    position_.reserve(members_.size() * 2);
    for (std::size_t i = 0; i < members_.size(); ++i) position_.emplace(members_[i], i);
  }
  return true;
}

bool Audience::remove(SubscriberId sub) {
  std::size_t at = find(sub);
  if (at == members_.size()) return false;
  SubscriberId moved = members_.back();
  members_[at] = moved;
  members_.pop_back();
  if (!position_.empty()) {
    position_.erase(sub);
    if (moved != sub) position_[moved] = at;
    // Hysteresis: drop the index only well below the threshold, so a channel
    // hovering around it does not rebuild the index on every call.
    if (members_.size() < kIndexThreshold / 2) position_ = {};
  }
  return true;
}

}  // namespace detail

template <typename Map>
bool SubscriptionRegistry::add(Map& map, std::set<std::string, std::less<>> Subscriptions::*mine,
                               SubscriberId sub, std::string_view name) {
  Subscriptions& subs = subscribers_[sub];
  auto [where, inserted] = (subs.*mine).emplace(name);
  if (!inserted) return false;
  auto it = map.find(name);
  if (it == map.end()) it = map.try_emplace(*where).first;
  it->second.add(sub);
  return true;
}

template <typename Map>
bool SubscriptionRegistry::drop(Map& map, std::set<std::string, std::less<>> Subscriptions::*mine,
                                SubscriberId sub, std::string_view name) {
  auto s = subscribers_.find(sub);
  if (s == subscribers_.end()) return false;
  auto& names = s->second.*mine;
  auto n = names.find(name);
  if (n == names.end()) return false;
  names.erase(n);
  if (auto it = map.find(name); it != map.end()) {
    it->second.remove(sub);
    if (it->second.empty()) map.erase(it);
  }
  forget_if_idle(sub);
  return true;
}

template <typename Map>
std::vector<std::string> SubscriptionRegistry::drop_all(
    Map& map, std::set<std::string, std::less<>> Subscriptions::*mine, SubscriberId sub) {
  std::vector<std::string> removed;
  auto s = subscribers_.find(sub);
  if (s == subscribers_.end()) return removed;
  auto& names = s->second.*mine;
  removed.reserve(names.size());
  while (!names.empty()) {  // std::set iterates in sorted order
    auto node = names.extract(names.begin());
    if (auto it = map.find(node.value()); it != map.end()) {
      it->second.remove(sub);
      if (it->second.empty()) map.erase(it);
    }
    removed.push_back(std::move(node.value()));
  }
  forget_if_idle(sub);
  return removed;
}

void SubscriptionRegistry::forget_if_idle(SubscriberId sub) {
  auto s = subscribers_.find(sub);
  if (s != subscribers_.end() && s->second.channels.empty() && s->second.patterns.empty()) {
    subscribers_.erase(s);
  }
}

bool SubscriptionRegistry::subscribe(SubscriberId sub, std::string_view channel) {
  return add(channels_, &Subscriptions::channels, sub, channel);
}

bool SubscriptionRegistry::unsubscribe(SubscriberId sub, std::string_view channel) {
  return drop(channels_, &Subscriptions::channels, sub, channel);
}

bool SubscriptionRegistry::psubscribe(SubscriberId sub, std::string_view pattern) {
  return add(patterns_, &Subscriptions::patterns, sub, pattern);
}

bool SubscriptionRegistry::punsubscribe(SubscriberId sub, std::string_view pattern) {
  return drop(patterns_, &Subscriptions::patterns, sub, pattern);
}

std::vector<std::string> SubscriptionRegistry::unsubscribe_all(SubscriberId sub) {
  return drop_all(channels_, &Subscriptions::channels, sub);
}

std::vector<std::string> SubscriptionRegistry::punsubscribe_all(SubscriberId sub) {
  return drop_all(patterns_, &Subscriptions::patterns, sub);
}

SubscriptionRegistry::Removed SubscriptionRegistry::remove_subscriber(SubscriberId sub) {
  Removed removed;
  removed.channels = unsubscribe_all(sub);
  removed.patterns = punsubscribe_all(sub);
  return removed;
}

std::size_t SubscriptionRegistry::subscription_count(SubscriberId sub) const {
  auto s = subscribers_.find(sub);
  if (s == subscribers_.end()) return 0;
  return s->second.channels.size() + s->second.patterns.size();
}

std::size_t SubscriptionRegistry::numsub(std::string_view channel) const {
  auto it = channels_.find(channel);
  return it == channels_.end() ? 0 : it->second.size();
}

std::vector<std::string> SubscriptionRegistry::channels() const {
  std::vector<std::string> out;
  out.reserve(channels_.size());
  for (const auto& [name, audience] : channels_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> SubscriptionRegistry::channels(std::string_view pattern) const {
  std::vector<std::string> out;
  for (const auto& [name, audience] : channels_) {
    if (core::glob_match(pattern, name)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kora::pubsub
