#pragma once
// Result<T>: a value or an Error (kora/core/errors.h). Shard-local operations return
// it instead of throwing; callers test ok() and read value() or error().

#include <utility>
#include <variant>

#include "kora/core/errors.h"

namespace kora::core {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Result(Errc code) : v_(std::in_place_index<1>, Error::of(code)) {}     // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }
  Errc code() const { return error().code; }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
struct Ok {};
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}                                            // NOLINT
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  Result(Errc code) : error_(Error::of(code)), ok_(false) {}     // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }
  Errc code() const { return error_.code; }

 private:
  Error error_{Errc::kSyntax, {}};
  bool ok_ = true;
};

}  // namespace kora::core

// Propagates the error of a Result expression out of the enclosing function.
#define KORA_RETURN_IF_ERROR(expr)              \
  do {                                          \
    auto&& kora_r_ = (expr);                    \
    if (!kora_r_.ok()) return kora_r_.error(); \
  } while (0)
