#pragma once

// Where every received instance goes, whichever way it came (C-STORE, C-GET, STOW-RS): into a
// file of the pool, checked, made durable and handed to the sink.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/pacs_dicom/DicomFiles.h"
#include "adapters/pacs_dicom/DicomServer.h"

namespace medbridge::adapters::pacs_dicom {

class InstanceArchive {
 public:
  InstanceArchive(std::string storageDir, IInstanceSink& sink);

  // A file to receive one instance into, and its return when nothing of it is kept.
  std::string reserve() { return pool_.take(); }
  void release(const std::string& file) { pool_.giveBack(file); }

  // When an accepted instance is durable and indexed:
  //  Now: before accept() returns (a sender's copy may be deleted once it has our success);
  //  Deferred: at the next flushDeferred(), for instances medbridge itself retrieves from a PACS,
  //    which keeps its copy: one flush per retrieval instead of an fsync and a commit each.
  enum class When { Now, Deferred };
  // Checks the instance received into `file` (a reserved one): readable, the UIDs the request
  // named (empty: not checked), a study and SOP Instance UID. Returns the DIMSE status to
  // answer; a refused file is released.
  std::uint16_t accept(const std::string& file, const std::string& sopClass,
                       const std::string& sopInstance, const std::string& sender, When when);

  struct Flushed {
    int stored = 0, failed = 0;
  };
  // Makes every deferred instance durable and indexed (one transaction when none is refused).
  Flushed flushDeferred();

  // While a retrieval runs, C-STORE sub-operations of C-MOVEs medbridge asked for (Move
  // Originator = medbridge's AE title) may be deferred: the retrieval's flush will cover them.
  class Retrieval {
   public:
    explicit Retrieval(InstanceArchive& archive);
    ~Retrieval();
    Retrieval(const Retrieval&) = delete;
    Retrieval& operator=(const Retrieval&) = delete;

   private:
    InstanceArchive& archive_;
  };
  bool retrieving();

 private:
  // Hands instances whose files are durable to the sink (in one call when it takes them all,
  // else one by one) and removes the files they replaced; each one's DIMSE status (a refused
  // one's file is released).
  std::vector<std::uint16_t> index(const std::vector<mappings::dicom::DicomSummary>& instances);

  IInstanceSink& sink_;
  FilePool pool_;
  std::mutex deferredMutex_, flushMutex_;
  std::vector<mappings::dicom::DicomSummary> deferred_;
  std::int64_t deferredBytes_ = 0;
  int retrievals_ = 0;
};

}  // namespace medbridge::adapters::pacs_dicom
