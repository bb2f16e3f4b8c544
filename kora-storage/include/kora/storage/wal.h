#pragma once
// Write-ahead log of opaque records.
//
// File format: a sequence of records, each
//     [u32 length][u32 crc32c_mask(crc32c(payload))][payload: length bytes]
// with both integers little endian. There is no file header: an empty file is an
// empty log, and a log can be appended to by reopening it.
//
// Recovery contract: WalReader returns every complete record in order. A damaged
// *tail* — a last record cut short by a crash, a last record whose CRC does not match,
// or a tail of zero bytes left by a filesystem that extended the file before the data
// reached the disk — ends the log cleanly, and truncated_bytes() says how much was
// dropped. Damage followed by more data is corruption and is reported as an error,
// since silently skipping it would lose acknowledged writes.
// After recovery, reopen the writer with WalWriter::open(path, policy,
// reader.valid_bytes()) so that new records do not land behind a damaged tail.
//
// Neither class is thread-safe: each is owned by one thread (a shard's WAL belongs to
// the shard's thread). Neither throws; errors come back as kora::core::Result with
// Errc::kProtocol and a detail message ("wal: ...").

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "kora/core/result.h"

namespace kora::storage {

// Size of a record's header on disk.
inline constexpr std::size_t kWalHeaderBytes = 8;
// Largest payload a record may carry. A larger length field in a file is corruption.
inline constexpr std::uint32_t kWalMaxRecordBytes = 1u << 30;

// When a WalWriter makes appended records durable (as Redis' appendfsync).
enum class SyncPolicy {
  kEveryWrite,   // append() returns after the record is written and fdatasync'ed.
  kEverySecond,  // append() buffers; the buffer is written and fdatasync'ed when a
                 // second has passed since the last sync, checked on every append()
                 // and sync_if_due(). The owner should call sync_if_due() from a timer
                 // so an idle log still gets synced: there is no background thread.
  kOsManaged,    // append() buffers; written when the buffer fills or on flush();
                 // fdatasync only on an explicit sync().
};

class WalWriter {
 public:
  // Opens (creating if needed) the log at `path` for appending at its end. A newly
  // created file's directory entry is synced too, unless the policy is kOsManaged.
  // Errors: the file cannot be opened or created (message carries errno text).
  static core::Result<WalWriter> open(const std::string& path, SyncPolicy policy);

  // As open(), but first truncates the file to `valid_bytes` (from
  // WalReader::valid_bytes() after recovery), dropping a damaged tail.
  // Errors: as open(), or `valid_bytes` exceeds the file's size.
  static core::Result<WalWriter> open(const std::string& path, SyncPolicy policy,
                                      std::uint64_t valid_bytes);

  WalWriter(WalWriter&& other) noexcept;
  WalWriter& operator=(WalWriter&& other) noexcept;
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;
  // Flushes buffered records (best effort, errors are lost: call close() to see them)
  // and closes the file. Does not sync under kOsManaged.
  ~WalWriter();

  // Appends one record. The payload is copied; it may be empty and at most
  // kWalMaxRecordBytes long. Durability depends on the SyncPolicy (above).
  // Errors: payload too large; a write or sync failure. After a write or sync failure
  // the writer is failed: the file is cut back to the last fully written record (best
  // effort) and every later call returns the same error, as Redis stops accepting
  // writes when its AOF cannot be written.
  // Amortised O(len(payload)).
  core::Result<void> append(std::string_view payload);

  // Writes buffered records to the OS (no fsync).
  core::Result<void> flush();
  // Writes buffered records and fdatasync()s the file.
  core::Result<void> sync();
  // Under kEverySecond, sync() if a second has passed since the last sync at `now`;
  // otherwise does nothing. Exposed with an explicit clock for tests.
  core::Result<void> sync_if_due(std::chrono::steady_clock::time_point now);
  core::Result<void> sync_if_due() { return sync_if_due(std::chrono::steady_clock::now()); }
  // flush() (plus sync() unless kOsManaged) and close the file. Idempotent.
  core::Result<void> close();

  // Bytes of the log including buffered, not yet written, records.
  std::uint64_t size() const { return written_ + buffer_.size(); }
  // Records appended through this writer.
  std::uint64_t records_appended() const { return records_; }
  SyncPolicy policy() const { return policy_; }

 private:
  WalWriter(int fd, SyncPolicy policy, std::uint64_t size);
  // Writes buffer_ then `extra`; together they must end on a record boundary.
  core::Result<void> write_out(std::string_view extra);
  core::Result<void> fail(const char* what, int err);
  void release();  // flush (best effort) and close

  static constexpr std::size_t kBufferBytes = std::size_t{64} * 1024;

  int fd_ = -1;
  SyncPolicy policy_ = SyncPolicy::kEverySecond;
  std::string buffer_;
  std::uint64_t written_ = 0;  // bytes handed to the OS, all complete records
  std::uint64_t records_ = 0;
  std::chrono::steady_clock::time_point last_sync_;
  std::optional<core::Error> failed_;
};

class WalReader {
 public:
  // Opens the log at `path` for reading from its start.
  // Errors: the file cannot be opened.
  static core::Result<WalReader> open(const std::string& path);

  WalReader(WalReader&& other) noexcept;
  WalReader& operator=(WalReader&& other) noexcept;
  WalReader(const WalReader&) = delete;
  WalReader& operator=(const WalReader&) = delete;
  ~WalReader();

  // The next record's payload, or std::nullopt at the end of the log (including a
  // damaged tail, see the file comment). The view stays valid until the next call to
  // next() or the reader's destruction.
  // Errors: a read failure, or corruption (bad CRC, impossible length) followed by
  // more data; the message gives the record's file offset. After an error, or the end,
  // every call returns the same outcome.
  // O(len(payload)) amortised.
  core::Result<std::optional<std::string_view>> next();

  // Offset just past the last good record returned so far. Once next() returned the
  // end, this is where a writer must continue (see WalWriter::open with valid_bytes).
  std::uint64_t valid_bytes() const { return valid_; }
  // Bytes dropped as a damaged tail; 0 until next() has returned the end.
  std::uint64_t truncated_bytes() const { return truncated_; }
  std::uint64_t records_read() const { return records_; }

 private:
  explicit WalReader(int fd);
  // Makes at least `n` bytes available at pos_, reading more as needed. Returns false
  // at end of file with fewer bytes available. Errors: read failure.
  core::Result<bool> ensure(std::size_t n);
  // Consumes the rest of the file: {every byte from pos_ on is zero, byte count}.
  core::Result<std::pair<bool, std::uint64_t>> scan_rest();
  // Ends the log, dropping everything from pos_ on as a damaged tail.
  core::Result<std::optional<std::string_view>> end_with_tail();
  // Damage at pos_ with more data after it: a tail if the rest is zeros, else an error.
  core::Result<std::optional<std::string_view>> corrupt_or_tail(const char* what);

  static constexpr std::size_t kChunkBytes = std::size_t{64} * 1024;
  static constexpr std::size_t kMaxReadBytes = std::size_t{1024} * 1024;

  int fd_ = -1;
  std::string buf_;      // bytes read from the file and not yet consumed: [pos_, size)
  std::size_t pos_ = 0;  // consumed prefix of buf_
  bool eof_ = false;
  std::uint64_t valid_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t records_ = 0;
  bool done_ = false;
  std::optional<core::Error> error_;
};

}  // namespace kora::storage
