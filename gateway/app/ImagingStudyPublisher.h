#pragma once

#include <mutex>
#include <string>

#include "gateway/app/PassLoop.h"
#include "gateway/core/Clock.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::app {

// Describes each received study as a FHIR ImagingStudy once no new instance has come for
// dicom.stableSeconds, and again when a late instance arrives (same resource, next version). The
// subject is the Patient resource the patient index knows for the study's PatientID, else a
// logical reference by that identifier. The Endpoint the studies point to (medbridge's DICOMweb)
// is written with the first study a run publishes.
class ImagingStudyPublisher {
 public:
  ImagingStudyPublisher(store::IStore& store, const mappings::identity::IdentifierSystems& systems,
                        const core::IClock& clock, int stableSeconds);
  ~ImagingStudyPublisher();
  // Starts the periodic pass; the Endpoint names medbridge's DICOMweb at dicomwebUrl.
  void start(const std::string& dicomwebUrl);
  void stop();
  // One pass: publishes every study that is due; returns how many were written.
  int publishDue();
  // Publishes one study now, stable or not (a retrieval that has completed), about `subject`
  // ("Patient/<id>") when the caller knows whose it is.
  void publishStudy(const std::string& studyUid, const std::string& subject = "");

  static constexpr const char* kEndpointId = "medbridge-dicomweb";

 private:
  void publish(const store::PendingStudy& study, const std::string& subject = "");

  store::IStore& store_;
  const mappings::identity::IdentifierSystems& systems_;
  const core::IClock& clock_;
  int stableSeconds_;
  std::string dicomwebUrl_;
  std::once_flag endpointWritten_;
  PassLoop loop_;
};

}  // namespace medbridge::app
