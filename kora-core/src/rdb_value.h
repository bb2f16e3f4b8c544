#pragma once
// Private pieces shared by the RDB value codec (rdb_value.cc, rdb_load.cc) and
// the file codec (rdb_file.cc): Redis 7.0's object type numbers (rdb.h) and the
// value loader over an Input.

#include <cstdint>
#include <optional>
#include <string>

#include "kora/core/dump.h"
#include "rdb_codec.h"

namespace kora::core::rdb {

inline constexpr std::uint8_t kTypeString = 0, kTypeList = 1, kTypeSet = 2, kTypeZSet = 3, kTypeHash = 4,
                              kTypeZSet2 = 5, kTypeModule = 6, kTypeModule2 = 7, kTypeHashZipmap = 9,
                              kTypeListZiplist = 10, kTypeSetIntset = 11, kTypeZSetZiplist = 12,
                              kTypeHashZiplist = 13, kTypeListQuicklist = 14, kTypeStreamListpacks = 15,
                              kTypeHashListpack = 16, kTypeZSetListpack = 17, kTypeListQuicklist2 = 18,
                              kTypeStreamListpacks2 = 19, kTypeSetListpack = 20;

inline bool is_object_type(std::uint8_t t) { return t <= kTypeSetListpack && t != 8; }

// The outcome of loading one value.
enum class LoadStatus : unsigned char { kOk, kEmpty, kBad };

// Loads a value of object type `type` from `in`. kEmpty: a well-formed empty
// aggregate (Redis skips such keys); kBad: malformed (the reason in *why).
LoadStatus load_value(std::uint8_t type, Input& in, RestoredValue& out, std::string* why);

// Kora's module type for a MODULE_2 module id, if it is one of Kora's.
std::optional<ValueType> module_type_for_id(std::uint64_t id);
// The 9-character module name a module id encodes.
std::string module_name_of(std::uint64_t id);

}  // namespace kora::core::rdb
