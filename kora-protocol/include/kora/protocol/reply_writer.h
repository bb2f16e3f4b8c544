#pragma once
// ReplyWriter: serializes replies onto a byte buffer in RESP2 or RESP3.
// Pure codec: it only appends to the string it is given. Not thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace kora::protocol {

class ReplyWriter {
 public:
  // Appends to *out, which must outlive the writer. `resp` is 2 or 3.
  explicit ReplyWriter(std::string* out, int resp = 2) : out_(out), resp_(resp) {}

  int resp() const { return resp_; }
  std::string& buffer() { return *out_; }

  void ok() { out_->append("+OK\r\n", 5); }
  void simple(std::string_view s);  // +s   (s must not contain CR or LF)
  void error(std::string_view message);  // -message (CR/LF become spaces)
  void integer(std::int64_t v);          // :v
  void bulk(std::string_view s);         // $len s
  void null();                            // $-1 (RESP2) / _ (RESP3)
  void null_array();                      // *-1 (RESP2) / _ (RESP3)
  void array(std::size_t n);              // *n, followed by n replies
  void map(std::size_t pairs);            // %n (RESP3) / *2n (RESP2)
  void set(std::size_t n);                // ~n (RESP3) / *n (RESP2)
  void dbl(double v);                     // ,v (RESP3) / bulk string (RESP2)
  void verbatim(std::string_view s);      // =len txt:s (RESP3) / bulk (RESP2)
  void push(std::size_t n);               // >n (RESP3) / *n (RESP2), followed by n replies
  void boolean(bool v);                   // #t/#f (RESP3) / :1 or :0 (RESP2)
  void big_number(std::string_view digits);  // (digits (RESP3) / bulk (RESP2)
  void attribute(std::size_t pairs);      // |n (RESP3) / nothing (RESP2): n pairs the
                                          // RESP2 caller must not write either
  // Appends bytes that are already a complete RESP reply.
  void raw(std::string_view encoded) { out_->append(encoded); }

 private:
  void header(char type, std::int64_t n);

  std::string* out_;
  int resp_;
};

}  // namespace kora::protocol
