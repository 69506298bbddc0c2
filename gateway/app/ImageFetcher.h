#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/pacs_dicom/InstanceArchive.h"
#include "gateway/app/ImagingStudyPublisher.h"
#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// What to fetch: a patient's studies on one PACS peer, optionally within StudyDate bounds and
// for some modalities.
struct FetchRequest {
  std::string patientId;   // the FHIR Patient id
  std::string peer;        // AE title in dicom.peers; "" = the one peer with a patientIdSystem
  std::string start, end;  // YYYY-MM-DD or ""
  std::vector<std::string> modalities;
};

// A fetch's progress and, once done, its result (a Parameters resource) or error.
struct FetchStatus {
  bool done = false;
  int studiesFound = 0, studiesRetrieved = 0, instances = 0;
  int httpStatus = 0;  // when done: 200, or the error's status
  std::string body;    // when done: Parameters, or an OperationOutcome
};

// Patient/{id}/$fetch-images: finds the patient's studies on a PACS by C-FIND with the PACS's own
// identifier for the patient (from the patient index, by the peer's patientIdSystem), retrieves
// each (C-MOVE to medbridge or C-GET, per peer), then writes their ImagingStudy resources at once
// and answers their references. Runs synchronously, or as a job whose status is polled (FHIR
// asynchronous pattern); jobs live in memory only.
class ImageFetcher {
 public:
  ImageFetcher(const core::DicomConfig& dicom, store::IStore& store,
               adapters::pacs_dicom::InstanceArchive& archive, ImagingStudyPublisher& publisher);
  ~ImageFetcher();
  // The finished status (throws core::Error before any PACS work for bad requests).
  FetchStatus run(const FetchRequest& request);
  // Checks the request, starts it in the background and returns the job id.
  std::string start(const FetchRequest& request);
  // nullopt for an unknown job.
  std::optional<FetchStatus> status(const std::string& job);

 private:
  struct Plan {
    std::string peerAet;
    core::DicomPeer peer;
    std::string pacsPatientId;
  };
  Plan plan(const FetchRequest& request);
  void execute(const FetchRequest& request, const Plan& plan, FetchStatus& status);

  core::DicomConfig dicom_;
  store::IStore& store_;
  adapters::pacs_dicom::InstanceArchive& archive_;
  ImagingStudyPublisher& publisher_;
  std::mutex mutex_;
  std::map<std::string, FetchStatus> jobs_;
  std::vector<std::thread> threads_;
  std::uint64_t nextJob_ = 0;
};

}  // namespace medbridge::app
