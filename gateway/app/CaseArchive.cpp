#include "gateway/app/CaseArchive.h"

#include <Poco/DigestEngine.h>
#include <Poco/Logger.h>
#include <Poco/SHA1Engine.h>

#include <sstream>

#include "gateway/app/CaseExport.h"
#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "gateway/fhir/FhirError.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/PatientKey.h"
#include "mappings/fhir/SearchIndexer.h"
#include "mappings/fhir/SearchQuery.h"

namespace medbridge::app {
namespace {

using workflow::ConsultationMachine;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.workflow.archive");
}

std::string sha1Base64(const std::string& bytes) {
  Poco::SHA1Engine sha1;
  sha1.update(bytes);
  const auto& digest = sha1.digest();
  return core::base64(std::string(digest.begin(), digest.end()));
}

}  // namespace

CaseArchive::CaseArchive(const core::GatewayConfig& config, store::IStore& store,
                         const core::IClock& clock)
    : config_(config), store_(store), clock_(clock) {}

CaseArchive::~CaseArchive() {
  stop();
}

void CaseArchive::start(const std::string& base) {
  base_ = base;
  loop_.start([this] { return archiveDue(); }, std::chrono::seconds(2),
              "medbridge.workflow.archive", "case archive");
}

void CaseArchive::stop() {
  loop_.stop();
}

int CaseArchive::archiveDue() {
  int archived = 0;
  auto ended = store_.search(mappings::fhir::parseSearch(
      "Task",
      {{"code", std::string(workflow::kTaskCodeSystem) + "|consultation"},
       {"status", "completed,cancelled,rejected,failed"}},
      true));
  for (const auto& id : ended) {
    std::string archiveId = "case-" + id;
    auto existing = store_.readResource("DocumentReference", archiveId);
    if (existing && !existing->deleted) continue;
    auto stored = store_.readResource("Task", id);
    rapidjson::Document task;
    if (!stored || mappings::fhir::parseJson(stored->json, task)) continue;
    std::string bundle;
    try {
      bundle = caseBundle(store_, clock_, id, base_);
    } catch (const fhir::FhirError& e) {
      log().error("Task/%s could not be archived: %s", id, std::string(e.what()));
      continue;
    }
    std::string now = core::instantOf(clock_.nowMillis());
    std::string patient = ConsultationMachine::reference(task, "for");
    std::string invited = ConsultationMachine::invitedOrganization(task);
    std::string json =
        R"({"resourceType":"DocumentReference","id":")" + archiveId +
        R"(","status":"current","type":{"coding":[{"system":"http://loinc.org","code":"11488-4","display":"Consult note"}]},"category":[{"coding":[{"system":")" +
        workflow::kTaskCodeSystem + R"(","code":"consultation"}]}],"subject":{"reference":")" +
        patient + R"("},"date":")" + now + R"(","author":[{"reference":")" + invited +
        R"("}],"description":"远程会诊病历归档 Archived remote consultation Task/)" + id +
        R"(","content":[{"attachment":{"contentType":"application/fhir+json","data":")" +
        core::base64(bundle) + R"(","size":)" + std::to_string(bundle.size()) + R"(,"hash":")" +
        sha1Base64(bundle) + R"(","title":"case-)" + id + R"(.json","creation":")" + now +
        R"("}}],"context":{"related":[{"reference":"Task/)" + id + R"("}]}})";
    rapidjson::Document doc;
    mappings::fhir::parseJson(json, doc);
    auto index = mappings::fhir::indexEntries(doc);
    std::vector<std::string> hospitals;
    for (const auto& org : {ConsultationMachine::reference(task, "requester"), invited})
      if (org.rfind("Organization/", 0) == 0 && config_.platform.hospitals.count(org.substr(13)))
        hospitals.push_back(org.substr(13));
    store_.transact([&](store::IResourceTx& tx) {
      auto current = tx.current("DocumentReference", archiveId);
      if (current && !current->deleted) return;
      tx.put({"DocumentReference", archiveId, json, now, current ? current->version + 1 : 1, false},
             core::sha256Hex(json), index);
      for (const auto& hospital : hospitals)
        tx.deliverCurrent("DocumentReference", archiveId, hospital, patient);
    });
    ++archived;
    log().information("Task/%s (%s) archived as DocumentReference/%s for %z hospitals", id,
                      ConsultationMachine::state(task), archiveId, hospitals.size());
  }
  return archived;
}

}  // namespace medbridge::app
