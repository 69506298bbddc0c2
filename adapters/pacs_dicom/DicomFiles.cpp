#include "adapters/pacs_dicom/DicomFiles.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
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
  fsyncPath(dir.string(), O_RDONLY | O_DIRECTORY);
  if (created) fsyncPath(dir.parent_path().string(), O_RDONLY | O_DIRECTORY);
}

}  // namespace medbridge::adapters::pacs_dicom
