#pragma once

#include <string>
#include <vector>

#include "adapters/pacs_dicom/InstanceArchive.h"
#include "gateway/app/PassLoop.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::app {

// Sends stored instances to DICOM peers by C-STORE — by STOW-RS, as stored, to a peer with a
// stowUrl — from the durable outbox (dicom_outbox): a
// queued instance survives restarts, is retried with backoff (workers.retryBaseSeconds doubling,
// workers.maxAttempts) and ends done or failed with its error. When the peer has a
// patientIdSystem, PatientID / IssuerOfPatientID are coerced to the patient's identifier in that
// system (from the patient index; the stored ones go into Other Patient IDs); an instance whose
// patient has none fails unless the peer sets forwardUnresolved.
class DicomForwarder {
 public:
  DicomForwarder(const core::GatewayConfig& config, store::IStore& store,
                 const mappings::identity::IdentifierSystems& systems,
                 adapters::pacs_dicom::InstanceArchive& archive, const core::IClock& clock);
  ~DicomForwarder();
  void start();
  void stop();
  // Queues every stored instance of the study for `peer`; the outbox ids. Throws core::Error
  // (DicomPeerUnknown) for a peer not in dicom.peers.
  std::vector<std::int64_t> queueStudy(const std::string& studyUid, const std::string& peer);
  // One pass over what is due; returns how many were attempted.
  int sendDue();

 private:
  // The PatientID and issuer `peer` knows the instance's patient by; empty when unknown.
  std::pair<std::string, std::string> coercedId(const mappings::dicom::DicomSummary& instance,
                                                const core::DicomPeer& peer);

  const core::GatewayConfig& config_;
  store::IStore& store_;
  const mappings::identity::IdentifierSystems& systems_;
  adapters::pacs_dicom::InstanceArchive& archive_;
  const core::IClock& clock_;
  PassLoop loop_;
};

}  // namespace medbridge::app
