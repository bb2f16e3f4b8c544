#include "kora/cdc/change_ring.h"

#include <algorithm>

namespace kora::cdc {
namespace {

// Slots reuse their buffers, but a slot that once held a huge value should not pin
// that memory for ever once it holds small ones.
constexpr std::size_t kShrinkAboveBytes = std::size_t{64} * 1024;

void assign_bounded(std::string& dst, std::string_view src) {
  if (dst.capacity() > kShrinkAboveBytes && src.size() < dst.capacity() / 4) {
    dst = std::string(src);
  } else {
    dst.assign(src);
  }
}

}  // namespace

std::string_view op_name(Op op) {
  switch (op) {
    case Op::kSet:
      return "set";
    case Op::kDel:
      return "del";
    case Op::kExpire:
      return "expire";
    case Op::kPersist:
      return "persist";
    case Op::kExpired:
      return "expired";
    case Op::kEvicted:
      return "evicted";
    case Op::kFlush:
      return "flush";
  }
  return "unknown";
}

ChangeRing::ChangeRing(std::size_t capacity) : slots_(std::max<std::size_t>(capacity, 1)) {}

std::uint64_t ChangeRing::append(Op op, std::string_view key, std::string_view value,
                                 std::int64_t timestamp_ms) {
  const std::uint64_t seq = next_seq_++;
  auto& slot = slots_[static_cast<std::size_t>((seq - 1) % slots_.size())];
  if (size_ == slots_.size()) {
    payload_bytes_ -= slot.key.size() + slot.value.size();  // overwriting the oldest
  } else {
    ++size_;
  }
  slot.seq = seq;
  slot.timestamp_ms = timestamp_ms;
  slot.op = op;
  assign_bounded(slot.key, key);
  assign_bounded(slot.value, value);
  payload_bytes_ += key.size() + value.size();
  return seq;
}

ChangeBatch ChangeRing::read(std::uint64_t from_seq, std::size_t max) const {
  ChangeBatch batch;
  const std::uint64_t oldest = first_seq();
  const std::uint64_t from = std::max<std::uint64_t>(from_seq, 1);
  batch.oldest_seq = oldest;
  batch.gap = from < oldest;
  const std::uint64_t start = std::max(from, oldest);
  const std::uint64_t available = start <= last_seq() ? last_seq() - start + 1 : 0;
  const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(available, max));
  batch.events.reserve(count);
  for (std::size_t i = 0; i < count; ++i) batch.events.push_back(slot_for(start + i));
  batch.next_seq = start + count;
  return batch;
}

}  // namespace kora::cdc
