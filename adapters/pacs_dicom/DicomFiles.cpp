#include "adapters/pacs_dicom/DicomFiles.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace medbridge::adapters::pacs_dicom {
namespace {

std::runtime_error failure(const std::string& step, const std::string& path) {
  return std::runtime_error(step + " " + path + ": " + std::strerror(errno));
}

void fsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw failure("open", path);
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  errno = error;
  if (rc != 0) throw failure("fsync", path);
}

void syncDirectory(const std::string& dir) {
  fsyncPath(dir, O_RDONLY | O_DIRECTORY);
}

// Creates `dir` if missing; a new directory's entry is made durable in its parent.
void ensureDirectory(const std::filesystem::path& dir) {
  if (std::filesystem::exists(dir)) return;
  ensureDirectory(dir.parent_path());
  std::error_code ec;
  if (!std::filesystem::create_directory(dir, ec) && ec)
    throw std::runtime_error("mkdir " + dir.string() + ": " + ec.message());
  syncDirectory(dir.parent_path().string());
}

std::string today() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char buf[9];
  std::strftime(buf, sizeof buf, "%Y%m%d", &local);
  return buf;
}

}  // namespace

bool isUid(const std::string& text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  return true;
}

FilePool::FilePool(std::string storageDir, int batchSize)
    : storageDir_(std::move(storageDir)), batchSize_(batchSize) {
  refiller_ = std::thread([this] { refillLoop(); });
}

FilePool::~FilePool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wanted_.notify_all();
  refiller_.join();
  std::error_code ec;
  for (const auto& file : free_) {
    std::filesystem::remove(file, ec);
    std::filesystem::remove(std::filesystem::path(file).parent_path(), ec);  // only when empty
  }
}

std::string FilePool::take() {
  std::unique_lock lock(mutex_);
  if (free_.size() <= static_cast<std::size_t>(batchSize_ / 2) && !refill_) {
    refill_ = true;
    wanted_.notify_one();
  }
  made_.wait(lock, [this] { return !free_.empty() || !error_.empty(); });
  if (free_.empty()) throw std::runtime_error(error_);
  std::string file = std::move(free_.back());
  free_.pop_back();
  return file;
}

void FilePool::giveBack(const std::string& file) {
  if (::truncate(file.c_str(), 0) != 0) return;  // gone (a failed receive removes it)
  std::lock_guard lock(mutex_);
  free_.push_back(file);
}

void FilePool::refillLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wanted_.wait(lock, [this] { return refill_ || stopping_; });
    if (stopping_) return;
    lock.unlock();
    std::vector<std::string> batch;
    std::string error;
    try {
      batch = makeBatch();
    } catch (const std::exception& e) {
      error = e.what();
    }
    lock.lock();
    free_.insert(free_.begin(), batch.rbegin(), batch.rend());  // taken from the back
    error_ = error;
    refill_ = false;
    made_.notify_all();
  }
}

// One new batch directory (a day's directory holds batches numbered from 1), its files created
// empty, then one fsync of the directory makes all their entries durable.
std::vector<std::string> FilePool::makeBatch() {
  std::string date = today();
  if (date != day_) nextBatch_ = 1;
  day_ = date;
  std::filesystem::path day = std::filesystem::path(storageDir_) / date;
  ensureDirectory(day);
  std::filesystem::path batch;
  std::error_code ec;
  while (true) {
    batch = day / std::to_string(nextBatch_++);
    if (std::filesystem::create_directory(batch, ec)) break;
    if (ec) throw std::runtime_error("mkdir " + batch.string() + ": " + ec.message());
  }
  syncDirectory(day.string());
  std::vector<std::string> made;
  for (int n = 0; n < batchSize_; ++n) {
    std::string file = (batch / (std::to_string(n) + ".dcm")).string();
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw failure("create", file);
    ::close(fd);
    made.push_back(file);
  }
  syncDirectory(batch.string());
  return made;
}

void syncFile(const std::string& file) {
  fsyncPath(file, O_RDONLY);
}

std::vector<std::pair<std::string, std::string>> syncFiles(const std::vector<std::string>& files) {
  constexpr std::size_t kThreads = 4;
  std::vector<std::pair<std::string, std::string>> failed;
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      try {
        syncFile(files[i]);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        failed.emplace_back(files[i], e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < std::min(kThreads, files.size()); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return failed;
}

void startWriteback(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  ::close(fd);
}

}  // namespace medbridge::adapters::pacs_dicom
