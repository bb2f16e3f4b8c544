#include "kora/core/db.h"

#include <vector>

#include "kora/core/hash.h"

namespace kora::core {

EncodingLimits& EncodingLimits::instance() {
  static EncodingLimits limits;
  return limits;
}

std::string_view type_name(ValueType t) {
  switch (t) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    case ValueType::kHash: return "hash";
  }
  return "none";
}

std::size_t Db::Hash::operator()(std::string_view s) const { return hash_bytes(s); }

EntryRef Db::find(std::string_view key, std::int64_t now_ms) {
  auto it = table_.find(key);
  if (it == table_.end()) return {};
  Entry& e = it->second;
  if (e.expire_at_ms_ != 0 && e.expire_at_ms_ <= now_ms) {
    expires_.erase(std::string_view(it->first));
    table_.erase(it);
    return {};
  }
  return {it->first, &e};
}

EntryRef Db::find_or_create(std::string_view key, std::int64_t now_ms, bool* created) {
  auto [it, inserted] = table_.try_emplace(std::string(key));
  Entry& e = it->second;
  if (!inserted && e.expire_at_ms_ != 0 && e.expire_at_ms_ <= now_ms) {
    expires_.erase(std::string_view(it->first));
    e = Entry{};
    inserted = true;
  }
  if (created) *created = inserted;
  return {it->first, &e};
}

bool Db::erase(std::string_view key) {
  auto it = table_.find(key);
  if (it == table_.end()) return false;
  if (it->second.expire_at_ms_ != 0) expires_.erase(std::string_view(it->first));
  table_.erase(it);
  return true;
}

void Db::set_expire(EntryRef ref, std::int64_t at_ms) {
  if (at_ms == 0) {
    if (ref->expire_at_ms_ != 0) expires_.erase(ref.key);
  } else if (ref->expire_at_ms_ == 0) {
    expires_.insert(ref.key);
  }
  ref->expire_at_ms_ = at_ms;
}

void Db::set_string(EntryRef ref, std::string_view value) {
  ref->obj_.reset();
  ref->type_ = ValueType::kString;
  ref->str_.assign(value);
}

void Db::append_string(EntryRef ref, std::string_view suffix) { ref->str_.append(suffix); }

void Db::set_object(EntryRef ref, std::unique_ptr<Object> obj) {
  ref->type_ = obj->type();
  ref->obj_ = std::move(obj);
  std::string().swap(ref->str_);
}

bool Db::erase_if_empty(std::string_view key) {
  auto it = table_.find(key);
  if (it == table_.end() || !it->second.obj_ || it->second.obj_->size() != 0) return false;
  return erase(key);
}

void Db::clear() {
  expires_.clear();
  table_.clear();
  sweep_bucket_ = 0;
}

std::size_t Db::sweep_expired(std::int64_t now_ms, std::size_t budget) {
  if (expires_.empty()) return 0;
  std::vector<std::string_view> dead;
  std::size_t buckets = expires_.bucket_count();
  std::size_t examined = 0;
  for (std::size_t n = 0; n < buckets && examined < budget; ++n) {
    if (sweep_bucket_ >= buckets) sweep_bucket_ = 0;
    for (auto it = expires_.begin(sweep_bucket_); it != expires_.end(sweep_bucket_); ++it) {
      ++examined;
      auto entry = table_.find(*it);
      if (entry != table_.end() && entry->second.expire_at_ms_ <= now_ms) dead.push_back(*it);
    }
    ++sweep_bucket_;
  }
  for (std::string_view key : dead) erase(key);
  return dead.size();
}

void Db::for_each(std::int64_t now_ms,
                  const std::function<void(std::string_view, const Entry&)>& fn) const {
  for (const auto& [key, entry] : table_) {
    if (entry.expire_at_ms_ != 0 && entry.expire_at_ms_ <= now_ms) continue;
    fn(key, entry);
  }
}

}  // namespace kora::core
