// Evaluation of WHERE expressions against a RapidJSON value (kora/doc/where.h).

#include <cstdint>
#include <string_view>

#include "kora/doc/document.h"
#include "kora/doc/where.h"

namespace kora::doc {
namespace {

// How a document value relates to a literal. kUnordered: different JSON types
// (or a missing value), which satisfies only `!=`.
enum class Order : unsigned char { kLess, kEqual, kGreater, kUnordered };

template <typename T>
Order order_of(const T& a, const T& b) {
  if (a < b) return Order::kLess;
  if (b < a) return Order::kGreater;
  return Order::kEqual;
}

Order compare_number(const rapidjson::Value& v, const Literal& lit) {
  if (const std::int64_t* li = std::get_if<std::int64_t>(&lit)) {
    // Both integers: compare exactly, including values above INT64_MAX.
    if (v.IsInt64()) return order_of(v.GetInt64(), *li);
    if (v.IsUint64()) return Order::kGreater;  // > INT64_MAX >= *li
    return order_of(v.GetDouble(), static_cast<double>(*li));
  }
  return order_of(v.GetDouble(), std::get<double>(lit));
}

Order compare(const rapidjson::Value* v, const Literal& lit) {
  if (v == nullptr) return Order::kUnordered;
  switch (lit.index()) {
    case 0:  // null
      return v->IsNull() ? Order::kEqual : Order::kUnordered;
    case 1:  // bool
      return v->IsBool() ? order_of(v->GetBool(), std::get<bool>(lit)) : Order::kUnordered;
    case 2:  // int64
    case 3:  // double
      return v->IsNumber() ? compare_number(*v, lit) : Order::kUnordered;
    default: {  // string
      if (!v->IsString()) return Order::kUnordered;
      std::string_view s(v->GetString(), v->GetStringLength());
      return order_of(s, std::string_view(std::get<std::string>(lit)));
    }
  }
}

bool satisfies(Order o, CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return o == Order::kEqual;
    case CompareOp::kNe:
      return o != Order::kEqual;
    case CompareOp::kLt:
      return o == Order::kLess;
    case CompareOp::kLe:
      return o == Order::kLess || o == Order::kEqual;
    case CompareOp::kGt:
      return o == Order::kGreater;
    case CompareOp::kGe:
      return o == Order::kGreater || o == Order::kEqual;
  }
  return false;
}

}  // namespace

bool evaluate(const Expr& expr, const rapidjson::Value& doc) {
  switch (expr.kind) {
    case Expr::Kind::kCompare:
      return satisfies(compare(lookup(doc, expr.field), expr.literals.front()), expr.op);
    case Expr::Kind::kIn: {
      const rapidjson::Value* v = lookup(doc, expr.field);
      if (v == nullptr) return false;
      for (const Literal& lit : expr.literals) {
        if (compare(v, lit) == Order::kEqual) return true;
      }
      return false;
    }
    case Expr::Kind::kExists:
      return lookup(doc, expr.field) != nullptr;
    case Expr::Kind::kNot:
      return !evaluate(expr.children.front(), doc);
    case Expr::Kind::kAnd:
      for (const Expr& c : expr.children) {
        if (!evaluate(c, doc)) return false;
      }
      return true;
    case Expr::Kind::kOr:
      for (const Expr& c : expr.children) {
        if (evaluate(c, doc)) return true;
      }
      return false;
  }
  return false;
}

}  // namespace kora::doc
