#pragma once

#include "adapters/pacs_dicom/DicomServer.h"
#include "gateway/core/Clock.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::app {

// What the gateway does with received DICOM instances, in one store transaction: each one's
// patient (PatientID + IssuerOfPatientID, Other Patient IDs) is linked in the master patient
// index and its index row is written. A store failure propagates (the SCP answers 0xA700, the
// sender retries). Also lists the instances received for queries and retrievals.
class DicomIntake : public adapters::pacs_dicom::IInstanceSink,
                    public adapters::pacs_dicom::IInstanceSource {
 public:
  DicomIntake(store::IStore& store, const mappings::identity::IdentifierSystems& systems,
              const core::IClock& clock)
      : store_(store), systems_(systems), clock_(clock) {}
  std::vector<std::string> onInstances(
      const std::vector<mappings::dicom::DicomSummary>& instances) override;
  std::vector<mappings::dicom::DicomSummary> instances(
      const mappings::dicom::InstanceFilter& filter) override {
    return store_.dicomInstances(filter);
  }

 private:
  store::IStore& store_;
  const mappings::identity::IdentifierSystems& systems_;
  const core::IClock& clock_;
};

}  // namespace medbridge::app
