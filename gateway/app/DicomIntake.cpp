#include "gateway/app/DicomIntake.h"

#include "gateway/core/Time.h"
#include "gateway/identity/PatientLinker.h"
#include "mappings/identity/DicomPatientFacts.h"

namespace medbridge::app {

void DicomIntake::onInstance(const mappings::dicom::DicomSummary& instance) {
  auto facts = mappings::identity::patientFactsFromDicom(instance, systems_);
  std::int64_t now = clock_.nowMillis();
  store_.transact([&](store::IResourceTx& tx) {
    auto linked = identity::PatientLinker::link(facts, tx.patientIndex(), core::chinaDate(now));
    tx.putDicomInstance(instance, linked.patient, now);
  });
}

}  // namespace medbridge::app
