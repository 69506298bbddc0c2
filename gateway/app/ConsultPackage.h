#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <vector>

#include "gateway/app/DicomForwarder.h"
#include "gateway/app/ImageFetcher.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// The consult package of an inviting hospital (workflow.package.*): before a consultation is
// submitted (or its missing material supplied), the patient's studies of the look-back period
// are fetched from the PACS, the records of that period (Encounter, Observation,
// DiagnosticReport, DocumentReference, ImagingStudy, Consent) join the ServiceRequest's
// supportingInfo, every instance of its studies is queued for the invited hospital's DICOM peer
// (durable C-STORE outbox), and the submission waits until the platform has the package (the
// delivery queue carries it: the ServiceRequest's new version and every record not yet
// delivered). The platform passes the package on to the invited hospital with the submitted Task.
class ConsultPackage {
 public:
  ConsultPackage(const core::GatewayConfig& config, fhir::FhirServer& fhir, store::IStore& store,
                 ImageFetcher& fetcher, DicomForwarder& forwarder, const core::IClock& clock);
  // True when `proposed` submits the application or supplies requested material (from the
  // local replica `current`, null when there is none).
  static bool hands(const rapidjson::Value* current, const rapidjson::Document& proposed);
  // Gathers, queues and waits (above). Throws fhir::FhirError: 502 when the PACS or the platform
  // refused part of it, 503 when the platform has not taken it within waitSeconds.
  void prepare(const rapidjson::Document& task);
  // Waits (workflow.package.waitSeconds) until every change queued for the platform before now
  // has been delivered, so a proposal never reaches the platform before what it refers to.
  // Throws fhir::FhirError: 502 when the platform refused one of `mustArrive`, 503 on timeout.
  void waitForPlatform(const std::vector<std::string>& mustArrive);

 private:
  // The references of the patient's records of the look-back period, oldest type first.
  std::vector<std::string> records(const std::string& patient);
  void fetchImages(const std::string& patientId);

  const core::GatewayConfig& config_;
  fhir::FhirServer& fhir_;
  store::IStore& store_;
  ImageFetcher& fetcher_;
  DicomForwarder& forwarder_;
  const core::IClock& clock_;
};

}  // namespace medbridge::app
