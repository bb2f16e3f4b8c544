#include "kora/doc/document.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <limits>
#include <utility>
#include <vector>

namespace kora::doc {
namespace {

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseFullPrecisionFlag;

core::Error doc_error(std::string message) {
  return core::Error{core::Errc::kSyntax, std::move(message)};
}

// Depth of the deepest array/object in `root` (root object = 1), without recursion;
// stops counting once `limit` is exceeded.
std::size_t depth_of(const rapidjson::Value& root, std::size_t limit) {
  std::vector<std::pair<const rapidjson::Value*, std::size_t>> stack{{&root, 1}};
  std::size_t deepest = 0;
  while (!stack.empty()) {
    auto [v, depth] = stack.back();
    stack.pop_back();
    if (depth > deepest) deepest = depth;
    if (deepest > limit) break;
    if (v->IsObject()) {
      for (const auto& m : v->GetObject()) {
        if (m.value.IsObject() || m.value.IsArray()) stack.emplace_back(&m.value, depth + 1);
      }
    } else {
      for (const auto& e : v->GetArray()) {
        if (e.IsObject() || e.IsArray()) stack.emplace_back(&e, depth + 1);
      }
    }
  }
  return deepest;
}

// A non-owning RapidJSON name for FindMember; false when `s` is too long to be one.
bool as_name(std::string_view s, rapidjson::Value& out) {
  if (s.size() > std::numeric_limits<rapidjson::SizeType>::max()) return false;
  out.SetString(rapidjson::StringRef(s.data(), static_cast<rapidjson::SizeType>(s.size())));
  return true;
}

// Member `name` of object `obj`, or nullptr. The lookup goes through a const view:
// comparing RapidJSON 1.1's mutable member iterators is ambiguous in C++20
// (clang's -Wambiguous-reversed-operator).
rapidjson::Value* find_member(rapidjson::Value& obj, const rapidjson::Value& name) {
  const rapidjson::Value& view = obj;
  auto it = view.FindMember(name);
  if (it == view.MemberEnd()) return nullptr;
  return const_cast<rapidjson::Value*>(&it->value);  // `obj` is mutable, so is its member
}

// Calls fn(segment, is_last) for each '.'-separated segment; stops (returning
// false) at an empty segment or when fn returns false.
template <typename Fn>
bool for_each_segment(std::string_view path, Fn&& fn) {
  if (path.empty()) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    bool last = dot == std::string_view::npos;
    std::string_view seg = path.substr(start, last ? std::string_view::npos : dot - start);
    if (seg.empty() || !fn(seg, last)) return false;
    if (last) return true;
    start = dot + 1;
  }
}

}  // namespace

core::Result<rapidjson::Document> parse_document(std::string_view json) {
  // RapidJSON reads a NUL byte as end of input, so "{}\0junk" would pass; no valid
  // JSON text contains a raw NUL, so refuse it up front.
  if (std::size_t nul = json.find('\0'); nul != std::string_view::npos) {
    return doc_error("ERR invalid JSON at offset " + std::to_string(nul) + ": NUL byte.");
  }
  rapidjson::Document doc;
  doc.Parse<kParseFlags>(json.data(), json.size());
  if (doc.HasParseError()) {
    return doc_error("ERR invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                     rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return doc_error("ERR document must be a JSON object");
  if (depth_of(doc, kMaxDocumentDepth) > kMaxDocumentDepth) {
    return doc_error("ERR document nested deeper than " + std::to_string(kMaxDocumentDepth) +
                     " levels");
  }
  return doc;
}

const rapidjson::Value* lookup(const rapidjson::Value& doc, std::string_view dotted_path) {
  const rapidjson::Value* cur = &doc;
  rapidjson::Value name;
  bool found = for_each_segment(dotted_path, [&](std::string_view seg, bool) {
    if (!cur->IsObject() || !as_name(seg, name)) return false;
    auto it = cur->FindMember(name);
    if (it == cur->MemberEnd()) return false;
    cur = &it->value;
    return true;
  });
  return found ? cur : nullptr;
}

std::string project(const rapidjson::Value& doc, std::span<const std::string> fields) {
  rapidjson::Document out(rapidjson::kObjectType);
  auto& alloc = out.GetAllocator();
  rapidjson::Value name;
  for (const std::string& path : fields) {
    const rapidjson::Value* src = lookup(doc, path);
    if (src == nullptr) continue;
    // Walk/create the same path in `out`. Every node already in `out` mirrors an
    // object of `doc` on this path (src resolved through it), so it is an object.
    rapidjson::Value* node = &out;
    for_each_segment(path, [&](std::string_view seg, bool last) {
      if (!node->IsObject() || !as_name(seg, name)) return false;
      rapidjson::Value* child = find_member(*node, name);
      if (child != nullptr && !last) {
        node = child;
        return true;
      }
      rapidjson::Value fresh;
      if (last) {
        fresh.CopyFrom(*src, alloc);
      } else {
        fresh.SetObject();
      }
      if (child != nullptr) {
        *child = std::move(fresh);  // a requested ancestor replaces a partial copy
        return true;
      }
      rapidjson::Value key(seg.data(), static_cast<rapidjson::SizeType>(seg.size()), alloc);
      node->AddMember(key, fresh, alloc);
      node = &(node->MemberEnd() - 1)->value;
      return true;
    });
  }
  return to_json(out);
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  value.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace kora::doc
