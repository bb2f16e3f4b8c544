#pragma once
// The open type registry: every value type — the built-in ones and those of
// modules to come (documents, vectors) — registers its TYPE name and its
// DUMP/snapshot serializer and loader here, so that a new type plugs in without
// editing switches across kora-core. Together with its Object subclass's
// virtuals (encoding() for OBJECT ENCODING, size(), clone() for COPY and
// cross-shard RENAME, memory_usage() for MEMORY USAGE) this is the whole of a
// type's contract with the keyspace.
//
// Ids: a record keeps its type in 4 bits, so there are 16. The built-in types
// take 0..5 (ValueType's named values, Redis's order; 5 is the stream), 6..7
// are reserved for the rest of Redis's data model, and modules get 8..15 from
// allocate().
//
// Thread-safety: register types before the engine serves them (a module does it
// when it starts); lookups are then lock-free reads of an immutable slot.

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "kora/core/object.h"

namespace kora::core {

struct TypeInfo {
  ValueType type;
  std::string_view name;  // what TYPE and SCAN ... TYPE call it
  // Appends the serialized body of `value` (an Object of this type). DUMP
  // payloads and snapshots carry a module type's body inside an RDB
  // MODULE_2 record (kora/core/rdb.h); the built-in types are written in
  // Redis's own encodings by rdb.h, and their entries here serve Kora-internal
  // round trips only.
  void (*serialize)(const Object& value, std::string& out) = nullptr;
  // Builds a value from a body written by serialize; nullptr when the body is
  // malformed (it may come from an untrusted RESTORE payload).
  std::unique_ptr<Object> (*deserialize)(std::string_view body) = nullptr;
};

class TypeRegistry {
 public:
  static constexpr unsigned kSlots = 16;
  static constexpr unsigned kFirstModuleType = 8;

  static TypeRegistry& instance();

  // Registers `info` under info.type; false when that id is taken or out of
  // range. The strings `info` points to must live for the process.
  bool add(const TypeInfo& info);
  // A free id for a module's type (>= kFirstModuleType), or nullopt when all are taken.
  std::optional<ValueType> allocate();

  const TypeInfo* find(ValueType t) const {
    const auto i = static_cast<unsigned>(t);
    return i < kSlots && used_[i].load(std::memory_order_acquire) ? &slots_[i] : nullptr;
  }
  const TypeInfo* find(std::string_view name) const;

 private:
  TypeRegistry();
  std::array<TypeInfo, kSlots> slots_{};
  std::array<std::atomic<bool>, kSlots> used_{};
  std::mutex mu_;  // serializes add()
};

}  // namespace kora::core
