#include "kora/core/change_feed.h"

#include <algorithm>

namespace kora::core {

ChangeFeed::~ChangeFeed() {
  if (!consumers_.empty()) hub_.remove(this);
}

void ChangeFeed::subscribe(ChangeConsumer* c) {
  if (consumers_.empty()) hub_.add(this);
  consumers_.push_back(c);
}

void ChangeFeed::unsubscribe(ChangeConsumer* c) {
  auto it = std::find(consumers_.begin(), consumers_.end(), c);
  if (it == consumers_.end()) return;
  consumers_.erase(it);
  if (consumers_.empty()) hub_.remove(this);
}

void ChangeFeed::deliver(Change& c) {
  c.seq = ++seq_;
  for (ChangeConsumer* consumer : consumers_) consumer->on_change(shard_, c);
}

void ChangeFeed::publish(int db, std::vector<std::string> argv) {
  if (txid_ != 0) {
    held_.push_back(Change{0, txid_, false, db, std::move(argv)});
    return;
  }
  Change c{0, 0, false, db, std::move(argv)};
  deliver(c);
}

void ChangeFeed::begin_tx(std::uint64_t txid) {
  txid_ = txid;
  held_.clear();
}

void ChangeFeed::end_tx() {
  txid_ = 0;
  if (!held_.empty()) held_.back().tx_end = true;
  std::vector<Change> changes = std::move(held_);
  held_.clear();
  for (Change& c : changes) deliver(c);
}

void ChangeFeed::on_key_event(int db, KeyEvent event, std::string_view key) {
  if (event == KeyEvent::kExpired || event == KeyEvent::kEvicted) {
    if (consumers_.empty()) return;
    publish(db, {"DEL", std::string(key)});
    return;
  }
  if (!capturing_) return;
  for (const auto& [d, k] : captured_) {
    if (d == db && k == key) return;
  }
  captured_.emplace_back(db, std::string(key));
}

}  // namespace kora::core
