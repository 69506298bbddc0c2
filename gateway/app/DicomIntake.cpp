#include "gateway/app/DicomIntake.h"

#include "gateway/core/Time.h"
#include "gateway/identity/PatientLinker.h"
#include "mappings/identity/DicomPatientFacts.h"

namespace medbridge::app {

std::vector<std::string> DicomIntake::onInstances(
    const std::vector<mappings::dicom::DicomSummary>& instances) {
  std::int64_t now = clock_.nowMillis();
  std::vector<std::string> replaced;
  store_.transact([&](store::IResourceTx& tx) {
    for (const auto& instance : instances) {
      auto facts = mappings::identity::patientFactsFromDicom(instance, systems_);
      auto linked = identity::PatientLinker::link(facts, tx.patientIndex(), core::chinaDate(now));
      replaced.push_back(tx.putDicomInstance(instance, linked.patient, now));
    }
  });
  return replaced;
}

}  // namespace medbridge::app
