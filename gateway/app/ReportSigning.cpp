#include "gateway/app/ReportSigning.h"

#include <fstream>
#include <sstream>

#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "gateway/fhir/ResourceJson.h"
#include "gateway/workflow/ReportSignature.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"

namespace medbridge::app {
namespace {

using mappings::fhir::Value;

constexpr auto text = mappings::fhir::stringMember;

std::map<std::string, std::string> readKeys(const std::map<std::string, std::string>& files,
                                            const std::string& key) {
  std::map<std::string, std::string> out;
  for (const auto& [role, file] : files) {
    std::ifstream in(file);
    if (!in)
      throw core::Error(core::ErrorCode::ConfigInvalid, key + "." + role + ": cannot read " + file);
    std::stringstream pem;
    pem << in.rdbuf();
    out[role] = pem.str();
  }
  return out;
}

bool readIn(store::IResourceTx& tx, const std::string& reference, rapidjson::Document& out) {
  auto slash = reference.find('/');
  if (slash == std::string::npos) return false;
  auto v = tx.current(reference.substr(0, slash), reference.substr(slash + 1));
  return v && !v->deleted && !mappings::fhir::parseJson(v->json, out) && out.IsObject();
}

std::string parameterReference(const fhir::OperationRequest& o, const char* name) {
  rapidjson::Document body;
  if (mappings::fhir::parseJson(o.request.body, body) || !body.IsObject() ||
      !body.HasMember("parameter") || !body["parameter"].IsArray())
    return "";
  for (const auto& p : body["parameter"].GetArray())
    if (text(p, "name") == name && p.HasMember("valueReference"))
      return text(p["valueReference"], "reference");
  return "";
}

fhir::FhirError unprocessable(const std::string& why, const std::string& where = "") {
  return fhir::FhirError(422, "business-rule", why, where);
}

}  // namespace

ReportSigning::ReportSigning(const core::GatewayConfig& config, fhir::FhirServer& fhir,
                             store::IStore& store, const core::IClock& clock)
    : fhir_(fhir),
      store_(store),
      clock_(clock),
      signingKeys_(readKeys(config.workflow.signingKeys, "workflow.signingKeys")),
      expertKeys_(readKeys(config.workflow.expertKeys, "workflow.expertKeys")) {}

void ReportSigning::install() {
  fhir_.registerOperation("DiagnosticReport", "sign", false, true,
                          [this](const fhir::OperationRequest& o) { return sign(o); });
  fhir_.registerOperation("DiagnosticReport", "verify-signature", false, true,
                          [this](const fhir::OperationRequest& o) { return verify(o); });
}

fhir::FhirResponse ReportSigning::sign(const fhir::OperationRequest& o) {
  if (o.request.method != "POST")
    throw fhir::FhirError(405, "not-supported", "$sign makes a signature: use POST");
  std::string signer = parameterReference(o, "signer"),
              document = parameterReference(o, "document");
  if (signer.rfind("PractitionerRole/", 0) != 0 || document.rfind("DocumentReference/", 0) != 0)
    throw fhir::FhirError(400, "required",
                          "$sign needs signer (a PractitionerRole) and document (the "
                          "DocumentReference of the signed PDF)");
  auto key = signingKeys_.find(signer.substr(17));
  if (key == signingKeys_.end())
    throw unprocessable("no signing key for " + signer + " here (workflow.signingKeys)");
  store::ResourceVersion written;
  std::string report = "DiagnosticReport/" + o.id;
  store_.transact([&](store::IResourceTx& tx) {
    rapidjson::Document dr, doc;
    if (!readIn(tx, report, dr)) throw fhir::FhirError(404, "not-found", report + " is not known");
    if (!readIn(tx, document, doc))
      throw fhir::FhirError(404, "not-found", document + " is not known");
    std::string jws;
    try {
      jws = workflow::signReport(key->second, signer, report, workflow::reportDigests(dr, doc),
                                 clock_.nowMillis() / 1000);
    } catch (const std::runtime_error& e) {
      throw unprocessable("the signing key of " + signer + " cannot sign: " + e.what());
    }
    std::string now = core::instantOf(clock_.nowMillis());
    std::string json =
        R"({"resourceType":"Provenance","target":[{"reference":")" + report +
        R"("},{"reference":")" + document + R"("}],"recorded":")" + now +
        R"(","agent":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/provenance-participant-type","code":"author"}]},"who":{"reference":")" +
        signer +
        R"("}}],"signature":[{"type":[{"system":"urn:iso-astm:E1762-95:2013","code":"1.2.840.10065.1.12.1.1","display":"Author's Signature"}],"when":")" +
        now + R"(","who":{"reference":")" + signer +
        R"("},"targetFormat":"application/fhir+json","sigFormat":"application/jose","data":")" +
        core::base64(jws) + R"("}]})";
    rapidjson::Document provenance;
    mappings::fhir::parseJson(json, provenance);
    auto w = fhir_.prepare(provenance, "Provenance", fhir::newId());
    written = {"Provenance", w.id, w.json, now, 1, false};
    fhir_.putVersion(tx, written, w);
  });
  return fhir_.written(o.request, written, 201);
}

std::string ReportSigning::check(store::IResourceTx& tx, const std::string& report) {
  auto ids = tx.search(mappings::fhir::parseSearch(
      "Provenance", {{"target", report}, {"_sort", "-_lastUpdated"}}, true));
  for (const auto& id : ids) {
    rapidjson::Document provenance;
    if (!readIn(tx, "Provenance/" + id, provenance) || !provenance.HasMember("signature") ||
        !provenance["signature"].IsArray() || provenance["signature"].Empty())
      continue;
    const Value& signature = provenance["signature"][0];
    std::string signer = signature.HasMember("who") ? text(signature["who"], "reference") : "";
    std::string document;
    for (const auto& t : provenance["target"].GetArray())
      if (text(t, "reference").rfind("DocumentReference/", 0) == 0) document = text(t, "reference");
    auto key = expertKeys_.find(signer.rfind("PractitionerRole/", 0) == 0 ? signer.substr(17) : "");
    if (key == expertKeys_.end())
      return "no key here to verify " + signer + "'s signature (workflow.expertKeys)";
    rapidjson::Document dr, doc;
    if (!readIn(tx, report, dr)) return report + " is not known";
    if (!readIn(tx, document, doc)) return "the signed PDF (" + document + ") is not known";
    return workflow::verifyReport(core::unbase64(text(signature, "data")), key->second, signer,
                                  report, workflow::reportDigests(dr, doc));
  }
  return "unsigned";
}

fhir::FhirResponse ReportSigning::verify(const fhir::OperationRequest& o) {
  std::string why;
  store_.transact([&](store::IResourceTx& tx) { why = check(tx, "DiagnosticReport/" + o.id); });
  if (why == "unsigned")
    throw fhir::FhirError(404, "not-found", "DiagnosticReport/" + o.id + " has no signature");
  if (!why.empty()) throw unprocessable("the report's signature fails: " + why);
  return {200,
          fhir::operationOutcome({{"information", "informational",
                                   "the report and its PDF are as their expert signed them", ""}}),
          {}};
}

}  // namespace medbridge::app
