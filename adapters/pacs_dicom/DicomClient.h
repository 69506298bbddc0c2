#pragma once

#include <string>
#include <vector>

#include "adapters/pacs_dicom/InstanceArchive.h"
#include "gateway/core/Config.h"
#include "mappings/dicom/DicomQuery.h"

namespace medbridge::adapters::pacs_dicom {

// medbridge as SCU towards one configured peer (dicom.peers): C-ECHO, study-root C-FIND and
// retrieval of a study by the peer's method: C-MOVE to medbridge's own SCP (the peer needs
// medbridge's AE title, host and port) or C-GET on the same association. Retrieved instances are
// answered once checked and made durable and indexed together before retrieveStudy returns (the
// PACS keeps its copy; InstanceArchive::When::Deferred). Failures throw core::Error
// (DicomPeerUnreachable, DicomPeerFailed). One association per call.
class DicomClient {
 public:
  DicomClient(std::string localAet, std::string peerAet, core::DicomPeer peer,
              InstanceArchive& archive);
  void echo() const;
  // Study-root C-FIND at the query's level (STUDY, SERIES or IMAGE): the matches' identifiers
  // as DICOM JSON objects (UTF-8), in the peer's order.
  std::vector<std::string> find(const mappings::dicom::DicomQuery& query) const;

  struct Retrieved {
    int completed = 0, failed = 0, warning = 0;
  };
  // Returns when the peer reports the retrieval complete (C-MOVE: after its sub-operations)
  // and what arrived is durable and indexed.
  Retrieved retrieveStudy(const std::string& studyUid) const;

  // An instance to send by C-STORE, with the PatientID and IssuerOfPatientID the receiver knows
  // the patient by ("" = as stored); coerced, the stored ones go into Other Patient IDs.
  struct Outgoing {
    mappings::dicom::DicomSummary instance;
    std::string patientId, issuer;
  };
  struct Sent {
    int status = -1;  // the peer's C-STORE status (0 = stored); -1 = not sent (see problem)
    std::string problem;
  };
  // Sends each on one association, in its stored transfer syntax when the peer accepts it.
  std::vector<Sent> store(const std::vector<Outgoing>& items) const;

 private:
  std::string localAet_, peerAet_;
  core::DicomPeer peer_;
  InstanceArchive& archive_;
};

}  // namespace medbridge::adapters::pacs_dicom
