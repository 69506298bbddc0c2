#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace medbridge::adapters::pacs_dicom {

// A DICOM UID as a path component is safe: digits and dots, 1 to 64 characters.
bool isUid(const std::string& text);

// Empty files made ahead in batches, each batch's directory fsync'd once: an instance received
// into one of them is durable after an fsync of that file alone, with no rename and no
// directory fsync per instance. Files are <storageDir>/<YYYYMMDD>/<batch>/<n>.dcm. A thread of
// its own makes the next batch when half of one is left, so creating files (slow on a file
// system with many recent deletions) is off the receiving path. Thread-safe.
class FilePool {
 public:
  explicit FilePool(std::string storageDir, int batchSize = 256);
  ~FilePool();  // removes the files never used
  FilePool(const FilePool&) = delete;
  FilePool& operator=(const FilePool&) = delete;
  // An empty file whose directory entry is durable. Throws std::runtime_error naming the step
  // that failed when none is left and the last batch could not be made.
  std::string take();
  // A taken file that holds nothing kept: emptied and handed out again (gone: forgotten).
  void giveBack(const std::string& file);

 private:
  void refillLoop();
  std::vector<std::string> makeBatch();  // on the refill thread, without the lock
  std::string storageDir_;
  int batchSize_;
  std::mutex mutex_;
  std::condition_variable wanted_, made_;
  std::vector<std::string> free_;
  bool refill_ = false, stopping_ = false;
  std::string error_;  // why the last batch could not be made ("" when it was)
  std::string day_;
  std::uint64_t nextBatch_ = 1;
  std::thread refiller_;
};

// fsync of a file's data and metadata; throws std::runtime_error.
void syncFile(const std::string& file);
// fsyncs of many files, several at once (the device queues them together); the files whose
// fsync failed, with why.
std::vector<std::pair<std::string, std::string>> syncFiles(const std::vector<std::string>& files);
// Starts writing a file's dirty pages back without waiting, so a later syncFile waits less.
void startWriteback(const std::string& file);

}  // namespace medbridge::adapters::pacs_dicom
