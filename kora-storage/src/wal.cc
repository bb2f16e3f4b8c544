#include "kora/storage/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "endian.h"
#include "kora/storage/crc32c.h"

namespace kora::storage {
namespace {

using core::Errc;
using core::Error;
using core::Result;
using Next = std::optional<std::string_view>;

Error wal_error(std::string_view what) {
  std::string detail = "wal: ";
  detail.append(what);
  return Error::of(Errc::kProtocol, detail);
}

Error errno_error(std::string_view what, int err) {
  std::string detail(what);
  detail += " failed: ";
  detail += std::generic_category().message(err);
  return wal_error(detail);
}

int data_sync(int fd) {
#if defined(__linux__)
  return ::fdatasync(fd);
#else
  return ::fsync(fd);
#endif
}

// Makes a newly created file's directory entry durable.
Result<void> sync_parent_dir(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_error("open of directory " + dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return errno_error("fsync of directory " + dir, err);
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------- writer

WalWriter::WalWriter(int fd, SyncPolicy policy, std::uint64_t size)
    : fd_(fd), policy_(policy), written_(size), last_sync_(std::chrono::steady_clock::now()) {
  buffer_.reserve(kBufferBytes);
}

Result<WalWriter> WalWriter::open(const std::string& path, SyncPolicy policy) {
  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("open of " + path, errno);
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return errno_error("fstat of " + path, err);
  }
  WalWriter writer(fd, policy, static_cast<std::uint64_t>(st.st_size));
  if (!existed && policy != SyncPolicy::kOsManaged) {
    KORA_RETURN_IF_ERROR(sync_parent_dir(path));
  }
  return writer;
}

Result<WalWriter> WalWriter::open(const std::string& path, SyncPolicy policy,
                                  std::uint64_t valid_bytes) {
  Result<WalWriter> opened = open(path, policy);
  if (!opened.ok()) return opened;
  WalWriter& writer = opened.value();
  if (valid_bytes > writer.written_) {
    return wal_error("valid_bytes " + std::to_string(valid_bytes) + " exceeds the size of " + path);
  }
  if (valid_bytes < writer.written_) {
    if (::ftruncate(writer.fd_, static_cast<off_t>(valid_bytes)) != 0) {
      return errno_error("ftruncate of " + path, errno);
    }
    writer.written_ = valid_bytes;
    if (policy != SyncPolicy::kOsManaged && data_sync(writer.fd_) != 0) {
      return errno_error("fdatasync of " + path, errno);
    }
  }
  return opened;
}

WalWriter::WalWriter(WalWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      policy_(other.policy_),
      buffer_(std::move(other.buffer_)),
      written_(other.written_),
      records_(other.records_),
      last_sync_(other.last_sync_),
      failed_(std::move(other.failed_)) {}

WalWriter& WalWriter::operator=(WalWriter&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    policy_ = other.policy_;
    buffer_ = std::move(other.buffer_);
    written_ = other.written_;
    records_ = other.records_;
    last_sync_ = other.last_sync_;
    failed_ = std::move(other.failed_);
  }
  return *this;
}

WalWriter::~WalWriter() { release(); }

void WalWriter::release() {
  if (fd_ < 0) return;
  if (!failed_ && !buffer_.empty()) (void)write_out({});
  ::close(fd_);
  fd_ = -1;
}

Result<void> WalWriter::fail(const char* what, int err) {
  // Cut back a partly written batch so the file ends on a record boundary.
  if (fd_ >= 0) (void)::ftruncate(fd_, static_cast<off_t>(written_));
  buffer_.clear();
  failed_ = errno_error(what, err);
  return *failed_;
}

// Writes buffer_ followed by `extra`; buffer_ + extra must end on a record boundary.
Result<void> WalWriter::write_out(std::string_view extra) {
  for (std::string_view part : {std::string_view(buffer_), extra}) {
    while (!part.empty()) {
      const ssize_t n = ::write(fd_, part.data(), part.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail("write", errno);
      }
      part.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  written_ += buffer_.size() + extra.size();
  buffer_.clear();
  return {};
}

Result<void> WalWriter::append(std::string_view payload) {
  if (failed_) return *failed_;
  if (fd_ < 0) return wal_error("append to a closed log");
  if (payload.size() > kWalMaxRecordBytes) return wal_error("record too large");

  char header[kWalHeaderBytes];
  internal::store_le32(header, static_cast<std::uint32_t>(payload.size()));
  internal::store_le32(header + 4, crc32c_mask(crc32c(payload)));
  buffer_.append(header, kWalHeaderBytes);
  if (payload.size() >= kBufferBytes) {
    KORA_RETURN_IF_ERROR(write_out(payload));  // large record: no copy into buffer_
  } else {
    buffer_.append(payload);
    if (buffer_.size() >= kBufferBytes) KORA_RETURN_IF_ERROR(write_out({}));
  }
  ++records_;

  switch (policy_) {
    case SyncPolicy::kEveryWrite:
      return sync();
    case SyncPolicy::kEverySecond:
      return sync_if_due(std::chrono::steady_clock::now());
    case SyncPolicy::kOsManaged:
      break;
  }
  return {};
}

Result<void> WalWriter::flush() {
  if (failed_) return *failed_;
  if (fd_ < 0) return wal_error("flush of a closed log");
  if (buffer_.empty()) return {};
  return write_out({});
}

Result<void> WalWriter::sync() {
  KORA_RETURN_IF_ERROR(flush());
  if (data_sync(fd_) != 0) return fail("fdatasync", errno);
  last_sync_ = std::chrono::steady_clock::now();
  return {};
}

Result<void> WalWriter::sync_if_due(std::chrono::steady_clock::time_point now) {
  if (policy_ != SyncPolicy::kEverySecond) return {};
  if (now - last_sync_ < std::chrono::seconds(1)) return {};
  return sync();
}

Result<void> WalWriter::close() {
  if (fd_ < 0) return failed_ ? Result<void>(*failed_) : Result<void>();
  Result<void> result = policy_ == SyncPolicy::kOsManaged ? flush() : sync();
  if (::close(fd_) != 0 && result.ok()) result = errno_error("close", errno);
  fd_ = -1;
  return result;
}

// ---------------------------------------------------------------------------- reader

WalReader::WalReader(int fd) : fd_(fd) {}

Result<WalReader> WalReader::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open of " + path, errno);
  return WalReader(fd);
}

WalReader::WalReader(WalReader&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      buf_(std::move(other.buf_)),
      pos_(other.pos_),
      eof_(other.eof_),
      valid_(other.valid_),
      truncated_(other.truncated_),
      records_(other.records_),
      done_(other.done_),
      error_(std::move(other.error_)) {}

WalReader& WalReader::operator=(WalReader&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buf_ = std::move(other.buf_);
    pos_ = other.pos_;
    eof_ = other.eof_;
    valid_ = other.valid_;
    truncated_ = other.truncated_;
    records_ = other.records_;
    done_ = other.done_;
    error_ = std::move(other.error_);
  }
  return *this;
}

WalReader::~WalReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<bool> WalReader::ensure(std::size_t n) {
  while (buf_.size() - pos_ < n && !eof_) {
    if (pos_ > 0) {  // drop consumed bytes before growing
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    // Read what is missing, in steps of at most kMaxReadBytes, so that a corrupt or torn
    // length field does not allocate its claimed size before the file proves it.
    const std::size_t want = std::clamp(n - buf_.size(), kChunkBytes, kMaxReadBytes);
    const std::size_t old = buf_.size();
    buf_.resize(old + want);
    const ssize_t got = ::read(fd_, buf_.data() + old, want);
    if (got < 0) {
      buf_.resize(old);
      if (errno == EINTR) continue;
      error_ = errno_error("read", errno);
      return *error_;
    }
    buf_.resize(old + static_cast<std::size_t>(got));
    if (got == 0) eof_ = true;
  }
  return buf_.size() - pos_ >= n;
}

Result<std::pair<bool, std::uint64_t>> WalReader::scan_rest() {
  bool all_zero = true;
  std::uint64_t bytes = 0;
  for (;;) {
    for (std::size_t i = pos_; i < buf_.size(); ++i) all_zero = all_zero && buf_[i] == '\0';
    bytes += buf_.size() - pos_;
    pos_ = buf_.size();
    if (eof_) break;
    Result<bool> more = ensure(1);
    if (!more.ok()) return more.error();
  }
  return std::pair<bool, std::uint64_t>{all_zero, bytes};
}

Result<Next> WalReader::end_with_tail() {
  auto rest = scan_rest();
  if (!rest.ok()) return rest.error();
  truncated_ = rest.value().second;
  done_ = true;
  return Next{};
}

Result<Next> WalReader::corrupt_or_tail(const char* what) {
  // Damage that reaches the end of the file, or is followed only by zeros, is a torn
  // tail; anything else would drop records written after it.
  auto rest = scan_rest();
  if (!rest.ok()) return rest.error();
  if (rest.value().first) {
    truncated_ = rest.value().second;
    done_ = true;
    return Next{};
  }
  error_ = wal_error(std::string(what) + " in record at offset " + std::to_string(valid_));
  return *error_;
}

Result<Next> WalReader::next() {
  if (error_) return *error_;
  if (done_ || fd_ < 0) return Next{};

  Result<bool> have = ensure(kWalHeaderBytes);
  if (!have.ok()) return have.error();
  if (!have.value()) {
    if (buf_.size() == pos_) {  // clean end on a record boundary
      done_ = true;
      return Next{};
    }
    return end_with_tail();  // partial header
  }
  const char* header = buf_.data() + pos_;
  const std::uint32_t length = internal::load_le32(header);
  const std::uint32_t masked_crc = internal::load_le32(header + 4);
  if (length > kWalMaxRecordBytes) {
    Result<bool> more = ensure(kWalHeaderBytes + 1);
    if (!more.ok()) return more.error();
    if (!more.value()) return end_with_tail();
    return corrupt_or_tail("impossible length");
  }
  const std::size_t record_bytes = kWalHeaderBytes + length;
  have = ensure(record_bytes);
  if (!have.ok()) return have.error();
  if (!have.value()) return end_with_tail();  // record cut short by the end of file

  std::string_view payload(buf_.data() + pos_ + kWalHeaderBytes, length);
  if (crc32c_unmask(masked_crc) != crc32c(payload)) {
    Result<bool> more = ensure(record_bytes + 1);
    if (!more.ok()) return more.error();
    if (!more.value()) return end_with_tail();  // bad CRC on the last record
    return corrupt_or_tail("crc mismatch");
  }
  pos_ += record_bytes;
  valid_ += record_bytes;
  ++records_;
  return Next{payload};
}

}  // namespace kora::storage
