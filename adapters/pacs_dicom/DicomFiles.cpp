#include "adapters/pacs_dicom/DicomFiles.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>

namespace medbridge::adapters::pacs_dicom {
namespace {

void fsyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error("fsync " + path + ": " + std::strerror(error));
}

// Directory fsyncs shared by concurrent callers: an fsync that starts after a caller's rename
// covers it, so instances arriving together in one study directory share one fsync.
class DirectorySyncs {
 public:
  void sync(const std::string& dir) {
    std::unique_lock lock(mutex_);
    State& s = dirs_[dir];
    std::uint64_t mine = ++s.requested;
    ++s.users;
    std::exception_ptr failure;
    while (s.done < mine && !failure) {
      if (s.running) {
        s.cv.wait(lock);
        continue;
      }
      s.running = true;
      std::uint64_t covers = s.requested;
      lock.unlock();
      try {
        fsyncPath(dir, O_RDONLY | O_DIRECTORY);
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      s.running = false;
      if (!failure) s.done = std::max(s.done, covers);
      s.cv.notify_all();
    }
    if (--s.users == 0) dirs_.erase(dir);
    if (failure) std::rethrow_exception(failure);
  }

 private:
  struct State {
    std::uint64_t requested = 0, done = 0;
    int users = 0;
    bool running = false;
    std::condition_variable cv;
  };
  std::mutex mutex_;
  std::map<std::string, State> dirs_;
};

DirectorySyncs& directorySyncs() {
  static DirectorySyncs syncs;
  return syncs;
}

}  // namespace

bool isUid(const std::string& text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  return true;
}

void placeDurably(const std::string& from, const std::string& to) {
  fsyncPath(from, O_RDONLY);
  std::filesystem::path dir = std::filesystem::path(to).parent_path();
  bool created = !std::filesystem::exists(dir);
  std::filesystem::create_directories(dir);
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw std::runtime_error("rename to " + to + ": " + std::strerror(errno));
  directorySyncs().sync(dir.string());
  if (created) directorySyncs().sync(dir.parent_path().string());
}

}  // namespace medbridge::adapters::pacs_dicom
