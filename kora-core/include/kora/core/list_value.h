#pragma once
// ListValue: the value of a Redis list, stored as Redis's quicklist is: a
// doubly-linked sequence of nodes, each ONE heap block holding a small header
// and a contiguous byte buffer of length-prefixed entries (a listpack). A small
// list is therefore one small allocation besides this object.
//
// Entry layout inside a node: varint(len) | len bytes | varint(len) reversed.
// The trailing copy of the length lets a cursor step backwards, so both ends
// and both directions of traversal are cheap. A node keeps free space at both
// ends of its buffer, so pushing and popping at either end of the list is O(1)
// amortized: when one side runs out, the entries slide into room freed at the
// other side or the buffer grows by half of what it holds (never past the node
// size limit), and a node left under a quarter full is shrunk.
//
// Node size comes from EncodingLimits::list_max_listpack_size, read at every
// insertion: -1..-5 cap a node at 4/8/16/32/64 KiB of entries (below -5 is
// taken as -5); N >= 1 caps it at N entries (and 8 KiB, Redis's safety limit);
// 0 is taken as 1. A node always accepts its first entry, so one element larger
// than the limit sits in a node of its own, and so does an element of at least
// EncodingLimits::list_packed_threshold bytes (Redis's "plain" nodes).
//
// Compression (list-compress-depth, captured when the list is created, as
// Redis's quicklist does): the `depth` nodes at each end stay plain, every
// inner node of at least 48 bytes is LZ4-compressed when that saves 8 bytes or
// more. A write keeps this true before it returns (O(depth) for pushes and
// pops at the ends). A read that walks into an inner node inflates it in place
// so that the views it hands out stay valid; the list compresses such nodes
// again at its next access of any kind (front/back/at, a write, memory_usage).
//
// Redis 7.0 reports every list as "quicklist" (the "listpack" list encoding came
// in 7.2), and so does encoding().
//
// Shard-local: touched only by the worker that owns the Db holding it. Views
// and Cursors into a list stay valid until the list is next modified or next
// read through front(), back() or at(); one cursor walks a list at a time.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "kora/core/object.h"

namespace kora::core {

// Which end of a list: LEFT (head, index 0) or RIGHT (tail).
enum class ListEnd : unsigned char { kHead, kTail };

class ListValue final : public Object {
  struct Node;

 public:
  static constexpr ValueType kType = ValueType::kList;

  ListValue();  // compress depth: EncodingLimits::list_compress_depth now
  ~ListValue() override;
  ListValue(const ListValue&) = delete;
  ListValue& operator=(const ListValue&) = delete;
  // Moves take the nodes; the moved-from list is left empty (construction) or
  // holding this list's old nodes (assignment, a swap).
  ListValue(ListValue&& other) noexcept;
  ListValue& operator=(ListValue&& other) noexcept;

  ValueType type() const override { return kType; }
  std::string_view encoding() const override { return "quicklist"; }
  std::size_t size() const override { return count_; }
  std::unique_ptr<Object> clone() const override;
  std::size_t memory_usage() const override;

  // A position in the list: an element, or past either end (!valid()).
  class Cursor {
   public:
    bool valid() const { return node_ != nullptr; }
    // The element. Precondition: valid().
    std::string_view value() const;
    // Moves toward the tail / the head; past the end it becomes !valid().
    void next();
    void prev();

   private:
    friend class ListValue;
    Cursor(const ListValue* list, const Node* node, std::uint32_t off) : list_(list), node_(node), off_(off) {}
    const ListValue* list_ = nullptr;
    const Node* node_ = nullptr;
    std::uint32_t off_ = 0;  // offset of the entry in node_'s buffer
  };

  // The first / last element (!valid() when empty).
  Cursor front() const;
  Cursor back() const;
  // The element at `index` (0 = head). Walks from the nearer end.
  // Precondition: index < size().
  Cursor at(std::size_t index) const;

  // LPUSH / RPUSH of one element.
  void push(ListEnd end, std::string_view value);
  // Removes and returns the element at `end`. Precondition: size() > 0.
  std::string pop(ListEnd end);

  // LSET: replaces the element at `index`. Precondition: index < size().
  void replace(std::size_t index, std::string_view value);

  // LINSERT: inserts `value` before (or after) the first element, from the head,
  // equal to `pivot`. False, and no change, when there is none.
  bool insert(std::string_view pivot, std::string_view value, bool after);

  // LREM: removes up to `limit` elements equal to `value` (0: all of them),
  // scanning from `from`. Returns how many it removed.
  std::size_t remove(std::string_view value, std::size_t limit, ListEnd from);

  // LTRIM: removes `n` elements at `end`; n may exceed size().
  void erase(ListEnd end, std::size_t n);

  // Number of nodes (tests and benchmarks look at the layout through it).
  std::size_t node_count() const;
  // Nodes stored compressed, and the bytes every node's entries take
  // uncompressed (DEBUG OBJECT's ql_* fields, tests).
  std::size_t compressed_nodes() const;
  std::size_t uncompressed_bytes() const;
  // The compress depth this list was created with (0: none).
  std::uint32_t compress_depth() const { return depth_; }

 private:
  struct Limit;

  static Limit current_limit();
  // Whether n may take one more entry of `len` value bytes.
  static bool fits(const Node* n, std::size_t len, const Limit& lim);

  // Compression. inflate() turns a compressed node back into a plain one and
  // compress() tries the reverse; both may reallocate n and return where it now
  // is. inflate_for_read() is inflate() for a reader holding the list const: it
  // leaves the list to be settled at its next access.
  Node* inflate(Node* n);
  Node* compress(Node* n);
  const Node* inflate_for_read(const Node* n) const;
  // Restores the compression rule on the `depth` nodes at each end and the
  // node next to them (after pushes and pops) / on every node (after a change
  // inside the list or reads that inflated inner nodes).
  void settle_ends();
  void settle_all();
  void settle_if_read() const;
  void after_write();

  // Node management. Every function that may reallocate a node returns where
  // it now is; the old pointer is dead.
  Node* new_node(Node* prev, std::size_t cap, std::uint32_t begin);
  Node* empty_node(Node* prev, ListEnd side, std::size_t entry_bytes, const Limit& lim);
  void unlink(Node* n);
  Node* reshape(Node* n, std::size_t front_room, std::size_t back_room);
  Node* make_room(Node* n, ListEnd side, std::size_t bytes, const Limit& lim);
  void maybe_shrink(Node* n);
  Node* push_into(Node* n, ListEnd side, std::string_view value, const Limit& lim);
  Node* split(Node* n, std::uint32_t off);
  void insert_at(Node* n, std::uint32_t off, std::string_view value, const Limit& lim);
  std::size_t remove_in_node(Node* n, std::string_view value, std::size_t limit, ListEnd from);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  std::size_t count_ = 0;
  std::uint32_t depth_ = 0;    // list-compress-depth at creation
  mutable bool dirty_ = false;  // inner nodes may be plain: settle_all() next
};

}  // namespace kora::core
