#include "gateway/app/RepeatOrderAdvice.h"

#include "gateway/core/ErrorCode.h"
#include "gateway/routing/RepeatOrderCheck.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"

namespace medbridge::app {

void adviseRepeatOrders(fhir::FhirServer& fhir, store::IStore& store,
                        const core::GatewayConfig& config, const core::IClock& clock) {
  fhir.adviseWrites("ServiceRequest", [&store, &config, &clock](const store::ResourceVersion& v) {
    std::vector<std::string> out;
    rapidjson::Document order;
    if (mappings::fhir::parseJson(v.json, order) || !order.IsObject()) return out;
    std::string status = mappings::fhir::stringMember(order, "status");
    if (status != "active" && status != "draft") return out;
    if (auto it = order.FindMember("category"); it != order.MemberEnd() && it->value.IsArray())
      for (const auto& c : it->value.GetArray())
        if (!mappings::fhir::codeIn(c, workflow::kTaskCodeSystem).empty())
          return out;  // a consultation or referral application, not an examination
    std::string patient = workflow::ConsultationMachine::reference(order, "subject");
    std::vector<routing::OrderedCode> codes;
    if (auto it = order.FindMember("code");
        it != order.MemberEnd() && it->value.HasMember("coding") && it->value["coding"].IsArray())
      for (const auto& c : it->value["coding"].GetArray())
        codes.emplace_back(mappings::fhir::stringMember(c, "system"),
                           mappings::fhir::stringMember(c, "code"));
    if (patient.rfind("Patient/", 0) != 0 || codes.empty()) return out;
    if (auto found =
            routing::findRecognisedResult(store, routing::samePatients(store, patient), codes,
                                          clock.nowMillis(), config.referral.resultValidityDays)) {
      const auto& info = core::errorInfo(core::ErrorCode::RecognisedResultExists);
      out.push_back(core::errorId(core::ErrorCode::RecognisedResultExists) + " " +
                    std::string(info.text) + ": " + found->describe());
    }
    return out;
  });
}

}  // namespace medbridge::app
