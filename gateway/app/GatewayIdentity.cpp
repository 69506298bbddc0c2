// The patient index's FHIR side, wired onto the gateway's FHIR server.
#include "gateway/app/Gateway.h"
#include "gateway/core/Time.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/identity/IndexOperations.h"
#include "gateway/identity/PatientMatch.h"
#include "gateway/identity/PixQuery.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {
namespace {

fhir::FhirResponse respond(const identity::FhirAnswer& answer) {
  return {answer.status, answer.json, {}};
}

void requirePost(const fhir::OperationRequest& o, const std::string& name) {
  if (o.request.method != "POST")
    throw fhir::FhirError(405, "not-supported",
                          "$" + name + " changes the patient index: use POST");
}

}  // namespace

void Gateway::registerIdentityOperations() {
  fhir_->registerOperation(
      "Patient", "ihe-pix", /*typeLevel=*/true, /*instanceLevel=*/false,
      [this](const fhir::OperationRequest& o) {
        return respond(identity::answerPix(o.parameters, *store_, *systems_));
      },
      "http://ihe.net/fhir/ihe.iti.pixm/OperationDefinition/IHE.PIXm.pix");
  fhir_->registerOperation(
      "Patient", "match", true, false,
      [this](const fhir::OperationRequest& o) {
        if (o.request.method != "POST")
          throw fhir::FhirError(405, "not-supported", "$match takes a Parameters body: use POST");
        return respond(identity::answerMatch(o.request.body, o.request.base, *store_, *systems_,
                                             core::chinaDate(clock_.nowMillis())));
      },
      "http://hl7.org/fhir/OperationDefinition/Patient-match");
  fhir_->registerOperation(
      "Patient", "merge", true, false, [this](const fhir::OperationRequest& o) {
        requirePost(o, "merge");
        return respond(identity::answerMerge(o.request.body, *store_, *systems_));
      });
  fhir_->registerOperation(
      "Patient", "unmerge", true, false, [this](const fhir::OperationRequest& o) {
        requirePost(o, "unmerge");
        return respond(identity::answerUnmerge(o.request.body, *store_, *systems_));
      });
  fhir_->registerOperation(
      "Patient", "unlink", true, false, [this](const fhir::OperationRequest& o) {
        requirePost(o, "unlink");
        return respond(identity::answerUnlink(o.request.body, *store_, *systems_));
      });
  // Every FHIR Patient written over REST feeds the index in its own transaction, so two
  // concurrent creates of one new person still make one master patient.
  fhir_->onWrite("Patient", [this](store::IResourceTx& tx, const store::ResourceVersion& v) {
    // The platform's index is keyed on national IDs: a wrong one is refused, not stored, so the
    // hospital sees it in its dead letters and corrects it at the source.
    if (config_.profile == "platform") {
      std::string invalid =
          identity::invalidNationalId(v.json, v.id, *systems_, core::chinaDate(clock_.nowMillis()));
      if (!invalid.empty())
        throw fhir::FhirError(422, "business-rule", "MB-4004 " + invalid, "Patient.identifier");
    }
    identity::linkFhirPatient(tx.patientIndex(), v.json, v.id, *systems_,
                              core::chinaDate(clock_.nowMillis()));
  });
}

}  // namespace medbridge::app
